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
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from kerascli.errors import UserError

TARGETS = ("auto", "levels", "returns", "diff")
MODELS = ("lstm", "linear", "naive", "drift")
METRICS = ("rmse", "mae", "mape", "mase")
MIN_TRAIN_WINDOWS = 10
ZOOM = 200  # points in the plot's zoomed panel


@dataclass(frozen=True)
class ForecastConfig:
    """Everything that decides a forecast run (written to config.json)."""

    path: Optional[str] = None  # None: the S&P 500 series shipped with kerascli
    column: Optional[str] = None
    date_column: Optional[str] = None
    fill: str = "drop"
    lags: int = 20
    horizon: int = 1
    test_size: float = 0.2
    target: str = "auto"
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    units: int = 32
    seed: int = 42

    def check(self):
        """Refuse option values that cannot work, before reading any data."""
        for name in ("lags", "horizon", "epochs", "batch_size", "units"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} must be at least 1 "
                                f"(got {getattr(self, name)}).")
        if not 0.0 < self.test_size < 1.0:
            raise UserError(f"--test-size must be between 0 and 1, e.g. 0.2 (got {self.test_size}).")
        if not self.learning_rate > 0:
            raise UserError(f"--learning-rate must be positive (got {self.learning_rate}).")
        if self.target not in TARGETS:
            raise UserError(f"--target must be one of: {', '.join(TARGETS)} (got {self.target!r}).")
        return self


@dataclass(frozen=True, eq=False)
class Windows:
    """Scaled windows for training and testing, and what is needed to turn them back into levels.

    Index convention: ``levels[t]`` is the series; transformed value ``z[j]`` belongs to level
    index ``j + offset`` (offset 1 for returns and differences, which need the previous value).
    A window with origin ``t`` holds the transformed values of levels ``t-lags+1 .. t`` and
    predicts those of levels ``t+1 .. t+horizon``.
    """

    target: str
    lags: int
    horizon: int
    levels: Any  # float64 (n,)
    split: int  # first level index of the test period
    mean: float  # scaler, fit on the training part only
    scale: float
    x_train: Any  # float32 (n_train, lags, 1)
    y_train: Any  # float32 (n_train, horizon), scaled
    x_test: Any
    y_test: Any
    train_origins: Any  # level index of each window's last input
    test_origins: Any
    x_next: Any  # float32 (1, lags, 1): the last lags values, for the forecast beyond the data

    @property
    def offset(self):
        return 0 if self.target == "levels" else 1


def resolve_target(target, levels):
    """``auto`` -> ``returns`` for a strictly positive series, else ``diff``."""
    import numpy as np

    positive = bool(np.all(levels > 0))
    if target == "auto":
        return "returns" if positive else "diff"
    if target == "returns" and not positive:
        raise UserError("--target returns needs a strictly positive series (it divides by the "
                        "previous value); use --target diff or levels.")
    return target


def transform(levels, target):
    import numpy as np

    if target == "levels":
        return levels.copy()
    if target == "returns":
        return levels[1:] / levels[:-1] - 1.0
    return np.diff(levels)


def rows_needed(lags, horizon, test_size, target):
    """The fewest rows giving MIN_TRAIN_WINDOWS training windows and one test window."""
    offset = 0 if target == "levels" else 1
    n = lags + horizon + offset
    while True:
        n_test = math.ceil(test_size * n)
        split = n - n_test
        n_train = max(0, split - horizon - (lags - 1 + offset))  # len(train_origins)
        if n_test >= horizon and n_train >= MIN_TRAIN_WINDOWS:
            return n
        n += 1


def make_windows(levels, *, lags, horizon, test_size, target, source="series"):
    """Split chronologically, fit the scaler on the training part, and cut windows.

    ``target`` must already be resolved (not ``auto``). Raises :class:`DataError` when the
    series is too short, saying how many rows are needed.
    """
    import numpy as np

    from kerascli.errors import DataError

    levels = np.asarray(levels, dtype=np.float64)
    n = len(levels)
    need = rows_needed(lags, horizon, test_size, target)
    if n < need:
        raise DataError(source, f"only {n} usable rows; --lags {lags} --horizon {horizon} "
                                f"--test-size {test_size} need at least {need} "
                                "(use a longer series or fewer --lags).")
    offset = 0 if target == "levels" else 1
    z = transform(levels, target)
    split = n - math.ceil(test_size * n)
    train_z = z[: split - offset]  # transformed values of levels before the split, and only those
    mean = float(train_z.mean())
    scale = float(train_z.std()) or 1.0
    zs = ((z - mean) / scale).astype(np.float32)

    def cut(origins):
        starts = origins - lags + 1 - offset  # z index of each window's first input
        idx_x = starts[:, None] + np.arange(lags)[None, :]
        idx_y = (origins + 1 - offset)[:, None] + np.arange(horizon)[None, :]
        return zs[idx_x][..., None], zs[idx_y]

    # a training window's last target is level split-1: origin + horizon <= split - 1
    train_origins = np.arange(lags - 1 + offset, split - horizon)
    test_origins = np.arange(split - 1, n - horizon)
    x_train, y_train = cut(train_origins)
    x_test, y_test = cut(test_origins)
    x_next = zs[len(zs) - lags:][None, :, None]
    return Windows(target=target, lags=lags, horizon=horizon, levels=levels, split=split,
                   mean=mean, scale=scale, x_train=x_train, y_train=y_train, x_test=x_test,
                   y_test=y_test, train_origins=train_origins, test_origins=test_origins,
                   x_next=x_next)


def to_levels(windows, scaled, origins):
    """Turn scaled predictions of transformed values (n, horizon) into level forecasts."""
    import numpy as np

    pred = np.asarray(scaled, dtype=np.float64) * windows.scale + windows.mean
    base = windows.levels[origins][:, None]
    if windows.target == "levels":
        return pred
    if windows.target == "returns":
        return base * np.cumprod(1.0 + pred, axis=1)
    return base + np.cumsum(pred, axis=1)


def actual_levels(windows):
    """The true levels for every test window: (n_test, horizon)."""
    import numpy as np

    idx = windows.test_origins[:, None] + 1 + np.arange(windows.horizon)[None, :]
    return windows.levels[idx]


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
    linear_levels = to_levels(windows, linear.predict(windows.x_test[..., 0]), origins)
    return {"naive": naive, "drift": drift, "linear": linear_levels}, linear


def score(actual, predicted, mase_scale):
    """RMSE, MAE, MAPE (%) and MASE of level forecasts; MAPE is None if an actual value is 0."""
    import numpy as np

    err = predicted - actual
    mae = float(np.mean(np.abs(err)))
    mape = None if np.any(actual == 0) else float(np.mean(np.abs(err / actual)) * 100)
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": mae, "mape": mape,
            "mase": mae / mase_scale if mase_scale > 0 else None}


def insample_naive_mae(windows):
    """MAE of the naive ``horizon``-step forecast over the training part (the MASE scale)."""
    import numpy as np

    train = windows.levels[: windows.split]
    h = windows.horizon
    return float(np.mean(np.abs(train[h:] - train[:-h]))) if len(train) > h else 0.0


@dataclass(eq=False)
class ForecastResult:
    """What a forecast run produced. ``model`` is the trained Keras model."""

    config: ForecastConfig
    series: Any  # timeseries.Series
    windows: Windows
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
            from kerascli.timeseries import _iso
            split_date = _iso(self.series.dates[w.split])
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
            "epochs": self.config.epochs,
            "final_loss": (self.history.get("loss") or [None])[-1],
        }


def check_series(config, series):
    """Resolve the target and refuse a series too short for the windows, before any training
    (and before a run directory is made). Returns the resolved target."""
    target = resolve_target(config.target, series.values)
    need = rows_needed(config.lags, config.horizon, config.test_size, target)
    if len(series) < need:
        from kerascli.errors import DataError
        dropped = (f" (after dropping {series.n_missing} null cells)"
                   if series.n_missing and config.fill == "drop" else "")
        raise DataError(series.source, f"only {len(series)} usable rows{dropped}; --lags "
                                       f"{config.lags} --horizon {config.horizon} --test-size "
                                       f"{config.test_size} need at least {need} rows (use a "
                                       "longer series or fewer --lags).")
    return target


def load_series(config):
    """Read the configured CSV (or the shipped S&P 500) as a :class:`timeseries.Series`."""
    from kerascli.timeseries import read_series, shipped_sp500

    if config.path is None:
        with __import__("importlib.resources").resources.as_file(shipped_sp500()) as p:
            return read_series(p, column=config.column, date_column=config.date_column,
                               fill=config.fill, source="sp500.csv (shipped)")
    return read_series(config.path, column=config.column, date_column=config.date_column,
                       fill=config.fill)


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


def build_model(config, horizon, lags):
    """The registry's ``lstm`` model, compiled with full loss names (short aliases break .h5)."""
    from kerascli import models
    from kerascli.runtime import keras_module

    keras = keras_module()
    model = models.get("lstm").build((lags, 1), "regression", horizon, units=config.units)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
                  loss="mean_squared_error", metrics=["mean_absolute_error"])
    return model


def run(config, series=None, callbacks=None, progress=True):
    """Train the LSTM, fit the baselines, score all on the same test windows, forecast ahead.

    Args:
        config: a :class:`ForecastConfig`.
        series: a :class:`timeseries.Series` already read (default: read ``config.path``).
        callbacks: extra Keras callbacks.
        progress: report training progress on stderr.
    """
    import numpy as np

    from kerascli.runtime import seed_everything

    config.check()
    series = series if series is not None else load_series(config)
    target = check_series(config, series)
    windows = make_windows(series.values, lags=config.lags, horizon=config.horizon,
                           test_size=config.test_size, target=target, source=series.source)
    seed_everything(config.seed)
    model = build_model(config, config.horizon, config.lags)
    cbs = list(callbacks or [])
    if progress:
        from kerascli.progress import progress_callback
        steps = math.ceil(len(windows.x_train) / config.batch_size)
        cbs.append(progress_callback(config.epochs, steps=steps))
    t0 = time.perf_counter()
    history = model.fit(windows.x_train, windows.y_train, epochs=config.epochs,
                        batch_size=config.batch_size, shuffle=True, verbose=0, callbacks=cbs)
    train_seconds = time.perf_counter() - t0

    origins = windows.test_origins
    predictions, linear = baselines(windows)
    lstm_scaled = model.predict(windows.x_test, batch_size=1024, verbose=0)
    predictions = {"lstm": to_levels(windows, lstm_scaled, origins), **predictions}
    actual = actual_levels(windows)
    mase_scale = insample_naive_mae(windows)
    metrics = {name: score(actual, predictions[name], mase_scale) for name in MODELS}

    last = np.array([len(windows.levels) - 1])
    ahead = {
        "lstm": to_levels(windows, model.predict(windows.x_next, verbose=0), last)[0],
        "linear": to_levels(windows, linear.predict(windows.x_next[..., 0]), last)[0],
    }
    h = config.horizon
    level = windows.levels[-1]
    slope = (level - windows.levels[0]) / max(len(windows.levels) - 1, 1)
    ahead["naive"] = np.full(h, level)
    ahead["drift"] = level + slope * np.arange(1, h + 1)
    dates = future_dates(series.dates, h)
    future = [{"step": k + 1,
               "date": dates[k].date().isoformat() if dates is not None else None,
               **{name: float(ahead[name][k]) for name in MODELS}} for k in range(h)]
    return ForecastResult(config=config, series=series, windows=windows, target=target,
                          model=model, metrics=metrics, predictions=predictions, actual=actual,
                          future=future, train_seconds=train_seconds,
                          history={k: [float(v) for v in vs] for k, vs in history.history.items()})


def config_dict(config, result=None):
    """config.json: every option, the resolved target, the data's origin and the versions."""
    from kerascli.runtime import versions

    payload = {"command": "forecast", **asdict(config)}
    if result is not None:
        payload["resolved_target"] = result.target
        payload["series"] = result.series.describe()
    payload["versions"] = versions()
    return payload


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

    from kerascli import report

    plt = report.pyplot()
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
    report.save_figure(fig, path, dpi=110, bbox_inches=None)
    return path
