"""Linear regression: one Dense unit over standardised inputs.

Default: Iris sepal length -> petal length (the classic one-feature example); any CSV table
with a numeric target (``--label``). The target's scale is restored by a final
Rescaling layer, so the saved model predicts in the target's own units.

Training starts from the least-squares solution (:func:`initialize`, closed form on the
training part), so ``compare linreg`` matches scikit-learn's LinearRegression (OLS) instead of
stopping wherever gradient descent had got to along ill-conditioned directions; early stopping
keeps those starting weights when no epoch improves on them.
"""
from kerascli.models.spec import ModelSpec


class LinReg(ModelSpec):
    summary = "linear regression: Dense(1) (default: Iris sepal length -> petal length)"
    accepts = frozenset({"tabular"})
    tasks = frozenset({"regression"})
    default_dataset = "iris"
    epochs = 100
    batch_size = 16
    learning_rate = 0.05
    optimizer_name = "adam"
    dataset_options = {"label": "petal_length", "features": ("sepal_length",)}
    datasets = ("iris",)
    closed_form_start = True  # early stopping scores the least-squares start and may keep it

    def build(self, input_shape, task, n_outputs, *, preprocess=(), postprocess=()):
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

    def initialize(self, model, x_fit, y_fit):
        """Set the Dense layer to the least-squares fit of ``y_fit`` on ``x_fit`` (as the model's
        own scaling layers see them), so training starts at the OLS solution."""
        import numpy as np
        from kerascli.runtime import keras_module
        keras = keras_module()

        index = next(i for i, layer in enumerate(model.layers)
                     if isinstance(layer, keras.layers.Dense))
        dense, after = model.layers[index], model.layers[index + 1:]
        z = np.asarray(x_fit)
        z = z.astype(np.float32) if z.dtype.kind in "fiub" else z  # raw text cells stay text
        for layer in model.layers[:index]:  # the model's own encoding and standardisation
            z = np.asarray(layer(z))
        t = np.asarray(y_fit, dtype=np.float64).reshape(len(z), -1)
        for layer in reversed(after):  # undo the target's rescaling (an inverted Normalization)
            if isinstance(layer, keras.layers.Normalization) and layer.invert:
                scale = np.maximum(np.sqrt(np.asarray(layer.variance, dtype=np.float64)),
                                   keras.backend.epsilon())
                t = (t - np.asarray(layer.mean, dtype=np.float64).reshape(1, -1)) \
                    / scale.reshape(1, -1)
        design = np.hstack([z.reshape(len(z), -1).astype(np.float64), np.ones((len(z), 1))])
        solution, *_ = np.linalg.lstsq(design, t, rcond=None)
        dense.set_weights([solution[:-1].astype("float32"), solution[-1].astype("float32")])
