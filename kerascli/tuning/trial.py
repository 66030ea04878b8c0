"""One trial: a normal training run through the one training core (:func:`kerascli.core.fit.train`)
into its own run directory, on a view of the dataset whose "test" part *is* the validation
split (the test set never reaches the search), reporting each epoch's validation metric to
Optuna's pruner through a Keras callback."""
import dataclasses
import math
import time

from kerascli.errors import UserError
from kerascli.tuning.space import TRAINING_PARAMS, show


def monitor_for(task):
    """(metric in metrics.json, Keras' per-epoch validation log, direction)."""
    if task == "classification":
        return "accuracy", "val_accuracy", "maximize"
    return "rmse", "val_loss", "minimize"


def validation_view(dataset, cfg):
    """``dataset`` with its test part replaced by the validation split the training core
    holds out for ``cfg`` (same fraction, same seed): a trial trained on it is scored on its
    validation rows by the core's own metrics, and never sees the test set."""
    from kerascli.core import data
    _, _, x_val, y_val = data.validation_split(dataset, cfg.validation_split, cfg.seed)
    if x_val is None:
        raise UserError(f"--validation-split {cfg.validation_split}: too few training examples "
                        f"({len(dataset.x_train)}) to hold a validation part out.")
    # a series is scored on its (transformed) values here: levels need the test windows
    return dataclasses.replace(dataset, x_test=x_val, y_test=y_val, windows=None)


def pruning_callback(trial, log_key, prune):
    """A Keras callback reporting ``log_key`` to Optuna after each epoch; when the pruner says
    so, training stops cleanly (the run is scored and saved as usual) and ``pruned_at`` holds
    the epochs run."""
    from kerascli.runtime import keras_module
    keras = keras_module()

    class Pruning(keras.callbacks.Callback):
        pruned_at = None

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(log_key)
            if value is None or not math.isfinite(value):
                return
            if log_key == "val_loss":  # reported as the RMSE the study minimises
                value = math.sqrt(max(value, 0.0))
            trial.report(float(value), epoch + 1)
            if prune and trial.should_prune():
                self.pruned_at = epoch + 1
                self.model.stop_training = True

    return Pruning()


def trial_config(tcfg, values):
    """The TrainConfig of one trial: the base with ``values`` (training settings and model
    options) in place, the model options through the spec's one validator."""
    from kerascli.core import config
    base = tcfg.train
    spec = base.spec
    training = {k: values[k] for k in TRAINING_PARAMS if k in values}
    own = {k: v for k, v in values.items() if k not in TRAINING_PARAMS}
    params = spec.check_params({**base.params_dict, **own})
    cfg = dataclasses.replace(base, params=params, auto=tuple(
        a for a in base.auto if a not in training), **training)
    config.validate(cfg)
    return cfg


def run_trial(study, trial, tcfg, view, run_dir, *, metric, log_key, watch=None, log=print):
    """Train ``trial``'s settings on ``view`` into ``run_dir`` and tell the study how it
    ended: complete (its validation ``metric``), pruned (after how many epochs) or failed
    (diverged, or a non-finite score); any other error fails the trial and propagates."""
    from kerascli.core import fit
    from kerascli.errors import Diverged
    from optuna.trial import TrialState

    values = {name: dim.suggest(trial) for name, dim in tcfg.space.items()}
    cfg = trial_config(tcfg, values)
    run_dir.path.mkdir(parents=True, exist_ok=False)
    run_dir.mark("running")
    trial.set_user_attr("run_dir", str(run_dir.path))
    if watch is not None:
        watch.run_dir = run_dir.path
    log(f"trial {trial.number}: " + ", ".join(f"{k}={show(v)}" for k, v in values.items()))
    pruning = pruning_callback(trial, log_key, tcfg.prune)
    callbacks = [pruning] + ([watch.callback(cfg.epochs)] if watch is not None else [])
    t0 = time.perf_counter()
    try:
        result = fit.train(cfg, view, run_dir=run_dir, callbacks=callbacks, quiet=True)
    except Diverged as exc:
        trial.set_user_attr("note", f"diverged: {exc}")
        study.tell(trial, state=TrialState.FAIL)
        log(f"trial {trial.number}: diverged; marked failed")
        if watch is not None:
            watch.run_dir = None
        return
    except Exception as exc:
        trial.set_user_attr("note", (str(exc).splitlines() or [type(exc).__name__])[0][:200])
        study.tell(trial, state=TrialState.FAIL)
        raise  # the guard marks the run directory failed (watch.run_dir still names it)
    if watch is not None:
        watch.run_dir = None
    seconds = time.perf_counter() - t0
    trial.set_user_attr("epochs", result.epochs_run)
    trial.set_user_attr("seconds", round(seconds, 2))
    value = result.metrics.get(metric)
    if pruning.pruned_at is not None:
        study.tell(trial, state=TrialState.PRUNED)
        log(f"trial {trial.number}: pruned after {pruning.pruned_at} epochs "
            f"(validation {metric} {value:.4f}, {seconds:.1f} s)")
    elif value is None or not math.isfinite(value):
        study.tell(trial, state=TrialState.FAIL)
    else:
        study.tell(trial, float(value))
        log(f"trial {trial.number}: validation {metric} {value:.4f} "
            f"({result.epochs_run} epochs, {seconds:.1f} s)")
