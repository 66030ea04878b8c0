"""A numeric time series from a CSV file, cut into windows: ``train lstm --dataset FILE.csv``
and ``forecast FILE.csv`` both read their data here, so they train on the same windows.

The CSV is read by :mod:`kerascli.datasets._timeseries` (dates, BOM, "$1,234.50", nulls...);
``--label`` picks the column (default Close / Adj Close / the only numeric one). Without
leakage:

* the last ``test_size`` of the rows (chronologically) are the test period; every forecast
  there starts from an origin whose inputs are only values already observed;
* the series is modelled as ``levels``, simple ``returns``, or first / seasonal differences
  of the levels or their logs (:data:`TARGETS`); ``auto`` picks returns for a positive series
  (prices) and differences otherwise (``forecast`` chooses among them on validation);
* the scaler (mean and standard deviation) is fit on the training part only;
* windows of ``lags`` scaled values predict the next ``horizon`` ones.

x: (N, lags, 1) float32; y: (N, horizon) float32, both scaled; ``Dataset.windows`` keeps
what turns predictions back into levels. Without a path: the shipped S&P 500.
"""
import math
from dataclasses import dataclass
from typing import Any

from kerascli.datasets import REGRESSION, SERIES, DatasetInfo
from kerascli.errors import DataError, UserError

INFO = DatasetInfo(name="series", kind=SERIES, task=REGRESSION,
                   summary="a CSV time series cut into windows for lstm (--dataset FILE.csv)",
                   needs_path=True)
MIN_TRAIN_WINDOWS = 10


@dataclass(frozen=True, eq=False)
class Windows:
    """Scaled windows for training and testing, and what is needed to turn them back into levels.

    Index convention: ``levels[t]`` is the series; transformed value ``z[j]`` belongs to level
    index ``j + offset`` (:func:`offset_of`: 1 for returns and first differences, which need
    the previous value; ``season`` or ``season + 1`` for seasonal differences).
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
    series: Any = None  # the _timeseries.Series cut (dates, column, source, notes)
    season: int = 1  # seasonal period (seasonal naive, MASE's scale); 1 = none
    observed: Any = None  # bool (n,): False where --fill made a level up (never scored)
    covariates: tuple = ()  # names of the lagged input channels after the target's

    @property
    def offset(self):
        return offset_of(self.target, self.season)

    @property
    def relative(self):
        """Whether intervals are sized on the log scale (forecasting/intervals.py): for a
        strictly positive series (a price's errors grow with the price, whatever the target;
        its interval must stay above zero), as the returns and logs the model may learn
        assume."""
        import numpy as np
        return bool(np.all(self.levels > 0))

    def to_levels(self, scaled, origins):
        """Scaled predictions of transformed values (n, horizon) as level forecasts: the
        differences undone step by step, each step's level feeding the next."""
        import numpy as np

        pred = np.asarray(scaled, dtype=np.float64).reshape(len(origins), self.horizon)
        pred = pred * self.scale + self.mean
        if self.target == "levels":
            return pred
        if self.target == "returns":
            return self.levels[origins][:, None] * np.cumprod(1.0 + pred, axis=1)
        log, _, _ = _parts(self.target)
        back = _undo(self.target, self.season)  # {lag: coefficient} of past (log) levels
        span = max(back)
        past = self.levels[origins[:, None] + np.arange(1 - span, 1)[None, :]]
        past = np.log(past) if log else past.copy()
        steps = []
        for k in range(self.horizon):
            step = pred[:, k] + sum(c * past[:, -lag] for lag, c in back.items())
            past = np.concatenate([past[:, 1:], step[:, None]], axis=1)
            steps.append(step)
        out = np.stack(steps, axis=1)
        return np.exp(out) if log else out

    def actual_levels(self, origins=None):
        """The true levels for every test window (or ``origins``): (n, horizon)."""
        import numpy as np

        origins = self.test_origins if origins is None else origins
        idx = origins[:, None] + 1 + np.arange(self.horizon)[None, :]
        return self.levels[idx]

    def observed_mask(self, origins=None):
        """(n, horizon) bool: which targets were observed (``--fill`` values are not)."""
        import numpy as np

        origins = self.test_origins if origins is None else origins
        idx = origins[:, None] + 1 + np.arange(self.horizon)[None, :]
        if self.observed is None:
            return np.ones(idx.shape, dtype=bool)
        return self.observed[idx]

    def insample_naive_mae(self):
        """MASE's scale: the MAE over the training part of the in-sample seasonal naive
        forecast (the value ``season`` steps back; plain naive when ``season`` is 1)."""
        import numpy as np

        train, m = self.levels[: self.split], max(1, self.season)
        if len(train) <= m:
            return 0.0
        err = np.abs(train[m:] - train[:-m])
        if self.observed is not None:
            seen = self.observed[: self.split]
            err = err[seen[m:] & seen[:-m]]
        return float(np.mean(err)) if len(err) else 0.0


# What a series model can learn (``--target``): the levels, simple returns, or (of the levels or
# their logs) first differences, seasonal differences (the value ``season`` steps back
# subtracted) or both, as Box-Jenkins difference a series until it is stationary. Logs
# stabilise a variance that grows with the level (a multiplicative season).
DIFFERENCED = ("diff", "sdiff", "sdiff-diff")
TARGETS = ("levels", "returns") + DIFFERENCED + tuple(f"log-{t}" for t in DIFFERENCED)


def _parts(target):
    """(log, first differences, seasonal differences) of a differenced target."""
    log = target.startswith("log-")
    core = target[4:] if log else target
    return log, core in ("diff", "sdiff-diff"), core.startswith("sdiff")


def _undo(target, season):
    """How a differenced target's next (log) level is rebuilt: {lag: coefficient} of the
    (log) levels before it, to which the transformed value is added."""
    _, d, seasonal = _parts(target)
    if d and seasonal:
        return {1: 1.0, season: 1.0, season + 1: -1.0}
    return {season: 1.0} if seasonal else {1: 1.0}


def offset_of(target, season=1):
    """How many levels a transformed value needs before it: 0 for levels, 1 for returns and
    first differences, ``season`` (+1) for seasonal differences (of differences)."""
    if target == "levels":
        return 0
    if target == "returns":
        return 1
    return max(_undo(target, season))


# A positive series whose level grows this many times over (the S&P 500: 16 to 3,100 in its
# training part) has differences whose spread grows with it: on the S&P the validation tail's
# loss was 10-11x the training loss under --target diff, a scale no early stopping should
# read. Such a series is learnt on the log scale (returns or log differences) only.
LOG_SCALE_RANGE = 10.0


def target_candidates(levels, season=1):
    """The targets ``forecast`` tries on validation when ``--target`` is not given: returns
    (positive series) and first differences, and with a season its seasonal differences (of
    first differences), of the logs too for a positive series. ``levels``: the training
    part; a positive series spanning :data:`LOG_SCALE_RANGE` times over gets the log-scale
    targets only."""
    import numpy as np

    levels = np.asarray(levels, dtype=np.float64)
    positive = bool(levels.size and np.all(levels > 0))
    found = [t for t in TARGETS[1:] if season > 1 or "sdiff" not in t]
    if positive and levels.max() >= LOG_SCALE_RANGE * levels.min():
        return tuple(t for t in found if t == "returns" or t.startswith("log-"))
    return tuple(t for t in found if positive or not (t == "returns" or t.startswith("log-")))


def resolve_target(target, levels, season=1):
    """``auto`` -> ``returns`` for a strictly positive series, else ``diff``; refuse a target
    the series cannot have (logs or returns of a series that is not positive; seasonal
    differences without a season)."""
    import numpy as np

    positive = bool(np.all(levels > 0))
    if target == "auto":
        return "returns" if positive else "diff"
    if (target == "returns" or target.startswith("log-")) and not positive:
        raise UserError(f"--target {target} needs a strictly positive series (it divides by or "
                        "takes the log of the values); use --target diff or levels.")
    if "sdiff" in target and season < 2:
        raise UserError(f"--target {target} needs a season of at least 2 (--season M; the dates "
                        "gave none).")
    return target


def transform(levels, target, season=1):
    import numpy as np

    if target == "levels":
        return levels.copy()
    if target == "returns":
        return levels[1:] / levels[:-1] - 1.0
    log, d, seasonal = _parts(target)
    u = np.log(levels) if log else levels
    if seasonal:
        u = u[season:] - u[:-season]
    return np.diff(u) if d else u


def rows_needed(lags, horizon, test_size, target, season=1):
    """The fewest rows giving MIN_TRAIN_WINDOWS training windows and one test window."""
    offset = offset_of(target, season)
    n = lags + horizon + offset
    while True:
        n_test = math.ceil(test_size * n)
        split = n - n_test
        n_train = max(0, split - horizon - (lags - 1 + offset))  # len(train_origins)
        if n_test >= horizon and n_train >= MIN_TRAIN_WINDOWS:
            return n
        n += 1


def make_windows(levels, *, lags, horizon, test_size, target, source="series", dropped="",
                 series=None, season=1, observed=None, covariates=None, split=None, end=None,
                 dates=None):
    """Split chronologically, fit the scaler on the training part, and cut windows.

    ``target`` must already be resolved (not ``auto``). ``split`` (the first level index of
    the test period; default: from ``test_size``) and ``end`` (levels after it are cut off)
    give a backtest fold: nothing at or after ``split`` reaches the scaler or the training
    windows. ``covariates`` ({name: array}) become extra input channels of the same lagged
    time steps (never the target's time). Raises :class:`DataError` when the series is too
    short, saying how many rows are needed, or when a needed covariate value is missing.
    """
    import numpy as np

    end = len(levels) if end is None else end
    levels = np.asarray(levels, dtype=np.float64)[:end]
    observed = None if observed is None else np.asarray(observed, dtype=bool)[:end]
    covariates = {k: np.asarray(v, dtype=np.float64)[:end] for k, v in (covariates or {}).items()}
    n = len(levels)
    season = int(season or 1)
    need = rows_needed(lags, horizon, test_size, target, season)
    if n < need and split is None:
        raise DataError(source, f"only {n} usable rows{dropped}; --lags {lags} --horizon "
                                f"{horizon} --test-size {test_size} need at least {need} rows "
                                "(use a longer series or fewer --lags).")
    offset = offset_of(target, season)
    z = transform(levels, target, season)
    split = n - math.ceil(test_size * n) if split is None else int(split)
    train_z = z[: split - offset]  # transformed values of levels before the split, and only those
    mean = float(train_z.mean())
    scale = float(train_z.std()) or 1.0
    zs = ((z - mean) / scale).astype(np.float32)
    channels = [np.concatenate([np.full(offset, np.nan, np.float32), zs])]  # by level index
    for name, values in covariates.items():
        seen = values[:split][~np.isnan(values[:split])]
        c_mean, c_scale = (float(seen.mean()), float(seen.std()) or 1.0) if len(seen) else (0, 1)
        channels.append(((values - c_mean) / c_scale).astype(np.float32))
    inputs = np.stack(channels, axis=-1)  # (n, 1 + covariates), row = level index

    def cut(origins, targets=True):
        idx_x = (origins - lags + 1)[:, None] + np.arange(lags)[None, :]  # level indices
        x = inputs[idx_x]
        if covariates and np.isnan(x[..., 1:]).any():
            _missing_covariate(x, origins, idx_x, list(covariates), dates, source)
        if not targets:
            return x, None
        idx_y = (origins + 1 - offset)[:, None] + np.arange(horizon)[None, :]
        return x, zs[idx_y]

    # a training window's last target is level split-1: origin + horizon <= split - 1
    train_origins = np.arange(lags - 1 + offset, split - horizon)
    test_origins = np.arange(split - 1, n - horizon)
    x_train, y_train = cut(train_origins)
    x_test, y_test = cut(test_origins)
    x_next = cut(np.array([n - 1]), targets=False)[0]
    return Windows(target=target, lags=lags, horizon=horizon, levels=levels, split=split,
                   mean=mean, scale=scale, x_train=x_train, y_train=y_train, x_test=x_test,
                   y_test=y_test, train_origins=train_origins, test_origins=test_origins,
                   x_next=x_next, series=series, season=season, observed=observed,
                   covariates=tuple(covariates))


def _missing_covariate(x, origins, idx_x, names, dates, source):
    import numpy as np

    window, lag, channel = (int(v[0]) for v in np.nonzero(np.isnan(x[..., 1:])))
    row = int(idx_x[window, lag])
    when = str(dates[row].date()) if dates is not None else f"row {row + 1}"
    raise DataError(source, f"covariate {names[channel]!r} has no value at {when}, which the "
                            f"forecast from {'the last row' if row == int(idx_x[-1, -1]) else when}"
                            " needs as an input; fill it (--fill ffill) or leave it out of "
                            "--covariates.")


def fold(windows, split, end, horizon=None, lags=None, target=None):
    """The windows of a backtest fold: the same series and options, the training part ending
    at ``split`` (first test level) and nothing after level ``end - 1`` (``horizon``: another
    number of steps per window, for the recursive strategy's one-step model; ``lags`` and
    ``target``: others, for choosing them on validation)."""
    series = windows.series
    return make_windows(windows.levels, lags=lags or windows.lags,
                        horizon=horizon or windows.horizon,
                        test_size=0.5, target=target or windows.target, series=series,
                        season=windows.season, observed=windows.observed,
                        covariates=(series.covariates if series is not None and
                                    windows.covariates else None),
                        split=split, end=end,
                        dates=series.dates if series is not None else None,
                        source=series.source if series is not None else "series")


def read(options):
    """The configured CSV (or the shipped S&P 500) as a :class:`_timeseries.Series`."""
    from pathlib import Path

    from kerascli.datasets._timeseries import read_series, shipped_sp500

    if options.path is None:
        from importlib.resources import as_file
        with as_file(shipped_sp500()) as p:
            return read_series(p, column=options.label, date_column=options.date_column,
                               fill=options.fill, source="sp500.csv (shipped)",
                               covariates=getattr(options, "covariates", None))
    # a long-format table's id column and series (--series-column, --series)
    return read_series(Path(options.path).expanduser(), column=options.label,
                       date_column=options.date_column, fill=options.fill,
                       covariates=getattr(options, "covariates", None),
                       series_column=getattr(options, "series_column", None),
                       series_id=getattr(options, "series_id", None))


def load(options, name=None):
    from pathlib import Path

    name = name or ("sp500" if options.path is None else Path(options.path).stem)
    return from_series(read(options), options, name)


def from_series(series, options, name="series"):
    """The windows ``options`` (lags, horizon, target, test_size) cut from a read series."""
    season = getattr(options, "season", None) or series.season
    target = resolve_target(options.target, series.values, int(season or 1))
    dropped = (f" (after dropping {series.n_missing} null cells)"
               if series.n_missing and options.fill == "drop" else "")
    w = make_windows(series.values, lags=options.lags, horizon=options.horizon,
                     test_size=options.test_size, target=target, source=series.source,
                     dropped=dropped, series=series, season=season, observed=series.observed,
                     covariates=series.covariates, dates=series.dates)
    return dataset_of(w, options, name)


def dataset_of(w, options, name="series"):
    """The :class:`Dataset` of windows ``w`` (what train and forecast fit and score)."""
    from kerascli.datasets import Dataset

    series = w.series
    return Dataset(name=name, task=REGRESSION, kind=SERIES, x_train=w.x_train, y_train=w.y_train,
                   x_test=w.x_test, y_test=w.y_test, input_shape=w.x_train.shape[1:],
                   source=series.source, feature_names=(series.column,), windows=w,
                   extra={"label": series.column, "lags": options.lags,
                          "horizon": options.horizon, "target": w.target, "scaled": True,
                          "season": w.season, "covariates": list(w.covariates),
                          "scaler_fit_on": "training part only", "scaler_mean": w.mean,
                          "scaler_scale": w.scale, "test_size": options.test_size,
                          "series": series.describe()})


def status(options):
    return {"present": None, "valid": None, "location": "given by path", "found_in": "path",
            "note": "--dataset FILE.csv (a date column and a numeric column)"}
