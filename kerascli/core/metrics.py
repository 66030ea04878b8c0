"""Test metrics, computed with scikit-learn and NumPy on model outputs: one code for train,
evaluate, compare (Keras and scikit-learn alike) and forecast.

Classification: accuracy, macro_f1, loss (cross-entropy). Regression: rmse, mae, r2, loss
(mean squared error). Series (windows of a CSV series): rmse, mae, mape, mase on the
series' levels over every forecast step, and loss (mean squared error of the scaled targets).
"""
import math

from kerascli.datasets import CLASSIFICATION

SERIES_METRICS = ("rmse", "mae", "mape", "mase")


def predict_outputs(model, x, batch_size=256):
    """``model.predict`` as float64 NumPy, quietly (Keras' bar would go to stdout); image
    files (an image folder's) are decoded batch by batch as they are predicted."""
    import numpy as np
    from kerascli.core import tfdata
    if tfdata.is_streamed(x):
        x = tfdata.image_batches(x, batch_size=batch_size)
    elif getattr(x, "dtype", None) is not None and x.dtype.kind in "USO":
        x = tfdata.tensorflow().constant(x)  # raw table text: Keras' array adapter takes no strings
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float64)


def metrics_from_outputs(task, y_true, outputs, n_classes=None):
    """Test metrics from model outputs (plain floats, ready for JSON)."""
    import numpy as np
    from sklearn import metrics as skm

    y_true = np.asarray(y_true)
    if task == CLASSIFICATION:
        n_classes = n_classes or outputs.shape[-1]
        labels = list(range(n_classes))
        y_pred = np.argmax(outputs, axis=-1)
        proba = np.clip(outputs, 1e-7, 1.0)
        proba = proba / proba.sum(axis=-1, keepdims=True)
        return {"accuracy": float(skm.accuracy_score(y_true, y_pred)),
                "macro_f1": float(skm.f1_score(y_true, y_pred, labels=labels, average="macro",
                                               zero_division=0)),
                "loss": float(skm.log_loss(y_true, proba, labels=labels))}
    y_pred = outputs.reshape(y_true.shape)
    mse = float(skm.mean_squared_error(y_true, y_pred))
    return {"rmse": math.sqrt(mse), "mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "r2": float(skm.r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
            "loss": mse}


def score_levels(actual, predicted, mase_scale):
    """RMSE, MAE, MAPE (%) and MASE of level forecasts; MAPE is None if an actual value is 0."""
    import numpy as np

    err = np.asarray(predicted, dtype=np.float64) - actual
    mae = float(np.mean(np.abs(err)))
    mape = None if np.any(actual == 0) else float(np.mean(np.abs(err / actual)) * 100)
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": mae, "mape": mape,
            "mase": mae / mase_scale if mase_scale > 0 else None}


def series_metrics(windows, outputs):
    """The metrics of a series model's scaled outputs on the test windows, on levels."""
    import numpy as np

    levels = windows.to_levels(outputs, windows.test_origins)
    observed = windows.observed_mask()  # values --fill made up are inputs, never scored
    scores = score_levels(windows.actual_levels()[observed], levels[observed],
                          windows.insample_naive_mae())
    scaled = np.asarray(outputs, dtype=np.float64).reshape(windows.y_test.shape)
    return scores | {"loss": float(np.mean((scaled - windows.y_test) ** 2))}


def dataset_metrics(dataset, outputs):
    """The metrics :func:`kerascli.core.fit.train` reports for ``outputs`` on ``dataset``'s
    test part."""
    if dataset.windows is not None:
        return series_metrics(dataset.windows, outputs)
    return metrics_from_outputs(dataset.task, dataset.y_test, outputs, dataset.n_classes)


def evaluate(model, dataset):
    """The same metric dict training reported, for a (reloaded) model and its dataset."""
    return dataset_metrics(dataset, predict_outputs(model, dataset.x_test))


# ---------------------------------------------------------------- paired tests on one test set

BOOTSTRAP_SAMPLES = 2000


def mcnemar(y_true, pred_a, pred_b):
    """Two-sided p-value of McNemar's exact test: do models a and b err on the same test rows
    equally often? Only the rows where exactly one of them is right count."""
    import numpy as np
    from scipy.stats import binomtest

    y_true = np.asarray(y_true).reshape(-1)
    right_a = np.asarray(pred_a).reshape(-1) == y_true
    right_b = np.asarray(pred_b).reshape(-1) == y_true
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(only_a, only_a + only_b, 0.5).pvalue)


def paired_bootstrap(y_true, pred_a, pred_b, samples=BOOTSTRAP_SAMPLES, seed=0):
    """Two-sided p-value that the RMSEs of a and b differ, by resampling the shared test rows
    (the same rows for both models in each resample)."""
    import numpy as np

    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    err_a = ((np.asarray(pred_a, dtype=np.float64).reshape(y_true.shape) - y_true) ** 2).mean(1)
    err_b = ((np.asarray(pred_b, dtype=np.float64).reshape(y_true.shape) - y_true) ** 2).mean(1)
    rows = np.random.default_rng(seed).integers(0, len(y_true), (samples, len(y_true)))
    diffs = np.sqrt(err_a[rows].mean(1)) - np.sqrt(err_b[rows].mean(1))
    if not np.any(diffs):
        return 1.0
    share = min(np.mean(diffs <= 0), np.mean(diffs >= 0))
    return float(min(1.0, 2 * share))
