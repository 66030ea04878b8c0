"""The CIFAR-10 CNN: conv 5x5x32, max-pool, conv 5x5x32, batch norm, max-pool, dropout 0.3,
dense 240 ELU, softmax.

What makes so small a network train well: random horizontal flips and small shifts of the
training images (augmentation layers, inactive at inference) and a cosine learning-rate
decay over the run (:func:`learning_rate_schedule`, used by kerascli.training).
"""
from kerascli.models import ModelInfo, Param

INFO = ModelInfo(
    name="cifar",
    summary="CIFAR-10 CNN: 2 convs, batch norm, dropout, dense 240 ELU, with augmentation",
    accepts=frozenset({"image"}),
    tasks=frozenset({"classification"}),
    default_dataset="cifar10",
    epochs=40, batch_size=64, learning_rate=2e-3, optimizer="adam",
    params=(
        Param("augment", "choice", "flip-shift",
              "Training-time augmentation: random horizontal flips and 10% shifts, shifts "
              "only (for digits and letters), or none.",
              choices=("flip-shift", "shift", "none")),
    ),
    per_dataset={"digits": {"epochs": 30, "batch_size": 32, "augment": "none"},
                 "mnist": {"augment": "shift"}, "fashion-mnist": {"augment": "flip-shift"}},
    datasets=("cifar10", "mnist", "fashion-mnist", "digits"),
)


def learning_rate_schedule(learning_rate, epochs, steps_per_epoch):
    """Cosine decay from ``learning_rate`` to 0 over the whole run."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)


def build(input_shape, task, n_outputs, *, augment="flip-shift", preprocess=(), postprocess=()):
    from kerascli.runtime import keras_module
    keras = keras_module()
    layers = keras.layers
    augmentation = []
    if augment == "flip-shift":
        augmentation.append(layers.RandomFlip("horizontal"))
    if augment in ("flip-shift", "shift"):
        augmentation.append(layers.RandomTranslation(0.1, 0.1, fill_mode="reflect"))
    return keras.Sequential([
        keras.Input(shape=input_shape),
        *augmentation,
        *preprocess,
        layers.Conv2D(32, 5, padding="same", activation="relu"),
        layers.MaxPooling2D(2, padding="same"),
        layers.Conv2D(32, 5, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2, padding="same"),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(240, activation="elu"),
        layers.Dense(n_outputs, activation="softmax"),
    ], name="cifar")
