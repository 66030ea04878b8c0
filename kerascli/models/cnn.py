"""The LeNet-style CNN of the classic TensorFlow "Deep MNIST for experts" tutorial.

conv 5x5x32 -> max-pool -> conv 5x5x64 -> max-pool -> dense 1024 -> dropout 0.5 -> softmax.
Reaches ~99.2% test accuracy on MNIST.
"""
from kerascli.models import ModelInfo

INFO = ModelInfo(
    name="cnn",
    summary="LeNet-style CNN: conv5x5x32, pool, conv5x5x64, pool, dense 1024, dropout",
    accepts=frozenset({"image"}),
    tasks=frozenset({"classification"}),
    default_dataset="mnist",
    epochs=15, batch_size=128, learning_rate=1e-3, optimizer="adam",
    per_dataset={"digits": {"epochs": 20, "batch_size": 32}},
    datasets=("mnist", "fashion-mnist", "digits", "cifar10"),
)


def build(input_shape, task, n_outputs, *, preprocess=(), postprocess=()):
    from kerascli.runtime import keras_module
    keras = keras_module()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=input_shape),
        *preprocess,
        layers.Conv2D(32, 5, padding="same", activation="relu"),
        layers.MaxPooling2D(2, padding="same"),
        layers.Conv2D(64, 5, padding="same", activation="relu"),
        layers.MaxPooling2D(2, padding="same"),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(n_outputs, activation="softmax"),
    ], name="cnn")
