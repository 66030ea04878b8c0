"""Split-conformal prediction intervals, per horizon step, from out-of-sample errors."""


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
