"""The baselines a forecast is set beside, on exactly the LSTM's windows: naive, seasonal
naive, drift, a linear model on the same lags, and statsforecast's AutoETS and AutoARIMA
(the optional ``forecast`` extra)."""
from kerascli.core import metrics as metrics_mod
from kerascli.errors import UserError


METRICS = metrics_mod.SERIES_METRICS
STATS_BASELINES = {"auto-ets": "AutoETS", "auto-arima": "AutoARIMA"}
INSTALL_HINT = 'pip install "kerascli[forecast]"'


def model_names(season, extra=()):
    """The models a forecast scores, in table order."""
    return ("lstm", "linear", "naive") + (("seasonal-naive",) if season > 1 else ()) + (
        "drift",) + tuple(extra)


def check_baselines(names):
    """Refuse an unknown --baseline, or a statsforecast one without the extra, in one line."""
    for name in names:
        if name not in STATS_BASELINES:
            raise UserError(f"--baseline {name!r}: forecast's optional baselines are "
                            f"{', '.join(STATS_BASELINES)}.")
    if names:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            raise UserError(f"--baseline {names[0]} needs statsforecast: {INSTALL_HINT}"
                            ) from None


# ---------------------------------------------------------------- the baselines

def simple_forecasts(w, origins):
    """Level forecasts (len(origins), horizon) of naive, seasonal naive and drift, each from
    the levels up to its origin only."""
    import numpy as np

    levels, h, m = w.levels, w.horizon, max(1, w.season)
    steps = np.arange(1, h + 1)[None, :]
    last = levels[origins][:, None]
    out = {"naive": np.repeat(last, h, axis=1)}
    if m > 1:  # the value one season before each target: y[t + k - m * ceil(k / m)]
        back = steps - m * np.ceil(steps / m).astype(int)
        out["seasonal-naive"] = levels[origins[:, None] + back]
    # drift (Hyndman & Athanasopoulos 5.2): the average step from the first value to the origin
    slope = (levels[origins] - levels[0]) / np.maximum(origins, 1)
    out["drift"] = last + slope[:, None] * steps
    return out


def fit_linear(x, y):
    """A linear regression on the same scaled lags (and lagged covariates)."""
    from sklearn.linear_model import LinearRegression
    return LinearRegression().fit(x.reshape(len(x), -1), y)


def linear_forecasts(model, w, x, origins):
    return w.to_levels(model.predict(x.reshape(len(x), -1)), origins)


def stats_forecasts(names, levels, season, horizon, first_origin, n_windows):
    """statsforecast's models on ``levels[:first_origin + n_windows + horizon]``: fit on the
    levels up to ``first_origin``, then rolled forward one observation at a time (their
    ``cross_validation`` with ``refit=False``). Returns {name: (n_windows, horizon)}."""
    import numpy as np
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast import models as sf_models

    if not names:
        return {}
    end = first_origin + n_windows + horizon
    frame = pd.DataFrame({"unique_id": "y", "ds": np.arange(end), "y": levels[:end]})
    chosen = [getattr(sf_models, STATS_BASELINES[n])(season_length=max(1, season), alias=n)
              for n in names]
    sf = StatsForecast(models=chosen, freq=1, n_jobs=1)
    cv = sf.cross_validation(df=frame, h=horizon, n_windows=n_windows, step_size=1,
                             refit=False).sort_values(["cutoff", "ds"])
    cutoffs = cv["cutoff"].to_numpy().reshape(n_windows, horizon)[:, 0]
    if cutoffs[0] != first_origin:  # the windows must be exactly ours
        raise RuntimeError(f"statsforecast's first cutoff {cutoffs[0]} != origin {first_origin}")
    return {n: cv[n].to_numpy(dtype=np.float64).reshape(n_windows, horizon) for n in names}
