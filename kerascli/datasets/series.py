"""A numeric time series from a CSV file, cut into windows for the ``lstm`` model.

``kerascli train lstm --dataset series`` (with a path: ``LoadOptions.path``; ``--label`` picks
the column, default Close / Adj Close / the only numeric one). The CSV is read by
:mod:`kerascli.timeseries` (dates, BOM, "$1,234.50", nulls...) and windowed exactly as
``kerascli forecast`` does: a chronological split, returns for a positive series (else
differences), a scaler fit on the training part only, windows of 20 lags -> the next value.
x: (N, 20, 1) float32; y: (N, 1) float32, both scaled. Without a path: the shipped S&P 500.
"""
from kerascli.datasets import REGRESSION, SERIES, DatasetInfo

INFO = DatasetInfo(name="series", kind=SERIES, task=REGRESSION,
                   summary="a CSV time series cut into windows for lstm (--dataset FILE.csv)",
                   needs_path=True)
LAGS = 20
HORIZON = 1
TARGET = "auto"


def load(options, name=None):
    from pathlib import Path

    from kerascli.datasets import Dataset
    from kerascli.forecasting import make_windows, resolve_target
    from kerascli.timeseries import read_series, shipped_sp500

    if options.path is None:
        from importlib.resources import as_file
        with as_file(shipped_sp500()) as p:
            series = read_series(p, column=options.label, source="sp500.csv (shipped)")
        name = name or "sp500"
    else:
        path = Path(options.path).expanduser()
        series = read_series(path, column=options.label)
        name = name or path.stem
    target = resolve_target(TARGET, series.values)
    w = make_windows(series.values, lags=LAGS, horizon=HORIZON, test_size=options.test_size,
                     target=target, source=series.source)
    return Dataset(name=name, task=REGRESSION, kind=SERIES, x_train=w.x_train, y_train=w.y_train,
                   x_test=w.x_test, y_test=w.y_test, input_shape=(LAGS, 1), source=series.source,
                   feature_names=(series.column,),
                   extra={"label": series.column, "lags": LAGS, "horizon": HORIZON,
                          "target": target, "scaled": True, "scaler_fit_on": "training part only",
                          "scaler_mean": w.mean, "scaler_scale": w.scale,
                          "test_size": options.test_size, "notes": list(series.notes)})


def status(options):
    return {"present": None, "valid": None, "location": "given by path", "found_in": "path",
            "note": "--dataset FILE.csv (a date column and a numeric column)"}
