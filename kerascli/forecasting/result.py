"""What a forecast run produced (:class:`ForecastResult`), and it as JSON, CSV and a plot."""
from dataclasses import dataclass, field
from typing import Any


ZOOM = 200  # test windows in the plot's backtest panel


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


def _future_x(result):
    """The x values of the forecast beyond the data: its dates, else row numbers."""
    import pandas as pd

    n = len(result.windows.levels)
    if result.series.dates is not None and all(r["date"] for r in result.future):
        return pd.DatetimeIndex([pd.Timestamp(r["date"]) for r in result.future])
    return [n + r["step"] - 1 for r in result.future]


def plot(result, path):
    """One figure, one legend: first the forecast beyond the data (the history's tail, the
    LSTM's and the best baseline's next ``horizon`` values with the LSTM's intervals), then a
    compact backtest view: the last ZOOM test windows' one-step forecasts against the actual
    values, and (horizon > 1) each model's RMSE per step."""
    import numpy as np
    import seaborn as sns

    from kerascli import plots

    plt = plots.pyplot()
    sns.set_theme(style="whitegrid", context="notebook")
    w, series, h = result.windows, result.series, result.windows.horizon
    palette = dict(zip(result.models, sns.color_palette("deep", len(result.models) + 1)[1:]))
    baseline = min((m for m in result.models if m != "lstm"),
                   key=lambda m: result.metrics[m]["rmse"])
    fig = plt.figure(figsize=(12, 7.5))
    grid = fig.add_gridspec(2, 2 if h > 1 else 1, height_ratios=(1.25, 1),
                            width_ratios=(2.2, 1) if h > 1 else None)
    ahead = fig.add_subplot(grid[0, :])
    back = fig.add_subplot(grid[1, 0])

    # the forecast beyond the data
    n = len(w.levels)
    tail = min(n, max(60, 8 * h, 3 * w.season))
    past_x = series.dates[n - tail:n] if series.dates is not None else np.arange(n - tail, n)
    future_x = _future_x(result)
    ahead.plot(past_x, w.levels[n - tail:], color="black", lw=1.4, label="actual")
    joined = [past_x[-1], *future_x]  # the forecast drawn on from the last observed value
    for level in sorted(result.config.levels, reverse=True):
        lo = [r.get(f"lstm_lo{level}") for r in result.future]
        hi = [r.get(f"lstm_hi{level}") for r in result.future]
        if None not in lo:
            ahead.fill_between(joined, [w.levels[-1], *lo], [w.levels[-1], *hi],
                               color=palette["lstm"], alpha=0.13 if level >= 90 else 0.25, lw=0,
                               label=f"lstm {level:g}% interval")
    for name, style in (("lstm", "-"), (baseline, "--")):
        ahead.plot(joined, [w.levels[-1], *(r[name] for r in result.future)], style,
                   color=palette[name], lw=1.6, marker="o", markersize=3,
                   label=f"{name} (test RMSE {result.metrics[name]['rmse']:.4g})")
    ahead.axvline(past_x[-1], color="grey", lw=0.8, ls=":")
    ahead.set_ylabel(series.column)
    ahead.set_title(f"{series.source} · {series.name}: the next {h} value{'s' * (h > 1)} "
                    f"beyond the data (target {result.target})")

    # the backtest: one step ahead over the last ZOOM test windows
    x, start = result.test_dates(1), max(0, len(result.actual) - ZOOM)
    for level, (lo, hi) in sorted(result.intervals.get("lstm", {}).items(), reverse=True):
        back.fill_between(x[start:], lo[start:, 0], hi[start:, 0], color=palette["lstm"],
                          alpha=0.13 if level >= 90 else 0.25, lw=0)
    back.plot(x[start:], result.actual[start:, 0], color="black", lw=1.2)
    for name in result.models:
        back.plot(x[start:], result.predictions[name][start:, 0], lw=0.9, alpha=0.85,
                  color=palette[name], ls="-" if name == "lstm" else "--",
                  label=None if name in ("lstm", baseline) else
                  f"{name} (test RMSE {result.metrics[name]['rmse']:.4g})")
    back.set_ylabel(series.column)
    back.set_title(f"backtest: one step ahead, {'last ' if start else ''}{len(x) - start} test "
                   "windows", fontsize="medium")
    back.tick_params(axis="x", labelrotation=20)
    if h > 1:  # how each model's error grows with the step
        steps = fig.add_subplot(grid[1, 1])
        for name in result.models:
            steps.plot(range(1, h + 1), [result.per_step[name][j]["rmse"] for j in range(h)],
                       marker="o", markersize=3, lw=1, color=palette[name])
        steps.set_xlabel("step ahead")
        steps.set_ylabel("test RMSE")
        steps.xaxis.set_major_locator(plots.integer_ticks())
        steps.set_title("RMSE per step", fontsize="medium")
    handles, labels = {}, []
    for ax in fig.axes:  # one legend for the figure, each entry once
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=4,
               fontsize="small", frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.07 + 0.025 * (len(handles) > 8), 1, 1))
    plots.save_figure(fig, path, dpi=110, bbox_inches="tight")
    return path
