"""Training to convergence, and saying when a run did not get there.

A run on a user's CSV table or image folder has no measured number of epochs: it trains up to
a generous cap (:func:`kerascli.core.config.derive_from_data`) and :func:`callbacks` stop it
once the watched loss has not improved for ``cfg.patience`` epochs, restoring the best
weights. The watched loss is the validation loss when there is a validation part; without one
(``compare``, whose network fits exactly the baselines' rows) it is the training loss, which
is how scikit-learn's iterative estimators stop too (``tol`` on the training objective).

:func:`report` looks at any finished history (early stopping or a fixed number of epochs) and
returns a one-line note when the run ended while the loss was still falling fast.
"""
import functools

from kerascli.runtime import keras_module

# still falling by more than this fraction per epoch, on average over the last fifth of the
# epochs (at least one): "far from converged"
STILL_FALLING_PER_EPOCH = 0.02
MIN_DELTA = 1e-3  # relative improvement that counts for early stopping


def monitor(has_validation):
    return "val_loss" if has_validation else "loss"


def callbacks(cfg, has_validation, initial_loss=None):
    """EarlyStopping (best weights restored) and, for a plain float learning rate,
    ReduceLROnPlateau, when ``cfg.patience`` is set; [] otherwise. ``initial_loss``: the
    watched loss of the starting weights (a closed-form start), which an epoch must beat."""
    if not cfg.patience:
        return []
    keras = keras_module()
    watched = monitor(has_validation)
    found = [early_stopping(watched, cfg.patience, initial=initial_loss)]
    if not any(cfg.spec.overrides(hook) for hook in ("learning_rate_schedule", "optimizer")):
        # a smaller step once the loss stalls: the last digits of a convex fit (linreg) come
        # from here, not from more epochs at the first rate
        found.insert(0, keras.callbacks.ReduceLROnPlateau(
            monitor=watched, factor=0.3, patience=max(2, cfg.patience // 3), min_lr=1e-6,
            min_delta=MIN_DELTA, verbose=0))
    return found


def early_stopping(watched, patience, *, initial=None, relative_delta=MIN_DELTA):
    """The early stopping of every command: stop once ``watched`` has not fallen by
    ``relative_delta`` of its best value for ``patience`` epochs, and restore the best
    weights. ``initial``: the loss of the starting weights, which an epoch must beat."""
    keras = keras_module()
    return _RelativeEarlyStopping(keras)(monitor=watched, patience=patience,
                                         restore_best_weights=True, initial=initial,
                                         relative_delta=relative_delta)


@functools.cache
def _RelativeEarlyStopping(keras):
    """EarlyStopping whose ``min_delta`` is relative to the best loss so far (a loss of 1e5
    and one of 1e-3 stall alike)."""

    class RelativeEarlyStopping(keras.callbacks.EarlyStopping):
        def __init__(self, initial=None, relative_delta=MIN_DELTA, **kwargs):
            super().__init__(**kwargs)
            self.initial, self.relative_delta = initial, relative_delta

        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            if self.initial is not None:  # the starting weights are the best so far
                self.best, self.best_weights = self.initial, self.model.get_weights()

        # Keras' private comparison and its best/best_weights (keras/src/callbacks/
        # early_stopping.py); a Keras that changes them fails tests/training/
        # test_early_stopping.py
        def _is_improvement(self, monitor_value, reference_value):
            if reference_value is None:
                return True
            return monitor_value < reference_value - self.relative_delta * abs(reference_value)

    return RelativeEarlyStopping


def report(history, epochs, patience=None):
    """What the history says about convergence: a JSON-ready dict with ``monitor``,
    ``best_epoch``, ``stopped_early`` and ``note`` (one line, or None when converged or when
    too few epochs ran to tell)."""
    watched = "val_loss" if history.get("val_loss") else "loss"
    losses = [float(v) for v in history.get(watched, [])]
    n = len(losses)
    out = {"monitor": watched, "epochs_run": n, "epoch_cap": int(epochs),
           "best_epoch": (losses.index(min(losses)) + 1) if losses else None,
           "stopped_early": bool(patience) and n < epochs, "still_falling_per_epoch": None,
           "note": None}
    if n < 3 or out["stopped_early"]:
        return out
    window = max(1, n // 5)
    before, after = min(losses[:n - window]), min(losses[n - window:])
    per_epoch = (before - after) / max(abs(before), 1e-12) / window
    out["still_falling_per_epoch"] = round(per_epoch, 4)
    if per_epoch > STILL_FALLING_PER_EPOCH:
        name = "validation loss" if watched == "val_loss" else "training loss"
        word = "epoch" if window == 1 else f"{window} epochs"
        out["note"] = (f"not converged: the {name} was still falling ({per_epoch:.1%} per epoch "
                       f"over the last {word}) when training stopped at epoch {n}/{epochs}; "
                       "more --epochs would likely help.")
    return out
