"""A numeric time series from a CSV file, cut into windows: ``train lstm --dataset FILE.csv``
and ``forecast FILE.csv`` both read their data here, so they train on the same windows.

The CSV is read by :mod:`kerascli.datasets._timeseries` (dates, BOM, "$1,234.50", nulls...);
``--label`` picks the column (default Close / Adj Close / the only numeric one). Without
leakage:

* the last ``test_size`` of the rows (chronologically) are the test period; every forecast
  there starts from an origin whose inputs are only values already observed;
* the series is modelled as ``levels``, simple ``returns`` or first differences (``diff``);
  ``auto`` picks returns for a positive series (prices) and differences otherwise;
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
    series: Any = None  # the _timeseries.Series cut (dates, column, source, notes)

    @property
    def offset(self):
        return 0 if self.target == "levels" else 1

    def to_levels(self, scaled, origins):
        """Scaled predictions of transformed values (n, horizon) as level forecasts."""
        import numpy as np

        pred = np.asarray(scaled, dtype=np.float64).reshape(len(origins), self.horizon)
        pred = pred * self.scale + self.mean
        base = self.levels[origins][:, None]
        if self.target == "levels":
            return pred
        if self.target == "returns":
            return base * np.cumprod(1.0 + pred, axis=1)
        return base + np.cumsum(pred, axis=1)

    def actual_levels(self):
        """The true levels for every test window: (n_test, horizon)."""
        import numpy as np

        idx = self.test_origins[:, None] + 1 + np.arange(self.horizon)[None, :]
        return self.levels[idx]

    def insample_naive_mae(self):
        """MAE of the naive ``horizon``-step forecast over the training part (MASE's scale)."""
        import numpy as np

        train, h = self.levels[: self.split], self.horizon
        return float(np.mean(np.abs(train[h:] - train[:-h]))) if len(train) > h else 0.0


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


def make_windows(levels, *, lags, horizon, test_size, target, source="series", dropped="",
                 series=None):
    """Split chronologically, fit the scaler on the training part, and cut windows.

    ``target`` must already be resolved (not ``auto``). Raises :class:`DataError` when the
    series is too short, saying how many rows are needed.
    """
    import numpy as np

    levels = np.asarray(levels, dtype=np.float64)
    n = len(levels)
    need = rows_needed(lags, horizon, test_size, target)
    if n < need:
        raise DataError(source, f"only {n} usable rows{dropped}; --lags {lags} --horizon "
                                f"{horizon} --test-size {test_size} need at least {need} rows "
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
                   x_next=x_next, series=series)


def read(options):
    """The configured CSV (or the shipped S&P 500) as a :class:`_timeseries.Series`."""
    from pathlib import Path

    from kerascli.datasets._timeseries import read_series, shipped_sp500

    if options.path is None:
        from importlib.resources import as_file
        with as_file(shipped_sp500()) as p:
            return read_series(p, column=options.label, date_column=options.date_column,
                               fill=options.fill, source="sp500.csv (shipped)")
    return read_series(Path(options.path).expanduser(), column=options.label,
                       date_column=options.date_column, fill=options.fill)


def load(options, name=None):
    from pathlib import Path

    name = name or ("sp500" if options.path is None else Path(options.path).stem)
    return from_series(read(options), options, name)


def from_series(series, options, name="series"):
    """The windows ``options`` (lags, horizon, target, test_size) cut from a read series."""
    from kerascli.datasets import Dataset

    target = resolve_target(options.target, series.values)
    dropped = (f" (after dropping {series.n_missing} null cells)"
               if series.n_missing and options.fill == "drop" else "")
    w = make_windows(series.values, lags=options.lags, horizon=options.horizon,
                     test_size=options.test_size, target=target, source=series.source,
                     dropped=dropped, series=series)
    return Dataset(name=name, task=REGRESSION, kind=SERIES, x_train=w.x_train, y_train=w.y_train,
                   x_test=w.x_test, y_test=w.y_test, input_shape=(options.lags, 1),
                   source=series.source, feature_names=(series.column,), windows=w,
                   extra={"label": series.column, "lags": options.lags,
                          "horizon": options.horizon, "target": target, "scaled": True,
                          "scaler_fit_on": "training part only", "scaler_mean": w.mean,
                          "scaler_scale": w.scale, "test_size": options.test_size,
                          "series": series.describe()})


def status(options):
    return {"present": None, "valid": None, "location": "given by path", "found_in": "path",
            "note": "--dataset FILE.csv (a date column and a numeric column)"}
