"""Forecast a series with an LSTM and set it honestly beside naive, drift and linear baselines.

The recipe, without leakage:

* the last ``test_size`` of the rows (chronologically) are the test period; every forecast
  there starts from an origin whose inputs are only values already observed;
* the series is modelled as ``levels``, simple ``returns`` or first differences (``diff``);
  ``auto`` picks returns for a positive series (prices) and differences otherwise;
* the scaler (mean and standard deviation) is fit on the training part only;
* windows of ``lags`` transformed values predict the next ``horizon`` ones;
* every model's forecasts are turned back into levels and scored on exactly the same test
  windows: RMSE, MAE, MAPE and MASE (MAE over the in-sample naive ``horizon``-step MAE);
* baselines: naive persistence (the last value), drift (the last value plus the average step
  so far), and a linear regression on the same scaled lags (scikit-learn).

No Click here: :func:`run` returns a :class:`ForecastResult`; the command shows and saves it.
"""
"""Forecast a series with an LSTM and set it honestly beside naive, drift and linear baselines.

The LSTM is ``kerascli train lstm`` on the same CSV: :func:`run` trains it through
:func:`kerascli.core.fit.train` (same callbacks, backups, precision and strategy) on the
windows :mod:`kerascli.datasets.series` cuts (chronological split, scaler fit on the training
part only). The baselines forecast the same test windows: naive persistence (the last value),
drift (the last value plus the average step so far), and a linear regression on the same
scaled lags (scikit-learn). Every model is scored on levels by :mod:`kerascli.core.metrics`
(RMSE, MAE, MAPE and MASE: MAE over the in-sample naive ``horizon``-step MAE).

No Click here: :func:`run` returns a :class:`ForecastResult`; the command shows and saves it.
"""
from dataclasses import dataclass, field
from typing import Any

from kerascli.core import fit, metrics as metrics_mod
from kerascli.core.config import ForecastConfig  # noqa: F401  (the config this module takes)

MODELS = ("lstm", "linear", "naive", "drift")
METRICS = metrics_mod.SERIES_METRICS
ZOOM = 200  # points in the plot's zoomed panel


def baselines(windows, seed=0):
    """Level forecasts (n_test, horizon) of naive persistence, drift and the linear model."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    levels, origins, h = windows.levels, windows.test_origins, windows.horizon
    steps = np.arange(1, h + 1)[None, :]
    last = levels[origins][:, None]
    naive = np.repeat(last, h, axis=1)
    # drift (Hyndman & Athanasopoulos 5.2): the average step from the first value to the origin
    slope = (levels[origins] - levels[0]) / np.maximum(origins, 1)
    drift = last + slope[:, None] * steps
    linear = LinearRegression().fit(windows.x_train[..., 0], windows.y_train)
    linear_levels = windows.to_levels(linear.predict(windows.x_test[..., 0]), origins)
    return {"naive": naive, "drift": drift, "linear": linear_levels}, linear


@dataclass(eq=False)
class ForecastResult:
    """What a forecast run produced. ``model`` is the trained Keras model."""

    config: Any  # ForecastConfig
    series: Any  # datasets._timeseries.Series
    windows: Any  # datasets.series.Windows
    target: str
    model: Any
    metrics: dict  # model -> {rmse, mae, mape, mase}
    predictions: dict  # model -> level forecasts over the test windows (n_test, horizon)
    actual: Any  # (n_test, horizon)
    future: list  # [{"step", "date", "lstm", "linear", "naive", "drift"}]
    train_seconds: float
    history: dict = field(default_factory=dict)

    @property
    def best(self):
        return min(self.metrics, key=lambda m: self.metrics[m]["rmse"])

    @property
    def lstm_vs_naive(self):
        naive = self.metrics["naive"]["rmse"]
        return self.metrics["lstm"]["rmse"] / naive if naive > 0 else float("inf")

    @property
    def lstm_beats_naive(self):
        return self.metrics["lstm"]["rmse"] < self.metrics["naive"]["rmse"]

    def verdict(self):
        ratio = self.lstm_vs_naive
        if self.lstm_beats_naive:
            return (f"The LSTM beats naive persistence: its RMSE is {ratio:.3f} times naive's "
                    f"({(1 - ratio) * 100:.1f}% lower).")
        return (f"The LSTM does not beat naive persistence: its RMSE is {ratio:.3f} times "
                "naive's; here, repeating the last value forecasts as well or better.")

    def test_dates(self):
        """Dates (or row numbers) of the last step forecast by each test window."""
        idx = self.windows.test_origins + self.windows.horizon
        if self.series.dates is not None:
            return self.series.dates[idx]
        return idx

    def to_dict(self):
        """JSON-ready results (no arrays beyond the short forecast)."""
        w = self.windows
        split_date = None
        if self.series.dates is not None:
            from kerascli.datasets._timeseries import iso_date
            split_date = iso_date(self.series.dates[w.split])
        return {
            "series": self.series.describe(),
            "target": self.target,
            "lags": w.lags, "horizon": w.horizon,
            "split": {"n_rows": len(w.levels), "test_start_row": int(w.split),
                      "test_start_date": split_date, "n_train_windows": int(len(w.x_train)),
                      "n_test_windows": int(len(w.x_test))},
            "scaler": {"fit_on": "training part only", "mean": w.mean, "scale": w.scale},
            "metrics": self.metrics,
            "best": self.best,
            "lstm_vs_naive_rmse": self.lstm_vs_naive,
            "lstm_beats_naive": self.lstm_beats_naive,
            "verdict": self.verdict(),
            "forecast": self.future,
            "train_seconds": round(self.train_seconds, 2),
            "epochs": self.config.train.epochs,
            "final_loss": (self.history.get("loss") or [None])[-1],
        }


def future_dates(dates, steps):
    """The next ``steps`` dates after ``dates``: business days for a weekday series, else the
    median spacing; None when there are no dates."""
    import numpy as np
    import pandas as pd

    if dates is None or len(dates) < 2:
        return None
    recent = dates[-100:]
    spacing = pd.Series(recent).diff().dropna().median()
    if (recent.day_of_week < 5).all() and spacing <= pd.Timedelta(days=3):
        return pd.bdate_range(dates[-1] + pd.offsets.BDay(1), periods=steps)
    return pd.DatetimeIndex([dates[-1] + spacing * k for k in np.arange(1, steps + 1)])


def run(config, dataset, *, run_dir=None, callbacks=(), quiet=False):
    """Train the LSTM, fit the baselines, score all on the same test windows, forecast ahead.

    Args:
        config: a :class:`ForecastConfig`.
        dataset: the series windows (``core.data.load_data(config.train)``).
        run_dir: a :class:`~kerascli.core.rundir.RunDir`: the LSTM's config, backups and
            history go there; the caller adds the results, then saves the model last.
        callbacks: extra Keras callbacks.
        quiet: no model summary and no progress on stderr.
    """
    import numpy as np

    trained = fit.train(config.train, dataset, run_dir=run_dir, callbacks=callbacks,
                        quiet=quiet, facts=config, finish=False)
    windows = dataset.windows
    origins = windows.test_origins
    predictions, linear = baselines(windows)
    predictions = {"lstm": windows.to_levels(trained.outputs, origins), **predictions}
    actual = windows.actual_levels()
    mase_scale = windows.insample_naive_mae()
    scores = {name: metrics_mod.score_levels(actual, predictions[name], mase_scale)
              for name in MODELS}

    last = np.array([len(windows.levels) - 1])
    ahead = {
        "lstm": windows.to_levels(metrics_mod.predict_outputs(trained.model, windows.x_next),
                                  last)[0],
        "linear": windows.to_levels(linear.predict(windows.x_next[..., 0]), last)[0],
    }
    h = windows.horizon
    level = windows.levels[-1]
    slope = (level - windows.levels[0]) / max(len(windows.levels) - 1, 1)
    ahead["naive"] = np.full(h, level)
    ahead["drift"] = level + slope * np.arange(1, h + 1)
    series = windows.series
    dates = future_dates(series.dates, h)
    future = [{"step": k + 1,
               "date": dates[k].date().isoformat() if dates is not None else None,
               **{name: float(ahead[name][k]) for name in MODELS}} for k in range(h)]
    return ForecastResult(config=config, series=series, windows=windows, target=windows.target,
                          model=trained.model, metrics=scores, predictions=predictions,
                          actual=actual, future=future, train_seconds=trained.train_seconds,
                          history=trained.history)


def predictions_csv(result):
    """The test period as CSV text: date, actual and each model's last-step forecast."""
    import io

    import pandas as pd

    last = {name: result.predictions[name][:, -1] for name in MODELS}
    frame = pd.DataFrame({"date": result.test_dates(), "actual": result.actual[:, -1], **last})
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue()


def plot(result, path):
    """A PNG of actual vs each forecast over the test period, and the last ZOOM points."""
    import seaborn as sns

    from kerascli import plots

    plt = plots.pyplot()
    sns.set_theme(style="whitegrid", context="notebook")
    x = result.test_dates()
    h = result.windows.horizon
    palette = dict(zip(MODELS, sns.color_palette("deep", len(MODELS) + 1)[1:]))
    fig, axes = plt.subplots(2, 1, figsize=(12, 8))
    for ax, start in ((axes[0], 0), (axes[1], max(0, len(x) - ZOOM))):
        ax.plot(x[start:], result.actual[start:, -1], color="black", lw=1.4, label="actual")
        for name in MODELS:
            rmse = result.metrics[name]["rmse"]
            ax.plot(x[start:], result.predictions[name][start:, -1], lw=0.9, alpha=0.85,
                    color=palette[name], label=f"{name} (RMSE {rmse:.4g})")
        ax.set_ylabel(result.series.column)
    step = f"{h}-step-ahead" if h > 1 else "one-step-ahead"
    axes[0].set_title(f"{result.series.source}: {step} forecasts over the test period "
                      f"(target: {result.target})")
    axes[1].set_title(f"last {min(ZOOM, len(x))} points")
    axes[0].legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    plots.save_figure(fig, path, dpi=110, bbox_inches=None)
    return path
