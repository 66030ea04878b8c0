"""An LSTM regressor over sliding windows of a numeric series.

Input: windows of ``lags`` past values, shape (lags, 1); output: the next ``horizon`` values
(one Dense unit each), plus, by default, a linear autoregression on the same window (LSTNet's
"highway", Lai et al. 2018). Training starts from the least-squares autoregression with the
network's output at zero, so the LSTM learns what the linear model leaves (Zhang's 2003
ARIMA + neural network hybrid, fit jointly): on short seasonal series the linear part carries
most of the forecast, see benchmarks/forecast.py.
Used by ``kerascli forecast``; ``kerascli train lstm --dataset FILE.csv`` trains it on a CSV
series too.
"""
from kerascli.models.spec import ModelSpec, Param


class LSTM(ModelSpec):
    summary = "LSTM regressor over sliding windows of a series (forecasting)"
    accepts = frozenset({"series"})
    tasks = frozenset({"regression"})
    default_dataset = "sp500"
    epochs = 10
    batch_size = 128
    learning_rate = 1e-3
    optimizer_name = "adam"
    params = (
        Param("units", "int", 32, "LSTM units per layer.", high=1024, log=True),
        Param("layers", "int", 1, "Stacked LSTM layers.", high=8),
        Param("dropout", "float", 0.0, "Dropout after each LSTM layer (0 = none).",
              low=0.0, high=1.0, high_open=True),
        Param("highway", "choice", "linear", "Add a linear autoregression on the input window "
              "to the LSTM's output (linear), or not (none).", choices=("linear", "none")),
    )
    datasets = ("sp500", "series")
    # with a highway, initialize sets the least-squares autoregression: early stopping scores
    # it first and may keep it
    closed_form_start = True

    def build(self, input_shape, task="regression", n_outputs=1, units=32, layers=1, dropout=0.0,
              highway="linear"):
        """``layers`` LSTM layers of ``units``, then Dense(n_outputs); with ``highway="linear"``
        the output of Dense(n_outputs) on the flattened window is added to it."""
        from kerascli.errors import UserError
        from kerascli.runtime import keras_module

        keras = keras_module()
        if task != "regression":
            raise UserError(f"model 'lstm' does regression on series, not {task}.")
        stack = []
        for i in range(int(layers)):
            last = i == int(layers) - 1
            stack.append(keras.layers.LSTM(int(units), return_sequences=not last))
            if dropout:
                stack.append(keras.layers.Dropout(float(dropout)))
        stack.append(keras.layers.Dense(int(n_outputs), name="network_output"))
        window = network = keras.Input(shape=tuple(input_shape))
        for layer in stack:
            network = layer(network)
        if highway == "none":
            return keras.Model(window, network, name="lstm")
        linear = keras.layers.Dense(int(n_outputs), name="highway")(keras.layers.Flatten()(window))
        return keras.Model(window, keras.layers.Add()([network, linear]), name="lstm")

    def initialize(self, model, x_fit, y_fit):
        """With a highway: set it to the least-squares fit of ``y_fit`` on the flattened windows
        ``x_fit`` and the network's output layer to zero, so training starts at the linear
        autoregression (Glorot's random start cost short series most of their epochs)."""
        import numpy as np

        if "highway" not in [layer.name for layer in model.layers]:
            return
        x = np.asarray(x_fit, dtype=np.float64).reshape(len(x_fit), -1)
        t = np.asarray(y_fit, dtype=np.float64).reshape(len(x), -1)
        design = np.hstack([x, np.ones((len(x), 1))])
        solution, *_ = np.linalg.lstsq(design, t, rcond=None)
        model.get_layer("highway").set_weights([solution[:-1].astype("float32"),
                                                solution[-1].astype("float32")])
        out = model.get_layer("network_output")
        out.set_weights([np.zeros_like(w) for w in out.get_weights()])
