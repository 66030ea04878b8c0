"""Forecast settings the user did not give, chosen from the data (never the test period)."""
import dataclasses

from kerascli.forecasting.baselines import fit_linear, linear_forecasts


# Training settings when the user gives none: the one training budget of the core
# (kerascli.core.config.budget, with the series caps measured in benchmarks/forecast.py),
# stopped without a lower validation loss, the best weights kept.
VALIDATION_TAIL = 0.2  # of the training windows: where --target and --lags are chosen


def lag_candidates(season, n_rows):
    """Window lengths worth trying: short ones and one to three seasons, as the data allow."""
    found = {5, 10, 20} | ({season, 2 * season, 3 * season} if season > 1 else set())
    return sorted(k for k in found if 2 <= k <= max(2, n_rows // 6))


def _validation_rmse(w, lags, target):
    """The RMSE of a linear model of ``lags`` values of ``target`` on the validation tail of
    the training part (fit on what precedes it), or None when the series is too short."""
    import numpy as np

    from kerascli.datasets import series as series_mod

    try:
        trial = series_mod.fold(w, split=w.split, end=len(w.levels), lags=lags, target=target)
    except Exception:  # too short for this many lags  # noqa: BLE001
        return None
    n_val = int(round(VALIDATION_TAIL * len(trial.x_train))) or 1
    if len(trial.x_train) - n_val < 2 * lags:
        return None
    lin = fit_linear(trial.x_train[:-n_val], trial.y_train[:-n_val])
    origins = trial.train_origins[-n_val:]
    pred = linear_forecasts(lin, trial, trial.x_train[-n_val:], origins)
    err = (pred - trial.actual_levels(origins))[trial.observed_mask(origins)]
    return float(np.sqrt(np.mean(err ** 2)))


def choose_defaults(config, dataset, given):
    """``config`` and ``dataset`` with what the user did not give chosen from the data:
    ``--target`` and ``--lags`` together by a linear model's RMSE on the validation tail of
    the training part (never the test period; the LSTM's linear highway is that model, the
    network adds what it leaves), then the batch size, the epochs and early stopping from the
    number of training windows; without ``--highway``, :func:`~kerascli.forecasting.run`
    trains the LSTM with and without it and keeps the one with the lower validation RMSE."""
    from kerascli.core import config as config_mod
    from kerascli.datasets import series as series_mod

    cfg, w = config.train, dataset.windows
    targets = ([w.target] if "target" in given or cfg.data.target != "auto"
               else series_mod.target_candidates(w.levels[:w.split], w.season))
    lags = [cfg.data.lags] if "lags" in given else lag_candidates(w.season, len(w.levels))
    scores = {(t, k): _validation_rmse(w, k, t) for t in targets for k in lags}
    scores = {key: v for key, v in scores.items() if v is not None}
    lag_scores, target_scores = (), ()
    if scores and (len(targets) > 1 or len(lags) > 1):
        target, best = min(scores, key=scores.get)
        cfg = cfg.with_data(lags=best, target=target)
        if "lags" not in given:
            lag_scores = tuple((k, v) for (t, k), v in scores.items() if t == target)
        if len(targets) > 1:
            target_scores = tuple((t, min(v for (t2, _), v in scores.items() if t2 == t))
                                  for t in targets if any(t2 == t for t2, _ in scores))
    changes = {}
    n_fit = max(1, int(len(w.x_train) * (1 - cfg.validation_split)))
    batch, epochs, budget_patience = config_mod.budget(
        n_fit, cfg.batch_size, cfg.epochs,
        batch_size=cfg.batch_size if "batch_size" in given else None, data="series")
    if "batch_size" not in given:
        changes["batch_size"] = batch
    patience = config.early_stopping
    if "epochs" not in given and cfg.validation_split > 0:
        changes["epochs"], patience = epochs, budget_patience
    cfg = dataclasses.replace(cfg, **changes)
    config = dataclasses.replace(config, train=cfg, early_stopping=patience,
                                 lag_scores=lag_scores, target_scores=target_scores,
                                 choose_highway="highway" not in given)
    if cfg.data.lags != w.lags or cfg.data.target not in ("auto", w.target):
        dataset = series_mod.dataset_of(series_mod.fold(w, split=w.split, end=len(w.levels),
                                                        lags=cfg.data.lags,
                                                        target=cfg.data.target),
                                        cfg.data, dataset.name)
    return config, dataset


def early_stopping(config):
    """The core's early stopping (core.convergence) on the validation loss after
    ``config.early_stopping`` epochs without a lower one (or none). Any decrease counts
    (``relative_delta=0``), as in the runs benchmarks/forecast.py measured."""
    if not config.early_stopping:
        return []
    from kerascli.core import convergence
    return [convergence.early_stopping("val_loss", config.early_stopping, relative_delta=0)]
