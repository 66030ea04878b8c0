"""What a forecast run produced (:class:`ForecastResult`), and it as JSON, CSV and a plot."""
from dataclasses import dataclass, field
from typing import Any


ZOOM = 200  # points in the plot's zoomed panel


@dataclass(eq=False)
class ForecastResult:
    """What a forecast run produced. ``model`` is the (last) trained Keras model."""

    config: Any  # ForecastConfig
    series: Any  # datasets._timeseries.Series
    windows: Any  # datasets.series.Windows (the first fold's: the single split)
    target: str
    model: Any
    models: tuple  # the names scored, in table order
    metrics: dict  # model -> {rmse, mae, mape, mase} pooled over the test period
    backtest: dict  # model -> metric -> {"mean", "std", "folds": [...]}
    per_step: dict  # model -> [ {metric: value} for step 1..H ]
    coverage: dict  # model -> {level: {"overall", "per_step"}}
    predictions: dict  # model -> level forecasts over the test windows (n_test, horizon)
    intervals: dict  # model -> {level: (lower, upper) arrays (n_test, horizon)}
    actual: Any  # (n_test, horizon)
    folds: list  # [{"origin", "origin_date", "n_windows"}]
    future: list  # [{"step", "date", model: value, model_lo80, ...}]
    train_seconds: float
    baseline_seconds: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    strategy: str = "direct"
    strategy_rmse: dict = field(default_factory=dict)  # validation RMSE of each, when auto
    highway_rmse: dict = field(default_factory=dict)  # validation RMSE with and without it

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

    def test_dates(self, step=None):
        """Dates (or row numbers) of the step forecast by each test window (default: the last)."""
        step = self.windows.horizon if step is None else step
        idx = self.windows.test_origins + step
        if self.series.dates is not None:
            return self.series.dates[idx]
        return idx

    def to_dict(self):
        """JSON-ready results (no arrays beyond the short forecast)."""
        w = self.windows
        split_date = date_text(self.series, w.split)
        return {
            "series": self.series.describe(),
            "target": self.target,
            "lags": w.lags, "horizon": w.horizon, "season": w.season,
            "strategy": self.strategy,
            "strategy_validation_rmse": self.strategy_rmse,
            "highway": (min(self.highway_rmse, key=self.highway_rmse.get) if self.highway_rmse
                        else dict(self.config.train.params).get("highway")),
            "highway_validation_rmse": self.highway_rmse,
            "covariates": list(w.covariates),
            "split": {"n_rows": len(w.levels), "test_start_row": int(w.split),
                      "test_start_date": split_date, "n_train_windows": int(len(w.x_train)),
                      "n_test_windows": int(len(w.x_test))},
            "scaler": {"fit_on": "training part only", "mean": w.mean, "scale": w.scale},
            "backtest": {"origins": self.folds, "refit": self.config.refit,
                         "metrics": self.backtest},
            "metrics": self.metrics,
            "per_step": self.per_step,
            "levels": list(self.config.levels),
            "coverage": self.coverage,
            "best": self.best,
            "lstm_vs_naive_rmse": self.lstm_vs_naive,
            "lstm_beats_naive": self.lstm_beats_naive,
            "verdict": self.verdict(),
            "forecast": self.future,
            "train_seconds": round(self.train_seconds, 2),
            "baseline_seconds": {k: round(v, 3) for k, v in self.baseline_seconds.items()},
            "epochs": self.config.train.epochs,
            "epochs_run": len(self.history.get("loss") or []),
            "final_loss": (self.history.get("loss") or [None])[-1],
        }


def date_text(series, index):
    if series.dates is None:
        return None
    ts = series.dates[index]
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def summary(values):
    import numpy as np

    kept = [v for v in values if v is not None]
    if not kept:
        return {"mean": None, "std": None, "folds": values}
    return {"mean": float(np.mean(kept)), "std": float(np.std(kept, ddof=1)) if len(kept) > 1
            else 0.0, "folds": values}



def predictions_csv(result):
    """The test period as CSV text: per window and step, the date, actual value and each
    model's forecast (with the LSTM's intervals)."""
    import io

    import numpy as np
    import pandas as pd

    frames = []
    for j in range(result.windows.horizon):
        cols = {"date": result.test_dates(j + 1), "step": j + 1, "actual": result.actual[:, j]}
        for name in result.models:
            cols[name] = result.predictions[name][:, j]
        for level, (lo, hi) in result.intervals.get("lstm", {}).items():
            cols[f"lstm_lo{level}"], cols[f"lstm_hi{level}"] = lo[:, j], hi[:, j]
        observed = result.windows.observed_mask()[:, j]
        cols["actual"] = np.where(observed, cols["actual"], np.nan)  # --fill's made-up values
        frames.append(pd.DataFrame(cols))
    buffer = io.StringIO()
    pd.concat(frames).to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue()


def plot(result, path):
    """A PNG per horizon step: actual vs each forecast over the test period with the LSTM's
    intervals shaded, and (when the test period is longer) a panel on its last ZOOM points."""
    import seaborn as sns

    from kerascli import plots

    plt = plots.pyplot()
    sns.set_theme(style="whitegrid", context="notebook")
    h = result.windows.horizon
    n = len(result.actual)
    zoom = n > ZOOM
    palette = dict(zip(result.models, sns.color_palette("deep", len(result.models) + 1)[1:]))
    fig, axes = plt.subplots(h * (1 + zoom), 1, figsize=(12, 4.2 * h * (1 + zoom)),
                             squeeze=False)
    for j in range(h):
        x = result.test_dates(j + 1)
        panels = [(axes[j * (1 + zoom), 0], 0)] + ([(axes[j * 2 + 1, 0], n - ZOOM)] if zoom
                                                   else [])
        for ax, start in panels:
            for level, (lo, hi) in sorted(result.intervals.get("lstm", {}).items(),
                                          reverse=True):
                ax.fill_between(x[start:], lo[start:, j], hi[start:, j], color=palette["lstm"],
                                alpha=0.12 if level >= 90 else 0.22, lw=0,
                                label=f"lstm {level}% interval")
            ax.plot(x[start:], result.actual[start:, j], color="black", lw=1.4, label="actual")
            for name in result.models:
                rmse = result.per_step[name][j]["rmse"]
                ax.plot(x[start:], result.predictions[name][start:, j], lw=0.9, alpha=0.85,
                        color=palette[name], label=f"{name} (RMSE {rmse:.4g})")
            ax.set_ylabel(result.series.column)
            what = f"step {j + 1} of {h}" if h > 1 else "one step ahead"
            ax.set_title(f"{result.series.source}: {what}, test period"
                         + (f" (last {ZOOM} points)" if start else "")
                         + f" (target: {result.target})")
    # the legend beside the panels, never over the data
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    fig.tight_layout()
    plots.save_figure(fig, path, dpi=110, bbox_inches="tight")
    return path
