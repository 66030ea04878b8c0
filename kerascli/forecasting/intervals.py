"""Split-conformal prediction intervals, per horizon step, from out-of-sample errors.

A strictly positive series (prices, passengers, gas) is scored for its intervals on the log
scale: the errors are |log actual - log forecast| and the interval is the forecast times
exp(-q) .. exp(q), so it never reaches zero or below (a symmetric interval in the series'
units did: UKgas' 95% interval went down to -48.85), and it widens with the level as such a
series' errors do. Its point forecasts are floored at FLOOR of its smallest value: a linear
or drift forecast at or below zero is impossible for it.
"""
FLOOR = 1e-3


def positive_floor(levels):
    """The lowest forecast a strictly positive series may get (None for any other series)."""
    import numpy as np

    levels = np.asarray(levels, dtype=np.float64)
    return float(levels.min()) * FLOOR if len(levels) and bool(np.all(levels > 0)) else None


def floored(pred, floor):
    """``pred`` with nothing below ``floor`` (unchanged when ``floor`` is None)."""
    import numpy as np
    return pred if floor is None else np.maximum(pred, floor)


def abs_errors(pred, actual, log):
    """|actual - pred|, on the log scale when ``log`` (a positive series)."""
    import numpy as np

    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(np.log(actual) - np.log(pred)) if log else np.abs(actual - pred)


def band(pred, q, log):
    """(lower, upper) of the interval of half-width ``q`` around ``pred`` (on the log scale
    when ``log``: ``pred`` times exp(-q) .. exp(q), always positive)."""
    import numpy as np

    if log:
        return pred * np.exp(-q), pred * np.exp(q)
    return pred - q, pred + q


def conformal_quantile(abs_errors, level):
    """The split-conformal quantile of ``abs_errors`` for a ``level`` % interval (the
    ceil((n+1) level)-th smallest; the largest when there are too few)."""
    import math

    import numpy as np

    errors = np.sort(np.asarray(abs_errors, dtype=np.float64))
    if len(errors) == 0:
        return float("inf")
    rank = min(len(errors), math.ceil((len(errors) + 1) * level / 100))
    return float(errors[rank - 1])


def interval_widths(cal_err, cal_origins, test_err, test_origins, fold_starts, levels_pct,
                    n_cal):
    """Half-widths (len(levels_pct), n_test, horizon): at each block's origin c, per step j,
    the conformal quantile of the last ``n_cal`` absolute errors whose targets (origin + 1 + j)
    were observed by c: the calibration windows first, then earlier test windows."""
    import numpy as np

    errors = np.concatenate([cal_err, test_err])
    origins = np.concatenate([cal_origins, test_origins])
    n_test, h = test_err.shape
    widths = np.zeros((len(levels_pct), n_test, h))
    bounds = list(fold_starts) + [n_test]
    for k in range(len(fold_starts)):
        c = test_origins[bounds[k]]
        for j in range(h):
            known = errors[origins + 1 + j <= c, j]
            known = known[~np.isnan(known)][-n_cal:]
            for i, level in enumerate(levels_pct):
                widths[i, bounds[k]:bounds[k + 1], j] = conformal_quantile(known, level)
    return widths
