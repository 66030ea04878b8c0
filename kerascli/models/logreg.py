"""Multinomial logistic regression: one Dense softmax layer over the (flattened) inputs.

The classic first model: Iris species from four measurements, or Fashion-MNIST pixels
(~84% test accuracy, as in the classic book example).
"""
from kerascli.models.spec import ModelSpec


class LogReg(ModelSpec):
    summary = "multinomial logistic regression: one Dense softmax layer"
    accepts = frozenset({"tabular", "image"})
    tasks = frozenset({"classification"})
    default_dataset = "iris"
    epochs = 20
    batch_size = 128
    learning_rate = 1e-3
    optimizer_name = "adam"
    per_dataset = {
        "iris": {"epochs": 100, "batch_size": 16, "learning_rate": 0.05},
        "digits": {"epochs": 50, "batch_size": 32, "learning_rate": 0.01},
        # a user's table or folder: epochs and batch size come from its size (early stopping,
        # kerascli.core.config.derive_from_data); the rate is iris' and digits' (measured there)
        "csv": {"learning_rate": 0.05},
        "images": {"learning_rate": 0.01},
    }
    datasets = ("iris", "digits", "mnist", "fashion-mnist", "cifar10")

    def build(self, input_shape, task, n_outputs, *, preprocess=(), postprocess=()):
        """``preprocess``: scaling layers fitted on the training data (added by kerascli.core.fit)."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        layers = keras.layers
        return keras.Sequential([
            keras.Input(shape=input_shape),
            *preprocess,
            layers.Flatten(),
            layers.Dense(n_outputs, activation="softmax"),
        ], name="logreg")
