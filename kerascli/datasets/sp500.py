"""The S&P 500 index, daily closes 1950-01-03 .. 2019-11-21 (17,587 rows), shipped with kerascli.

Windowed as :mod:`kerascli.datasets.series` does: daily returns, scaled on the training part
(the oldest 80%), 20 lags -> the next return.
"""
from kerascli.datasets import REGRESSION, SERIES, DatasetInfo

INFO = DatasetInfo(name="sp500", kind=SERIES, task=REGRESSION,
                   summary="S&P 500 daily closes 1950-2019, windows of 20 returns (embedded)",
                   n_train=14049, n_test=3518)


def load(options):
    import dataclasses

    from kerascli.datasets import series
    return series.load(dataclasses.replace(options, path=None), name="sp500")


def status(options):
    from kerascli.datasets._timeseries import shipped_sp500
    return {"present": True, "valid": True, "location": str(shipped_sp500()), "note": "embedded"}
