"""An LSTM regressor over sliding windows of a numeric series.

Input: windows of ``lags`` past values, shape (lags, 1); output: the next ``horizon`` values
(one Dense unit each). Used by ``kerascli forecast``; ``kerascli train lstm --dataset FILE.csv``
trains it on a CSV series too.
"""
from kerascli.models import ModelInfo, Param

INFO = ModelInfo(
    name="lstm",
    summary="LSTM regressor over sliding windows of a series (forecasting)",
    accepts=frozenset({"series"}),
    tasks=frozenset({"regression"}),
    default_dataset="sp500",
    epochs=10,
    batch_size=128,
    learning_rate=1e-3,
    optimizer="adam",
    params=(
        Param("units", "int", 32, "LSTM units per layer."),
        Param("layers", "int", 1, "Stacked LSTM layers."),
        Param("dropout", "float", 0.0, "Dropout after each LSTM layer (0 = none)."),
    ),
    datasets=("sp500", "series"),
)


def build(input_shape, task="regression", n_outputs=1, units=32, layers=1, dropout=0.0):
    """A ``keras.Sequential``: ``layers`` LSTM layers of ``units``, then Dense(n_outputs)."""
    from kerascli.errors import UserError
    from kerascli.runtime import keras_module

    keras = keras_module()
    if task != "regression":
        raise UserError(f"model 'lstm' does regression on series, not {task}.")
    if int(units) < 1 or int(layers) < 1:
        raise UserError(f"--units and --layers must be at least 1 (got {units}, {layers}).")
    if not 0.0 <= float(dropout) < 1.0:
        raise UserError(f"--dropout must be in [0, 1) (got {dropout}).")
    stack = [keras.Input(shape=tuple(input_shape))]
    for i in range(int(layers)):
        last = i == int(layers) - 1
        stack.append(keras.layers.LSTM(int(units), return_sequences=not last))
        if dropout:
            stack.append(keras.layers.Dropout(float(dropout)))
    stack.append(keras.layers.Dense(int(n_outputs)))
    return keras.Sequential(stack, name="lstm")
