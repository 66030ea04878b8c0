"""One early stopping (core.convergence.early_stopping) for train, compare and forecast. It
overrides Keras' private EarlyStopping._is_improvement and sets its best/best_weights: a Keras
that changes them must fail here, not train on silently with another rule."""
import inspect

import numpy as np


def test_early_stopping_private_comparison_still_exists():
    import keras

    method = getattr(keras.callbacks.EarlyStopping, "_is_improvement", None)
    assert method is not None, "EarlyStopping._is_improvement is gone"
    assert list(inspect.signature(method).parameters) == ["self", "monitor_value",
                                                          "reference_value"]
    from kerascli.core import convergence
    stopper = convergence.early_stopping("loss", 1)
    stopper.on_train_begin()
    assert stopper._is_improvement(0.95, 1.0) and not stopper._is_improvement(0.9995, 1.0)
    plain = convergence.early_stopping("loss", 1, relative_delta=0)
    assert plain._is_improvement(0.9995, 1.0) and not plain._is_improvement(1.0, 1.0)


def test_starting_weights_that_no_epoch_beats_are_restored():
    """``initial`` sets Keras' best and best_weights: an epoch must beat the starting loss, and
    when none does training stops after the patience with the starting weights back."""
    import keras

    from kerascli.core import convergence
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    start = [w.copy() for w in model.get_weights()]
    x = np.random.default_rng(0).random((16, 2)).astype("float32")
    stopper = convergence.early_stopping("loss", 2, initial=0.0)  # a loss no epoch reaches
    history = model.fit(x, x[:, :1], epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 2  # the patience: no epoch improved on the start
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), start))


def test_forecast_stops_with_the_core_early_stopping_on_its_patience():
    from kerascli.core import config as core_config, convergence, resume
    from kerascli.forecasting.defaults import early_stopping

    cfg = core_config.ForecastConfig(train=core_config.make_config("lstm", out=None),
                                     early_stopping=7)
    (stopper,) = early_stopping(cfg)
    assert type(stopper) is type(convergence.early_stopping("loss", 1))
    assert (stopper.monitor, stopper.patience, stopper.restore_best_weights) == \
        ("val_loss", 7, True)
    assert stopper.relative_delta == 0 and resume.steers(stopper)
    assert early_stopping(core_config.ForecastConfig(train=cfg.train)) == []


def test_only_a_closed_form_start_is_scored_before_training():
    """linreg's and lstm's ``initialize`` set a fitted solution, which early stopping must beat;
    cifar's (the whitened stem) only prepares training, so its random start is not scored
    (an extra validation pass, and a start early stopping could wrongly keep)."""
    from kerascli.core import config as core_config, fit
    from kerascli.models import get as get_model

    assert get_model("linreg").closed_form_start and get_model("lstm").closed_form_start
    assert get_model("cifar").overrides("initialize") and not get_model("cifar").closed_form_start
    scored = []

    class Model:
        def evaluate(self, feed, **kwargs):
            scored.append(feed)
            return {"loss": 0.5}

    x, y = np.zeros((4, 2), "float32"), np.zeros(4, "float32")
    for name, expected in (("linreg", 0.5), ("cifar", None), ("mlp", None)):
        cfg = core_config.make_config(name, out=None, patience=3)
        assert fit._initial_loss(cfg, Model(), x, y, x, y) == expected, name
    assert len(scored) == 1
    linreg = core_config.make_config("linreg", out=None)  # no --patience: nothing to keep
    assert fit._initial_loss(linreg, Model(), x, y, x, y) is None and len(scored) == 1
