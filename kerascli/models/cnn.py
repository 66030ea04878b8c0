"""The LeNet-style CNN: two 5x5 conv + max-pool stages, a dense layer, dropout, softmax.

conv 5x5 (--filters, first) -> max-pool 2 -> conv 5x5 (second) -> max-pool 2 -> dense
(--dense-units) ReLU -> dropout 0.5 -> softmax. The convolutions are "valid" as in LeNet-5
(28 -> 24 -> 12 -> 8 -> 4 on MNIST), not zero-padded, and the widths are Caffe's LeNet
(20 and 50 filters): about 2.1 million multiply-adds per 28x28 image, half those of widths
32/64 and an eighth of the padded net of the TensorFlow "Deep MNIST for experts" tutorial.
Adam with a cosine decay of the learning rate to 0 over the run.

The defaults (widths, dense size, epochs, batch, learning rate) were chosen on validation
accuracy on a 2-core CPU (benchmarks/defaults.py, 3 seeds): 20/50 for 6 epochs was the one
candidate whose mean validation accuracy cleared 99.2% (32/64 for 5 epochs, at twice the
multiply-adds per epoch, did not); the test set was scored only by the final benchmark
(benchmarks/peers.py, benchmarks/RESULTS.md).
"""
from kerascli.models.spec import ModelSpec, Param


class CNN(ModelSpec):
    summary = "LeNet-style CNN: two conv5x5 + pool stages, a dense layer, dropout"
    accepts = frozenset({"image"})
    tasks = frozenset({"classification"})
    default_dataset = "mnist"
    epochs = 6
    batch_size = 128
    learning_rate = 2e-3
    optimizer_name = "adam"
    params = (
        Param("filters", "ints", (20, 50), "Filters of the two 5x5 convolutions, comma-separated."),
        Param("dense_units", "int", 256, "Units of the dense layer before the dropout.",
              high=8192, log=True),
        Param("padding", "choice", "valid",
              "valid: no zero padding, as LeNet-5 (images of at least 12x12); same: keep the "
              "size through each convolution (small images such as the 8x8 digits).",
              choices=("valid", "same")),
    )
    per_dataset = {"digits": {"epochs": 20, "batch_size": 32, "padding": "same"}}
    datasets = ("mnist", "fashion-mnist", "digits", "cifar10")
    counterparts = {"classification": ("logistic-regression", "random-forest")}

    def learning_rate_schedule(self, learning_rate, epochs, steps_per_epoch):
        """Cosine decay from ``learning_rate`` to 0 over the whole run: the small late steps are
        what takes the net past 99.2% in a few epochs instead of 15."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)

    def build(self, input_shape, task, n_outputs, *, filters=(20, 50), dense_units=256, padding="valid",
              preprocess=(), postprocess=()):
        from kerascli.runtime import keras_module
        from kerascli.errors import UserError
        keras = keras_module()
        layers = keras.layers
        if len(filters) != 2:
            raise UserError(f"--filters {','.join(map(str, filters))}: give two widths, one per "
                            "convolution (e.g. --filters 20,50).")
        if padding == "valid" and min(input_shape[:2]) < 12:  # two valid 5x5 convs, two poolings
            raise UserError(f"cnn: images of {input_shape[0]}x{input_shape[1]} pixels are too small "
                            "for two unpadded 5x5 convolutions and two poolings (at least 12x12); "
                            "use --padding same (or --image-size 28 for an image folder).")
        first, second = filters
        return keras.Sequential([
            keras.Input(shape=input_shape),
            *preprocess,
            layers.Conv2D(first, 5, padding=padding, activation="relu"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(second, 5, padding=padding, activation="relu"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dense(dense_units, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(n_outputs, activation="softmax"),
        ], name="cnn")
