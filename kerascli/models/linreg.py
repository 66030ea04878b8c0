"""Linear regression: one Dense unit over standardised inputs.

Default: Iris sepal length -> petal length (the classic one-feature example); any CSV table
with a numeric target (``--label``). The target's scale is restored by a final
Rescaling layer, so the saved model predicts in the target's own units.
"""
from kerascli.models import ModelInfo

INFO = ModelInfo(
    name="linreg",
    summary="linear regression: Dense(1) (default: Iris sepal length -> petal length)",
    accepts=frozenset({"tabular"}),
    tasks=frozenset({"regression"}),
    default_dataset="iris",
    epochs=100, batch_size=16, learning_rate=0.05, optimizer="adam",
    dataset_options={"label": "petal_length", "features": ("sepal_length",)},
    datasets=("iris",),
)


def build(input_shape, task, n_outputs, *, preprocess=(), postprocess=()):
    """``preprocess``/``postprocess``: input standardisation and target rescaling fitted on
    the training data (added by kerascli.core.fit)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    return keras.Sequential([
        keras.Input(shape=input_shape),
        *preprocess,
        keras.layers.Dense(n_outputs),
        *postprocess,
    ], name="linreg")
