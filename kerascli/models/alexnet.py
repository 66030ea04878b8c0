"""An AlexNet-style CNN (Krizhevsky et al., 2012) adapted to 28x28x1 inputs.

Five conv layers (5x5, 5x5, 3x3, 3x3, 3x3); overlapping 3x3 stride-2 max-pooling; local response normalisation (the
paper's k=2, n=5, alpha=1e-4, beta=0.75) after the first two convs; three dense layers with
dropout 0.5 before the last two. Adam with a cosine decay of the learning rate to 0.

The widths (--filters, --dense-units: a quarter of the paper's), the first stride (1: a
strided first conv, as the paper's 11x11 stride 4, trained 3.5x faster but stayed below 99%
on validation) and the training settings were chosen by validation accuracy per second on a
2-core CPU (benchmarks/defaults.py); TensorFlow's fused LRN kernel does the rest. The LRN layer is kerascli's own
(kerascli.models.layers): load a saved model with ``import kerascli`` first.
"""
from kerascli.models.spec import ModelSpec, Param


class AlexNet(ModelSpec):
    summary = "AlexNet-style CNN for 28x28 images: 5 convs, LRN, overlapping pools, 3 dense"
    accepts = frozenset({"image"})
    tasks = frozenset({"classification"})
    default_dataset = "mnist"
    epochs = 4
    batch_size = 128
    learning_rate = 2e-3
    optimizer_name = "adam"
    params = (
        Param("filters", "ints", (32, 64, 96, 96, 64),
              "Filters of the five convolutions, comma-separated."),
        Param("dense_units", "int", 512, "Units of each of the two hidden dense layers.",
              high=8192, log=True),
        Param("first_stride", "int", 1, "Stride of the first convolution (AlexNet's: 4).",
              high=4),
    )
    per_dataset = {"digits": {"epochs": 30, "batch_size": 32}}
    datasets = ("mnist", "fashion-mnist", "digits", "cifar10")
    counterparts = {"classification": ("logistic-regression", "random-forest")}

    def learning_rate_schedule(self, learning_rate, epochs, steps_per_epoch):
        """Cosine decay from ``learning_rate`` to 0 over the whole run."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)

    def build(self, input_shape, task, n_outputs, *, filters=(32, 64, 96, 96, 64), dense_units=512,
              first_stride=1, preprocess=(), postprocess=()):
        from kerascli.errors import UserError
        from kerascli.runtime import keras_module
        from kerascli.models.layers import LocalResponseNormalization

        keras = keras_module()
        layers = keras.layers
        if len(filters) != 5:
            raise UserError(f"--filters {','.join(map(str, filters))}: give five widths, one per "
                            "convolution (e.g. --filters 32,64,96,96,64).")

        def lrn():
            return LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)

        def overlapping_pool():
            return layers.MaxPooling2D(pool_size=3, strides=2, padding="same")

        return keras.Sequential([
            keras.Input(shape=input_shape),
            *preprocess,
            layers.Conv2D(filters[0], 5, strides=first_stride, padding="same", activation="relu"),
            lrn(),
            overlapping_pool(),
            layers.Conv2D(filters[1], 5, padding="same", activation="relu"),
            lrn(),
            overlapping_pool(),
            layers.Conv2D(filters[2], 3, padding="same", activation="relu"),
            layers.Conv2D(filters[3], 3, padding="same", activation="relu"),
            layers.Conv2D(filters[4], 3, padding="same", activation="relu"),
            overlapping_pool(),
            layers.Flatten(),
            layers.Dense(dense_units, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(dense_units, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(n_outputs, activation="softmax"),
        ], name="alexnet")
