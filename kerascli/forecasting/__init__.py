"""Forecast a series with an LSTM and set it honestly beside naive, seasonal naive, drift,
linear and (with ``pip install "kerascli[forecast]"``) statsforecast's AutoETS and AutoARIMA.

The LSTM is ``kerascli train lstm`` on the same CSV: :func:`run` trains it through
:func:`kerascli.core.fit.train` on the windows :mod:`kerascli.datasets.series` cuts
(chronological split, scaler fit on the training part only). Then, as forecasters evaluate:

* **Backtest.** The test period is cut into ``backtest`` consecutive blocks; block k starts at
  origin c_k (expanding window). With ``refit`` every model (LSTM, scaler, linear, ETS, ARIMA)
  is fit again on the levels up to c_k; otherwise the models fit once at c_0 roll forward,
  reading each new observation as it arrives. Nothing after an origin reaches any fit at that
  origin. Every metric is given per block, as mean and spread over blocks, pooled over the
  whole test period (``backtest 1`` is the single split), and per horizon step.
* **Intervals.** Split-conformal, per horizon step: at origin c_k the ``level`` % interval of a
  model is its forecast plus or minus the matching quantile of its absolute errors on the most
  recent windows whose targets were already observed at c_k (at first: the validation tail of
  the training part, which the model did not fit). Their empirical coverage on the test period
  is reported per level and step.
* **Seasonality.** ``season`` (from the dates unless given) adds seasonal naive and scales
  MASE by the in-sample seasonal naive error.

No Click here: :func:`run` returns a :class:`ForecastResult`; the command shows and saves it.
"""
from kerascli.forecasting.backtest import run
from kerascli.forecasting.baselines import METRICS, STATS_BASELINES, check_baselines, model_names
from kerascli.forecasting.defaults import choose_defaults, lag_candidates
from kerascli.forecasting.intervals import conformal_quantile
from kerascli.forecasting.result import ZOOM, ForecastResult, plot, predictions_csv

__all__ = ["METRICS", "STATS_BASELINES", "ZOOM", "ForecastResult", "check_baselines",
           "choose_defaults", "conformal_quantile", "lag_candidates", "model_names", "plot",
           "predictions_csv", "run"]
