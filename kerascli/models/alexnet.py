"""An AlexNet-style CNN (Krizhevsky et al., 2012) adapted to 28x28x1 inputs.

Five conv layers with stride 1; overlapping 3x3 stride-2 max-pooling; local response
normalisation (the paper's k=2, n=5, alpha=1e-4, beta=0.75) after the first two convs;
three dense layers with dropout 0.5. The LRN layer is kerascli's own
(kerascli.models.layers): load a saved model with ``import kerascli`` first.
"""
from kerascli.models import ModelInfo

INFO = ModelInfo(
    name="alexnet",
    summary="AlexNet-style CNN for 28x28 images: 5 convs, LRN, overlapping pools, 3 dense",
    accepts=frozenset({"image"}),
    tasks=frozenset({"classification"}),
    default_dataset="mnist",
    epochs=10, batch_size=128, learning_rate=5e-4, optimizer="adam",
    per_dataset={"digits": {"epochs": 30, "batch_size": 32}},
    datasets=("mnist", "fashion-mnist", "digits", "cifar10"),
)


def build(input_shape, task, n_outputs, *, preprocess=(), postprocess=()):
    from kerascli.runtime import keras_module
    from kerascli.models.layers import LocalResponseNormalization

    keras = keras_module()
    layers = keras.layers

    def lrn():
        return LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)

    def overlapping_pool():
        return layers.MaxPooling2D(pool_size=3, strides=2, padding="same")

    return keras.Sequential([
        keras.Input(shape=input_shape),
        *preprocess,
        layers.Conv2D(64, 5, padding="same", activation="relu"),
        lrn(),
        overlapping_pool(),
        layers.Conv2D(128, 5, padding="same", activation="relu"),
        lrn(),
        overlapping_pool(),
        layers.Conv2D(192, 3, padding="same", activation="relu"),
        layers.Conv2D(192, 3, padding="same", activation="relu"),
        layers.Conv2D(128, 3, padding="same", activation="relu"),
        overlapping_pool(),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(n_outputs, activation="softmax"),
    ], name="alexnet")
