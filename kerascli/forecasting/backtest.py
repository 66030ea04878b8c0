"""The forecast run: the LSTM trained through the one training core, every model rolled over
the backtest origins, scored, given intervals, and forecast beyond the data."""
import dataclasses
from dataclasses import dataclass

from kerascli.core import data as core_data
from kerascli.core import fit
from kerascli.core import metrics as metrics_mod
from kerascli.errors import UserError
from kerascli.forecasting.baselines import (METRICS, check_baselines, fit_linear,
                                            linear_forecasts, model_names, simple_forecasts,
                                            stats_forecasts)
from kerascli.forecasting.defaults import early_stopping
from kerascli.forecasting.intervals import (abs_errors, band, conformal_quantile, floored,
                                            interval_widths, positive_floor)
from kerascli.forecasting.result import ForecastResult, date_text, summary


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
    one_cfg = dataclasses.replace(config, train=config.train.with_data(horizon=1))
    one_set = series_mod.dataset_of(one, one_cfg.train.data, dataset.name)
    members, seconds = _train_lstm(one_cfg, one_set, run_dir=run_dir, callbacks=callbacks,
                                   quiet=quiet, facts=config)
    return _Lstm(members, "recursive", w.horizon, seconds)


def _validation_rmse(lstm, w, n_val):
    import numpy as np

    origins = w.train_origins[len(w.train_origins) - n_val:]
    pred = w.to_levels(lstm.forecast(w.x_train[len(w.x_train) - n_val:]), origins)
    mask = w.observed_mask(origins)
    return float(np.sqrt(np.mean((pred - w.actual_levels(origins))[mask] ** 2)))


def _with_highway(config, setting):
    params = {**dict(config.train.params), "highway": setting}
    return dataclasses.replace(config, train=dataclasses.replace(config.train,
                                                                 params=tuple(params.items())))


def _fit_combined(configs, w, dataset, strategy, **kwargs):
    """The LSTM of each config (the first with the run directory), averaged: a forecast
    combination when there are two."""
    fits = [_fit_lstm(c, w, dataset, strategy, **(kwargs if i == 0 else {}))
            for i, c in enumerate(configs)]
    return _Lstm([m for f in fits for m in f.members], fits[0].strategy, fits[0].horizon,
                 sum(f.seconds for f in fits))


def _choose_highway(config, w, dataset, lstm, n_val, run_dir):
    """Train the LSTM with the other ``highway`` setting too; keep the one, or the average of
    both (a forecast combination), with the lower RMSE on the validation tail. config.json
    then records the setting kept (for the average: the first's, whose model is saved).
    Returns the configs to fit at each origin, the LSTM, {choice: validation RMSE} and the
    other's training seconds."""
    mine = dict(config.train.params).get("highway", "linear")
    other = "none" if mine == "linear" else "linear"
    alt = _with_highway(config, other)
    alt_lstm = _fit_lstm(alt, w, dataset, lstm.strategy)
    both = _Lstm(lstm.members + alt_lstm.members, lstm.strategy, lstm.horizon,
                 lstm.seconds + alt_lstm.seconds)
    scores = {mine: _validation_rmse(lstm, w, n_val), other: _validation_rmse(alt_lstm, w, n_val),
              "both": _validation_rmse(both, w, n_val)}
    best = min(scores, key=scores.get)
    if best == mine:
        return [config], lstm, scores, alt_lstm.seconds
    if best == "both":
        return [config, alt], both, scores, alt_lstm.seconds
    return [alt], alt_lstm, scores, alt_lstm.seconds


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
    highway, fit_configs = {}, [config]
    if config.choose_highway and n_val:  # the highway (linear + LSTM), the LSTM alone, or both
        fit_configs, lstm, highway, seconds_other = _choose_highway(config, w, dataset, lstm,
                                                                    n_val, run_dir)
        config = fit_configs[0]
        train_seconds += seconds_other
    # the choices made (strategy, highway) in config.json, so readers never guess them
    config = fit_configs[0] = dataclasses.replace(config, strategy_used=strategy)
    if run_dir is not None:
        run_dir.write_config(config)
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
            fold_set = series_mod.dataset_of(fw, config.train.data, dataset.name)
            fold_lstm = _fit_combined(fit_configs, fw, fold_set, strategy)
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

    # a strictly positive series' forecasts stay positive (intervals.py)
    floor = positive_floor(w.levels)
    predictions = {n: floored(p, floor) for n, p in predictions.items()}

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
              "origin_date": date_text(w.series, int(w.test_origins[bounds[k]]))
              if w.series is not None else None,
              "n_windows": int(bounds[k + 1] - bounds[k])} for k in range(k_folds)]
    backtest = {n: {m: summary([score(predictions[n], slice(bounds[k], bounds[k + 1]))[m]
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
        cal_pred = {n: floored(p, floor) for n, p in cal_pred.items()}
    intervals, coverage = {}, {}
    n_cal = max(n_val, 30)

    log = w.relative  # a strictly positive series: errors and intervals on the log scale

    for name in names:
        if name not in cal_pred and n_val:
            continue  # statsforecast's models: no calibration windows of their own
        cal_err = (np.where(cal_mask, abs_errors(cal_pred[name], cal_actual, log), np.nan)
                   if n_val else np.zeros((0, h)))
        test_err = np.where(mask, abs_errors(predictions[name], actual, log), np.nan)
        widths = interval_widths(cal_err, cal_origins, test_err, w.test_origins, starts,
                                 config.levels, n_cal)
        intervals[name], coverage[name] = {}, {}
        for i, level in enumerate(config.levels):
            lower, upper = band(predictions[name], widths[i], log)
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
                          history=history, strategy=strategy, strategy_rmse=choice,
                          highway_rmse=highway)


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
    floor, log = positive_floor(w.levels), w.relative
    ahead = {k: floored(v, floor) for k, v in ahead.items()}
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
                errs = abs_errors(predictions[name][:, k], actual[:, k], log)[mask[:, k]]
                if name in cal_pred:
                    cal = abs_errors(cal_pred[name][:, k], cal_actual[:, k], log)[cal_mask[:, k]]
                    errs = np.concatenate([cal, errs])
                for level in config.levels:
                    lo, hi = band(ahead[name][k], conformal_quantile(errs[-n_cal:], level), log)
                    row[f"{name}_lo{level}"], row[f"{name}_hi{level}"] = float(lo), float(hi)
        rows.append(row)
    return rows
