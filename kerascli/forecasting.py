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
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from kerascli.core import data as core_data, fit, metrics as metrics_mod
from kerascli.core.config import ForecastConfig  # noqa: F401  (the config this module takes)
from kerascli.errors import UserError

METRICS = metrics_mod.SERIES_METRICS
ZOOM = 200  # points in the plot's zoomed panel
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


# ---------------------------------------------------------------- conformal intervals

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


# ---------------------------------------------------------------- the result

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
        split_date = _date_text(self.series, w.split)
        return {
            "series": self.series.describe(),
            "target": self.target,
            "lags": w.lags, "horizon": w.horizon, "season": w.season,
            "strategy": self.strategy,
            "strategy_validation_rmse": self.strategy_rmse,
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


def _date_text(series, index):
    if series.dates is None:
        return None
    ts = series.dates[index]
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _summary(values):
    import numpy as np

    kept = [v for v in values if v is not None]
    if not kept:
        return {"mean": None, "std": None, "folds": values}
    return {"mean": float(np.mean(kept)), "std": float(np.std(kept, ddof=1)) if len(kept) > 1
            else 0.0, "folds": values}


# ---------------------------------------------------------------- defaults from the data

# Training settings when the user gives none (measured in benchmarks/forecast.py): a batch
# with at least MIN_STEPS steps per epoch (8 .. the model's default), epochs up to MAX_STEPS
# steps in all, stopped after PATIENCE_STEPS steps (PATIENCE_EPOCHS bounds) without a lower
# validation loss, the best weights kept.
MIN_STEPS, MIN_BATCH, MAX_STEPS, MAX_EPOCHS = 16, 8, 4000, 500
PATIENCE_STEPS, PATIENCE_EPOCHS = 300, (5, 25)


def lag_candidates(season, n_rows):
    """Window lengths worth trying: short ones and one to three seasons, as the data allow."""
    found = {5, 10, 20} | ({season, 2 * season, 3 * season} if season > 1 else set())
    return sorted(k for k in found if 2 <= k <= max(2, n_rows // 6))


def choose_defaults(config, dataset, given):
    """``config`` and ``dataset`` with what the user did not give chosen from the data:
    ``--lags`` by a linear model's RMSE on the validation tail of the training part (the same
    tail the LSTM validates on; never the test period), then the batch size, the epochs and
    early stopping from the number of training windows."""
    import math

    import numpy as np

    from kerascli.datasets import series as series_mod

    cfg, w = config.train, dataset.windows
    scores = []
    if "lags" not in given:
        for lags in lag_candidates(w.season, len(w.levels)):
            try:
                trial = series_mod.fold(w, split=w.split, end=len(w.levels), lags=lags)
            except Exception:  # too short for this many lags  # noqa: BLE001
                continue
            n_val = int(round(cfg.validation_split * len(trial.x_train))) or 1
            if len(trial.x_train) - n_val < 2 * lags:
                continue
            lin = fit_linear(trial.x_train[:-n_val], trial.y_train[:-n_val])
            origins = trial.train_origins[-n_val:]
            pred = linear_forecasts(lin, trial, trial.x_train[-n_val:], origins)
            err = (pred - trial.actual_levels(origins))[trial.observed_mask(origins)]
            scores.append((lags, float(np.sqrt(np.mean(err ** 2)))))
        if scores:
            best = min(scores, key=lambda p: p[1])[0]
            cfg = dataclasses.replace(cfg, lags=best)
    changes = {}
    n_fit = max(1, int(len(w.x_train) * (1 - cfg.validation_split)))
    if "batch_size" not in given:
        batch = MIN_BATCH
        while batch * 2 <= min(cfg.batch_size, n_fit / MIN_STEPS):
            batch *= 2
        changes["batch_size"] = batch
    patience = config.early_stopping
    if "epochs" not in given and cfg.validation_split > 0:
        steps = math.ceil(n_fit / changes.get("batch_size", cfg.batch_size))
        changes["epochs"] = min(MAX_EPOCHS, max(cfg.epochs, math.ceil(MAX_STEPS / steps)))
        patience = min(PATIENCE_EPOCHS[1], max(PATIENCE_EPOCHS[0],
                                               math.ceil(PATIENCE_STEPS / steps)))
    cfg = dataclasses.replace(cfg, **changes)
    config = dataclasses.replace(config, train=cfg, early_stopping=patience,
                                 lag_scores=tuple(scores))
    if cfg.lags != w.lags:
        dataset = series_mod.dataset_of(series_mod.fold(w, split=w.split, end=len(w.levels),
                                                        lags=cfg.lags),
                                        cfg.load_options(), dataset.name)
    return config, dataset


def early_stopping(config):
    """The EarlyStopping callback ``config.early_stopping`` asks for (or none)."""
    if not config.early_stopping:
        return []
    from kerascli.runtime import keras_module
    keras = keras_module()
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.early_stopping,
                                          restore_best_weights=True)]


# ---------------------------------------------------------------- the run

def _train_lstm(config, dataset, *, run_dir, callbacks, quiet, facts=None):
    """fit.train once per ensemble seed (the first writes the run)."""
    cfg = config.train
    first = fit.train(cfg, dataset, run_dir=run_dir, quiet=quiet, facts=facts or config,
                      callbacks=list(callbacks) + early_stopping(config), finish=False)
    members = [first]
    for i in range(1, config.ensemble):
        members.append(fit.train(dataclasses.replace(cfg, seed=cfg.seed + i), dataset,
                                 quiet=True, callbacks=early_stopping(config)))
    return members, float(sum(m.train_seconds for m in members))


def _predict(members, x):
    import numpy as np
    return np.mean([metrics_mod.predict_outputs(m.model, x) for m in members], axis=0)


@dataclass
class _Lstm:
    """A trained LSTM (an ensemble of seeds) and how it forecasts ``horizon`` scaled steps."""

    members: list
    strategy: str  # direct or recursive
    horizon: int
    seconds: float

    def forecast(self, x):
        """Scaled forecasts (n, horizon) from input windows ``x``."""
        import numpy as np

        if self.strategy == "direct":
            return _predict(self.members, x)
        x, steps = np.array(x, dtype=np.float32, copy=True), []
        for _ in range(self.horizon):  # the one-step model's output becomes the next input
            z = _predict(self.members, x)[:, 0]
            steps.append(z)
            x = np.concatenate([x[:, 1:, :], z[:, None, None].astype(np.float32)], axis=1)
        return np.stack(steps, axis=1)


def _fit_lstm(config, w, dataset, strategy, *, run_dir=None, callbacks=(), quiet=True):
    """Train the LSTM on ``dataset`` (windows ``w``) for ``strategy``: direct (one output per
    step, exactly ``train lstm``) or recursive (a one-step model on the same training part)."""
    from kerascli.datasets import series as series_mod

    if strategy == "direct":
        members, seconds = _train_lstm(config, dataset, run_dir=run_dir, callbacks=callbacks,
                                       quiet=quiet)
        return _Lstm(members, "direct", w.horizon, seconds)
    one = series_mod.fold(w, split=w.split, end=len(w.levels), horizon=1)
    one_cfg = dataclasses.replace(config, train=dataclasses.replace(config.train, horizon=1))
    one_set = series_mod.dataset_of(one, one_cfg.train.load_options(), dataset.name)
    members, seconds = _train_lstm(one_cfg, one_set, run_dir=run_dir, callbacks=callbacks,
                                   quiet=quiet, facts=config)
    return _Lstm(members, "recursive", w.horizon, seconds)


def _validation_rmse(lstm, w, n_val):
    import numpy as np

    origins = w.train_origins[len(w.train_origins) - n_val:]
    pred = w.to_levels(lstm.forecast(w.x_train[len(w.x_train) - n_val:]), origins)
    mask = w.observed_mask(origins)
    return float(np.sqrt(np.mean((pred - w.actual_levels(origins))[mask] ** 2)))


def run(config, dataset, *, run_dir=None, callbacks=(), quiet=False):
    """Backtest the LSTM and the baselines on the same windows; intervals; forecast ahead.

    Args:
        config: a :class:`ForecastConfig`.
        dataset: the series windows (``core.data.load_data(config.train)``).
        run_dir: a :class:`~kerascli.core.rundir.RunDir`: the LSTM's config, backups and
            history go there; the caller adds the results, then saves the model last.
        callbacks: extra Keras callbacks (for the first training).
        quiet: no model summary and no progress on stderr.
    """
    import time

    import numpy as np

    from kerascli.datasets import series as series_mod

    check_baselines(config.baselines)
    w = dataset.windows
    h, n_test = w.horizon, len(w.test_origins)
    k_folds = min(config.backtest, n_test)
    starts = [int(b[0]) for b in np.array_split(np.arange(n_test), k_folds)]
    bounds = starts + [n_test]
    names = model_names(w.season, config.baselines)

    cfg = config.train
    _, _, x_val, _ = core_data.validation_split(dataset, cfg.validation_split, cfg.seed)
    n_val = 0 if x_val is None else len(x_val)
    strategy = config.strategy_h
    if h == 1:
        strategy = "direct"  # one step: both strategies are the same model
    elif w.covariates and strategy != "direct":
        if strategy == "recursive":
            raise UserError("--strategy-h recursive needs future covariate values; with "
                            "--covariates use --strategy-h direct.")
        strategy = "direct"

    # the LSTM (and linear) fit at the first origin, on the single split's training part
    lstm = _fit_lstm(config, w, dataset, "recursive" if strategy == "recursive" else "direct",
                     run_dir=run_dir, callbacks=callbacks, quiet=quiet)
    train_seconds, choice = lstm.seconds, {}
    if strategy == "auto":  # both, and keep the one with the lower RMSE on validation
        other = _fit_lstm(config, w, dataset, "recursive")
        train_seconds += other.seconds
        if n_val:
            choice = {"direct": _validation_rmse(lstm, w, n_val),
                      "recursive": _validation_rmse(other, w, n_val)}
            if choice["recursive"] < choice["direct"]:
                lstm = other
        strategy = lstm.strategy
    members = lstm.members
    outputs = lstm.forecast(w.x_test)
    predictions = {"lstm": w.to_levels(outputs, w.test_origins)}
    seconds = {}
    started = time.perf_counter()
    linear = fit_linear(w.x_train, w.y_train)
    predictions["linear"] = linear_forecasts(linear, w, w.x_test, w.test_origins)
    seconds["linear"] = time.perf_counter() - started
    for name, value in simple_forecasts(w, w.test_origins).items():
        predictions[name] = value
    model = members[0].model
    history = members[0].history
    lstm0, last = lstm, (lstm, linear, w)  # at the first origin; the latest models

    if config.refit and k_folds > 1:  # every later block: everything fit again at its origin
        for k in range(1, k_folds):
            origin = int(w.test_origins[bounds[k]])
            fw = series_mod.fold(w, split=origin + 1,
                                 end=int(w.test_origins[bounds[k + 1] - 1]) + h + 1)
            fold_set = series_mod.dataset_of(fw, config.train.load_options(), dataset.name)
            fold_lstm = _fit_lstm(config, fw, fold_set, strategy)
            train_seconds += fold_lstm.seconds
            rows = slice(bounds[k], bounds[k + 1])
            predictions["lstm"][rows] = fw.to_levels(fold_lstm.forecast(fw.x_test),
                                                     fw.test_origins)
            started = time.perf_counter()
            lin = fit_linear(fw.x_train, fw.y_train)
            predictions["linear"][rows] = linear_forecasts(lin, fw, fw.x_test, fw.test_origins)
            seconds["linear"] += time.perf_counter() - started
            model, history = fold_lstm.members[0].model, fold_lstm.members[0].history
            last = (fold_lstm, lin, fw)
    for name in config.baselines:
        started = time.perf_counter()
        if config.refit and k_folds > 1:
            parts = [stats_forecasts([name], w.levels, w.season, h,
                                     int(w.test_origins[bounds[k]]), bounds[k + 1] - bounds[k])
                     [name] for k in range(k_folds)]
            predictions[name] = np.concatenate(parts)
        else:
            predictions[name] = stats_forecasts([name], w.levels, w.season, h,
                                                int(w.test_origins[0]), n_test)[name]
        seconds[name] = time.perf_counter() - started

    # scores: pooled, per block, per step
    actual = w.actual_levels()
    mask = w.observed_mask()
    scale = w.insample_naive_mae()

    def score(pred, rows=slice(None), step=None):
        a, p, m = actual[rows], pred[rows], mask[rows]
        if step is not None:
            a, p, m = a[:, step], p[:, step], m[:, step]
        if not m.any():
            return dict.fromkeys(METRICS)
        return metrics_mod.score_levels(a[m], p[m], scale)

    scores = {n: score(predictions[n]) for n in names}
    folds = [{"origin_row": int(w.test_origins[bounds[k]]),
              "origin_date": _date_text(w.series, int(w.test_origins[bounds[k]]))
              if w.series is not None else None,
              "n_windows": int(bounds[k + 1] - bounds[k])} for k in range(k_folds)]
    backtest = {n: {m: _summary([score(predictions[n], slice(bounds[k], bounds[k + 1]))[m]
                                 for k in range(k_folds)]) for m in METRICS} for n in names}
    per_step = {n: [score(predictions[n], step=j) for j in range(h)] for n in names}

    # conformal intervals: calibration = the validation tail the first LSTM did not fit
    x_val = w.x_train[len(w.x_train) - n_val:]
    cal_origins = w.train_origins[len(w.train_origins) - n_val:]
    cal_actual = w.actual_levels(cal_origins) if n_val else np.zeros((0, h))
    cal_mask = w.observed_mask(cal_origins) if n_val else np.zeros((0, h), bool)
    cal_pred = {}
    if n_val:
        cal_pred["lstm"] = w.to_levels(lstm0.forecast(x_val), cal_origins)
        x_fit = w.x_train[: len(w.x_train) - n_val]
        lin_fit = fit_linear(x_fit, w.y_train[: len(x_fit)])
        cal_pred["linear"] = linear_forecasts(lin_fit, w, x_val, cal_origins)
        cal_pred.update(simple_forecasts(w, cal_origins))
    intervals, coverage = {}, {}
    n_cal = max(n_val, 30)

    def unit(origins):
        """Errors in units of the level at the origin for a series modelled as returns (a
        price's errors grow with the price), else in the series' units."""
        if w.target == "returns":
            return w.levels[origins][:, None]
        return np.ones((len(origins), 1))

    for name in names:
        if name not in cal_pred and n_val:
            continue  # statsforecast's models: no calibration windows of their own
        cal_err = (np.where(cal_mask, np.abs(cal_pred[name] - cal_actual), np.nan)
                   / unit(cal_origins) if n_val else np.zeros((0, h)))
        test_err = np.where(mask, np.abs(predictions[name] - actual), np.nan) / unit(
            w.test_origins)
        widths = interval_widths(cal_err, cal_origins, test_err, w.test_origins, starts,
                                 config.levels, n_cal) * unit(w.test_origins)[None]
        intervals[name], coverage[name] = {}, {}
        for i, level in enumerate(config.levels):
            lower, upper = predictions[name] - widths[i], predictions[name] + widths[i]
            inside = (actual >= lower) & (actual <= upper)
            intervals[name][level] = (lower, upper)
            coverage[name][str(level)] = {
                "nominal": level,
                "overall": float(inside[mask].mean() * 100),
                "per_step": [float(inside[:, j][mask[:, j]].mean() * 100) for j in range(h)],
            }

    future = _future(config, *last, w, names, predictions, actual, mask, cal_pred,
                     cal_actual, cal_mask, cal_origins, n_cal)
    return ForecastResult(config=config, series=w.series, windows=w, target=w.target,
                          model=model, models=names, metrics=scores, backtest=backtest,
                          per_step=per_step, coverage=coverage, predictions=predictions,
                          intervals=intervals, actual=actual, folds=folds, future=future,
                          train_seconds=train_seconds, baseline_seconds=seconds,
                          history=history, strategy=strategy, strategy_rmse=choice)


def _future(config, lstm, linear, w, w0, names, predictions, actual, mask, cal_pred, cal_actual,
            cal_mask, cal_origins, n_cal):
    """The next ``horizon`` values beyond the data, each model with its intervals (from every
    error observed by the end of the data)."""
    import numpy as np

    h, n = w.horizon, len(w.levels)
    last = np.array([n - 1])
    ahead = {"lstm": w.to_levels(lstm.forecast(w.x_next), last)[0],
             "linear": linear_forecasts(linear, w, w.x_next, last)[0]}
    ahead.update({k: v[0] for k, v in simple_forecasts(w, last).items()})
    for name in config.baselines:
        ahead[name] = stats_forecasts([name], np.append(w.levels, np.zeros(h)), w.season, h,
                                      n - 1, 1)[name][0]
    dates = w.series.next_dates(h) if w.series is not None else None
    rows = []
    for k in range(h):
        row = {"step": k + 1, "date": None}
        if dates is not None:
            ts = dates[k]
            row["date"] = ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
        for name in names:
            row[name] = float(ahead[name][k])
            if name in cal_pred or (not cal_pred and name in predictions):
                unit = (lambda o: w.levels[o]) if w.target == "returns" else (lambda o: 1.0)
                errs = (np.abs(predictions[name][:, k] - actual[:, k])
                        / unit(w0.test_origins))[mask[:, k]]
                if name in cal_pred:
                    cal = (np.abs(cal_pred[name][:, k] - cal_actual[:, k])
                           / unit(cal_origins))[cal_mask[:, k]]
                    errs = np.concatenate([cal, errs])
                for level in config.levels:
                    q = conformal_quantile(errs[-n_cal:], level) * unit(n - 1)
                    row[f"{name}_lo{level}"] = float(ahead[name][k] - q)
                    row[f"{name}_hi{level}"] = float(ahead[name][k] + q)
        rows.append(row)
    return rows


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


def plot(result, path):
    """A PNG per horizon step: actual vs each forecast over the test period with the LSTM's
    intervals shaded, and (when the test period is longer) a panel on its last ZOOM points."""
    import seaborn as sns

    from kerascli import plots

    plt = plots.pyplot()
    sns.set_theme(style="whitegrid", context="notebook")
    h = result.windows.horizon
    n = len(result.actual)
    zoom = n > ZOOM
    palette = dict(zip(result.models, sns.color_palette("deep", len(result.models) + 1)[1:]))
    fig, axes = plt.subplots(h * (1 + zoom), 1, figsize=(12, 4.2 * h * (1 + zoom)),
                             squeeze=False)
    for j in range(h):
        x = result.test_dates(j + 1)
        panels = [(axes[j * (1 + zoom), 0], 0)] + ([(axes[j * 2 + 1, 0], n - ZOOM)] if zoom
                                                   else [])
        for ax, start in panels:
            for level, (lo, hi) in sorted(result.intervals.get("lstm", {}).items(),
                                          reverse=True):
                ax.fill_between(x[start:], lo[start:, j], hi[start:, j], color=palette["lstm"],
                                alpha=0.12 if level >= 90 else 0.22, lw=0,
                                label=f"lstm {level}% interval")
            ax.plot(x[start:], result.actual[start:, j], color="black", lw=1.4, label="actual")
            for name in result.models:
                rmse = result.per_step[name][j]["rmse"]
                ax.plot(x[start:], result.predictions[name][start:, j], lw=0.9, alpha=0.85,
                        color=palette[name], label=f"{name} (RMSE {rmse:.4g})")
            ax.set_ylabel(result.series.column)
            what = f"step {j + 1} of {h}" if h > 1 else "one step ahead"
            ax.set_title(f"{result.series.source}: {what}, test period"
                         + (f" (last {ZOOM} points)" if start else "")
                         + f" (target: {result.target})")
    # the legend beside the panels, never over the data
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    fig.tight_layout()
    plots.save_figure(fig, path, dpi=110, bbox_inches="tight")
    return path
