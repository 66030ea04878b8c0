"""Multi-layer perceptron: Dense ReLU layers with dropout, then softmax (or a linear unit).

The Keras ``mnist_mlp`` example (two hidden layers of 512, dropout 0.2) reaches ~98.4% on
MNIST after 20 epochs. Hidden sizes and dropout are options: ``--hidden 256,512 --dropout 0.2``.
"""
from kerascli.models.spec import ModelSpec, Param


class MLP(ModelSpec):
    summary = "multi-layer perceptron: Dense ReLU layers with dropout"
    accepts = frozenset({"tabular", "image"})
    tasks = frozenset({"classification", "regression"})
    default_dataset = "mnist"
    epochs = 20
    batch_size = 128
    learning_rate = 1e-3
    optimizer_name = "adam"
    params = (
        Param("hidden", "ints", (512, 512), "Hidden layer sizes, comma-separated.",
              high=65536),
        Param("dropout", "float", 0.2, "Dropout rate after each hidden layer (0 for none).",
              low=0.0, high=1.0, high_open=True),
    )
    per_dataset = {
        "iris": {"epochs": 100, "batch_size": 16, "learning_rate": 0.01, "hidden": (16, 16),
                 "dropout": 0.0},
        "digits": {"epochs": 30, "batch_size": 32},
    }
    datasets = ("mnist", "fashion-mnist", "digits", "iris", "cifar10")
    counterparts = {"classification": ("mlp",), "regression": ("mlp",)}

    def build(self, input_shape, task, n_outputs, *, hidden=(512, 512), dropout=0.2, preprocess=(),
              postprocess=()):
        from kerascli.runtime import keras_module
        keras = keras_module()
        layers = keras.layers
        hidden_layers = []
        for units in hidden:
            hidden_layers.append(layers.Dense(units, activation="relu"))
            if dropout:
                hidden_layers.append(layers.Dropout(dropout))
        return keras.Sequential([
            keras.Input(shape=input_shape),
            *preprocess,
            layers.Flatten(),
            *hidden_layers,
            layers.Dense(n_outputs, activation="softmax" if task == "classification" else None),
            *postprocess,
        ], name="mlp")
