"""The one training loop: build, compile, fit and score a model from a TrainConfig.

No Click here: ``kerascli train``, ``compare`` (each seed) and ``forecast`` (and a notebook)
call :func:`train`, so all get the same callbacks (progress, NaN guard, interruption count,
epoch backups for ``--resume``), precision, strategy and XLA settings::

    from kerascli.core import config, data, fit
    cfg = config.make_config("mlp", "iris", epochs=50, params={"hidden": (32,)})
    dataset = data.load_data(cfg)              # refuses impossible model/dataset pairs first
    result = fit.train(cfg, dataset)           # -> TrainResult (model, metrics, history, ...)

Metrics are computed by :mod:`kerascli.core.metrics` on ``model.predict`` outputs, so train,
evaluate, compare and forecast report identical numbers for the same model and data.
Scaling is fitted on the training part only and lives inside the saved model
(Rescaling for images, Normalization for tables), so a saved model takes raw inputs.
"""
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kerascli import datasets, models
from kerascli.core import config, convergence, data, devices, metrics as metrics_mod, results
from kerascli.core.config import TrainConfig
from kerascli.core.rundir import RunDir
from kerascli.errors import Diverged

CLASSIFICATION, REGRESSION = datasets.CLASSIFICATION, datasets.REGRESSION


@dataclass
class TrainResult:
    """What :func:`train` returns; the caller decides how to show it."""

    model: Any  # the trained keras.Model
    history: dict  # metric name -> list of per-epoch values
    metrics: dict  # test metrics (kerascli.core.metrics)
    y_true: Any
    outputs: Any  # the model's test outputs: class probabilities or (scaled) values
    task: str
    train_seconds: float
    predict_seconds: float
    n_params: int
    epochs_run: int
    config: TrainConfig = None
    dataset: dict = field(default_factory=dict)  # Dataset.describe()
    run_dir: Optional[Path] = None
    artifacts: dict = field(default_factory=dict)  # name -> path written
    convergence: dict = field(default_factory=dict)  # core.convergence.report

    @property
    def y_pred(self):
        """Class indices (classification) or values (regression)."""
        import numpy as np
        if self.task == CLASSIFICATION:
            return np.argmax(self.outputs, axis=-1)
        return self.outputs.reshape(np.shape(self.y_true))


# ---------------------------------------------------------------- building and training

def scaling_layers(dataset, x_fit, y_fit):
    """Preprocessing (first) and postprocessing (last) layers fitted on ``x_fit``/``y_fit``.

    Images: Rescaling(1/255). Tables: Normalization with the training part's mean and
    variance, passed explicitly so they are saved in the layer config; a regression target
    is standardised too and restored by an inverted Normalization, so the model predicts in
    the target's units. Series (already scaled by their provider): nothing. Tables with text
    columns or empty cells (raw cell text, ``extra["column_kinds"]``): a TableEncoder adapted
    on ``x_fit`` (one-hot categories, numbers filled and standardised).
    """
    import numpy as np
    from kerascli.runtime import keras_module
    keras = keras_module()
    if dataset.kind == datasets.IMAGE:
        return [keras.layers.Rescaling(1.0 / 255, name="rescale_pixels")], []
    if dataset.kind != datasets.TABULAR:
        return [], []
    if dataset.extra.get("column_kinds"):
        from kerascli.models.layers import TableEncoder
        pre = [TableEncoder.adapted(x_fit, dataset.feature_names, dataset.extra["column_kinds"],
                                    datasets.MAX_CATEGORIES, name="encode_columns")]
    else:
        from kerascli.models.layers import moments  # variance floored by the column's range
        mean, variance = moments(np.asarray(x_fit, dtype=np.float64))
        pre = [keras.layers.Normalization(mean=mean, variance=variance,
                                          name="standardize_features")]
    post = []
    if dataset.task == REGRESSION and np.ndim(y_fit) == 1:
        y = np.asarray(y_fit, dtype=np.float64)
        variance = float(y.var()) or 1.0
        post = [keras.layers.Normalization(mean=[float(y.mean())], variance=[variance], invert=True,
                                           name="restore_target_scale")]
    return pre, post


def build_model(cfg, dataset, x_fit=None, y_fit=None):
    """The model ``cfg`` names, with scaling fitted on ``x_fit``/``y_fit`` (default: the
    dataset's whole training part)."""
    spec = cfg.spec
    x_fit = dataset.x_train if x_fit is None else x_fit
    y_fit = dataset.y_train if y_fit is None else y_fit
    pre, post = scaling_layers(dataset, x_fit, y_fit)
    extra = {}
    if pre:
        extra["preprocess"] = pre
    if post:
        extra["postprocess"] = post
    if dataset.task == CLASSIFICATION:
        n_outputs = dataset.n_classes
    else:
        n_outputs = 1 if len(getattr(dataset.y_train, "shape", ())) < 2 else dataset.y_train.shape[1]
    if pre and hasattr(pre[0], "output_width"):  # a TableEncoder: raw text rows in
        from kerascli.runtime import keras_module
        keras = keras_module()
        body = spec.build((pre[0].output_width,), dataset.task, n_outputs,
                          **spec.build_options(cfg.params), postprocess=post)
        return keras.Sequential([keras.Input(shape=tuple(dataset.input_shape), dtype="string"),
                                 pre[0], *body.layers], name=body.name)
    model = spec.build(tuple(dataset.input_shape), dataset.task, n_outputs,
                       **spec.build_options(cfg.params), **extra)
    spec.initialize(model, x_fit, y_fit)  # a closed-form start (linreg: least squares)
    return model


def compile_model(model, cfg, task, steps_per_epoch, jit_compile=None, steps_per_execution=1):
    """Compile with loss objects (short aliases such as "mse" break .h5 reloading).

    ``jit_compile``: True/False for XLA, None for Keras' "auto" (off on CPU, where XLA
    measured slower for these models, and under tf.distribute strategies)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    spec = cfg.spec
    learning_rate = spec.learning_rate_schedule(cfg.learning_rate, cfg.epochs, steps_per_epoch)
    # the model's own optimizer and loss (cifar --recipe fast); None means the default
    optimizer = spec.optimizer(cfg, steps_per_epoch)
    loss = spec.loss(task, cfg.params_dict)
    if task == CLASSIFICATION:
        loss = loss or keras.losses.SparseCategoricalCrossentropy()
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    else:
        loss = loss or keras.losses.MeanSquaredError()
        metrics = [keras.metrics.MeanAbsoluteError(name="mae")]
    optimizer = optimizer or models.make_optimizer(cfg.optimizer, learning_rate)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics,
                  jit_compile="auto" if jit_compile is None else bool(jit_compile),
                  steps_per_execution=steps_per_execution)


def build_for_runtime(cfg, dataset, runtime_, x_fit, y_fit):
    """:func:`build_model` under the run's dtype policy, with synchronized batch norm when
    several replicas train (so their moving statistics agree and the saved ones are global)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(runtime_.policy)
    try:
        model = build_model(cfg, dataset, x_fit, y_fit)
        if runtime_.policy != "float32":
            # softmax/regression outputs in float32: stable loss, float32 predictions
            model.add(keras.layers.Activation("linear", dtype="float32", name="output_float32"))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    if runtime_.replicas > 1:
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.synchronized = True
    return model


def train(cfg, dataset, *, run_dir=None, callbacks=(), quiet=False, facts=None, finish=True):
    """Train ``cfg.model`` on ``dataset`` and evaluate it on the dataset's test part.

    Args:
        cfg: a :class:`TrainConfig` (see :func:`kerascli.core.config.make_config`).
        dataset: a :class:`kerascli.datasets.Dataset` (see :func:`kerascli.core.data.load_data`).
        run_dir: a :class:`RunDir` (or path): config.json, backups, metrics.json,
            history.csv, plots when ``cfg.plot``, and model.h5 last; None writes nothing.
        callbacks: extra Keras callbacks for ``fit``.
        quiet: no model summary and no progress on stderr.
        facts: the config object written to config.json, when it is not ``cfg`` itself
            (compare's and forecast's configs wrap the TrainConfig).
        finish: save model.h5 and mark ``run_dir`` complete; False leaves that to the caller.

    Returns:
        a :class:`TrainResult`. Same ``cfg`` and data on the same machine: same metrics.
    """
    from kerascli import runtime, stages
    from kerascli.core import callbacks as callbacks_mod, resume, tensorboard

    keras = runtime.keras_module()
    cfg.spec.check_task(dataset)
    cfg = config.derive_from_data(cfg, len(dataset.x_train))  # a user's table or folder
    tensorboard.check_available(cfg.tensorboard)  # one line now, not a traceback inside fit()
    runtime.seed_everything(cfg.seed)
    run = devices.resolve_runtime(cfg)
    with stages.stage("data split"):
        x_fit, y_fit, x_val, y_val = data.validation_split(dataset, cfg.validation_split,
                                                           cfg.seed)
    steps_per_epoch = max(1, math.ceil(len(x_fit) / cfg.batch_size))
    with stages.stage("build"), run.strategy.scope():
        model = build_for_runtime(cfg, dataset, run, x_fit, y_fit)
        compile_model(model, cfg, dataset.task, steps_per_epoch,
                      jit_compile=False if run.custom_loop else cfg.jit,
                      steps_per_execution=run.steps_per_execution)
    n_params = int(model.count_params())

    if run_dir is not None:
        run_dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        with stages.stage("save"):
            run_dir.write_config(facts or cfg, **results.run_record(cfg, dataset, model),
                                 runtime=run.record(model))
    # the NaN guard first: a diverged epoch must not reach the backup; then the epoch backup
    # (RUN_DIR/backup, for --resume), whose on_train_begin restores before anyone reads the epoch
    # the callbacks that steer training (early stopping, ReduceLROnPlateau) before the history
    # (ReduceLROnPlateau adds the rate to the logs) and the backup (which keeps their state)
    # (forecast brings convergence.early_stopping's in ``callbacks``, on its own patience)
    steering = convergence.callbacks(
        cfg, x_val is not None, initial_loss=_initial_loss(cfg, model, x_fit, y_fit, x_val, y_val))
    steering += [c for c in callbacks if resume.steers(c)]
    callbacks = [c for c in callbacks if not resume.steers(c)]
    all_callbacks = [callbacks_mod.divergence_guard(cfg.epochs, cfg.learning_rate),
                     resume.rng_callback(), *steering]
    first_epoch, earlier_history = 0, {}
    if run_dir is not None and run.chief:
        first_epoch = resume.completed_epochs(run_dir.path)
        partial, earlier_history = resume.history_callback(run_dir.path, first_epoch)
        backup = resume.backup_callback(run_dir.path)
        backup.steering = steering
        # the history first: it may run ahead of the backup (cut on resume), never behind
        all_callbacks += [partial, backup]
    all_callbacks += list(callbacks)
    if stages.wanted():  # --verbose or KERASCLI_STAGE_TIMES: each epoch's steps timed too
        all_callbacks.append(callbacks_mod.epoch_clock())
    if not quiet:
        for note in dataset.extra.get("notes", ()):  # what a table's encoding filled or capped
            print(f"note: {dataset.source}: {note}", file=sys.stderr)
        model.summary(print_fn=lambda text, *_, **__: print(text, file=sys.stderr))
        plan = cfg.spec.fine_tune(cfg)  # transfer: a second phase
        progress = callbacks_mod.progress_callback(cfg.epochs + (plan[0] if plan else 0),
                                                   steps=steps_per_epoch)
        # its batch hook only moves a bar: safe to run off the training thread, which keeps
        # Keras' asynchronous batch dispatch (as plain fit() has) instead of a sync per step
        progress.async_safe = True
        batch_end = progress.on_train_batch_end
        # with several steps per call Keras may report a batch index past the epoch's end
        progress.on_train_batch_end = lambda batch, logs=None: batch_end(
            min(batch, steps_per_epoch - 1), logs)
        all_callbacks.append(progress)
    if cfg.tensorboard and run.chief:
        all_callbacks += tensorboard.callbacks(cfg.tensorboard, dataset)

    validation = (x_val, y_val) if x_val is not None else None
    started = time.perf_counter()
    try:
        with stages.stage("fit"):
            history = _fit_phases(cfg, run, model, x_fit, y_fit, validation, all_callbacks,
                                  dataset, steps_per_epoch, first_epoch)
    except Diverged as exc:
        if run_dir is not None:
            run_dir.mark("diverged")
            exc.marked = True
        raise
    train_seconds = time.perf_counter() - started
    history = {k: [float(v) for v in values] for k, values in history.items()}
    if earlier_history:  # a resumed run: the epochs before the restore come from the last run
        # (all of them when it had trained every epoch and only its final files were missing)
        history = {k: earlier_history.get(k, [])[:first_epoch] + history.get(k, [])
                   for k in dict.fromkeys([*earlier_history, *history])}

    with stages.stage("score"):
        started = time.perf_counter()
        outputs = _test_outputs(run, model, dataset)
        predict_seconds = time.perf_counter() - started
        result = TrainResult(model=model, history=history,
                             metrics=metrics_mod.dataset_metrics(dataset, outputs),
                             y_true=dataset.y_test, outputs=outputs, task=dataset.task,
                             train_seconds=train_seconds, predict_seconds=predict_seconds,
                             n_params=n_params, epochs_run=len(next(iter(history.values()), [])),
                             convergence=convergence.report(history, cfg.epochs, cfg.patience),
                             config=cfg, dataset=dataset.describe(), run_dir=run_dir)
    if run_dir is not None:
        with stages.stage("save"):
            result.artifacts = results.save_run(run_dir, result, dataset, finish=finish)
    return result


def _test_outputs(run, model, dataset):
    """The model's outputs on the test part, as float64 NumPy."""
    if run.custom_loop or run.replicas > 1:
        import numpy as np
        from kerascli.core import distribute
        x_test = np.asarray(dataset.x_test)  # image files: decoded (replicas split arrays)
        # Keras' predict() cannot run under a multi-worker strategy, and under Mirrored it
        # fails on a final batch that splits unevenly; a direct call reads the variables as is
        return np.asarray(distribute.predict_batches(model, x_test, 256), dtype=np.float64)
    return metrics_mod.predict_outputs(model, dataset.x_test)


def _fit_phases(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset,
                steps_per_epoch, first_epoch):
    """:func:`_fit`; then, for a model with a ``fine_tune(cfg)`` hook returning (epochs,
    learning rate) (transfer: the head first, base frozen), a second phase: the hook
    ``unfreeze(model, cfg)`` unfreezes layers, the model is recompiled at that learning rate
    and trains on for those epochs. A run resumed inside the second phase skips the first."""
    import dataclasses
    from kerascli.core import resume

    plan = cfg.spec.fine_tune(cfg)
    if not plan or not plan[0]:
        return _fit(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset,
                    steps_per_epoch, first_epoch)
    history = {}
    # the backups stay until the run is complete: a run killed between the phases resumes at
    # fine-tuning (the head phase then only restores), not at epoch 0
    backup = next((c for c in all_callbacks if hasattr(c, "restore_after")), None)
    if first_epoch <= cfg.epochs:
        history = _fit(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset,
                       steps_per_epoch, first_epoch)
    if backup is not None:
        backup.restore_after = cfg.epochs
    cfg.spec.unfreeze(model, cfg)
    tuned = dataclasses.replace(cfg, epochs=cfg.epochs + int(plan[0]), learning_rate=plan[1])
    with run.strategy.scope():
        compile_model(model, tuned, dataset.task, steps_per_epoch,
                      jit_compile=False if run.custom_loop else cfg.jit,
                      steps_per_execution=run.steps_per_execution)
    resume.set_initial_epoch(model, cfg.epochs)  # a backup of this phase may move it on
    more = _fit(tuned, run, model, x_fit, y_fit, validation, all_callbacks, dataset,
                steps_per_epoch, max(first_epoch, cfg.epochs))
    return {k: list(history.get(k, [])) + list(v) for k, v in more.items()}


def _initial_loss(cfg, model, x_fit, y_fit, x_val, y_val):
    """The watched loss before training, for a model that starts from a closed-form solution
    (early stopping then keeps those weights unless an epoch beats them); else None."""
    if not cfg.patience or not cfg.spec.closed_form_start:
        return None
    from kerascli.core import tfdata as pipeline

    x, y = (x_fit, y_fit) if x_val is None else (x_val, y_val)
    feed = pipeline.from_arrays(x, y, batch_size=cfg.batch_size, shuffle=False)
    return float(model.evaluate(feed, verbose=0, return_dict=True)["loss"])


def _fit(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset, steps_per_epoch,
         first_epoch):
    """Run the training loop; returns the history dict."""
    from kerascli import stages
    from kerascli.core import distribute, resume, tfdata as pipeline

    if pipeline.is_streamed(x_fit) and (run.custom_loop or run.replicas > 1):
        import numpy as np  # an image folder under several replicas: decoded into memory
        x_fit = np.asarray(x_fit)
        if validation is not None:
            validation = (np.asarray(validation[0]), validation[1])
    if run.custom_loop:
        return distribute.fit_custom_loop(
            model, x_fit, y_fit, strategy=run.strategy, epochs=cfg.epochs,
            batch_size=cfg.batch_size, seed=cfg.seed,
            classification=dataset.task == CLASSIFICATION, validation_data=validation,
            callbacks=all_callbacks)
    if pipeline.is_streamed(x_fit):  # an image folder: read and decoded batch by batch
        feed, start_epoch = pipeline.image_feed(x_fit, y_fit, batch_size=cfg.batch_size,
                                                seed=cfg.seed)
        all_callbacks = [*all_callbacks, start_epoch]  # after BackupAndRestore's restore
        fit_args = dict(x=feed, shuffle=False)
        if validation is not None:
            validation = pipeline.image_batches(*validation, batch_size=cfg.batch_size)
    elif devices.TF_DATA_FEED and run.replicas == 1:
        # epoch e's order depends on (seed, e) only, so a resumed run sees the same batches
        with stages.stage("data split"):
            feed, start_epoch = pipeline.array_feed(x_fit, y_fit, batch_size=cfg.batch_size,
                                                    seed=cfg.seed)
            if validation is not None:
                validation = pipeline.from_arrays(*validation, batch_size=cfg.batch_size,
                                                  shuffle=False)
        all_callbacks = [*all_callbacks, start_epoch]  # after BackupAndRestore's restore
        fit_args = dict(x=feed, shuffle=False)
    elif devices.TF_DATA_FEED:  # several replicas: Keras distributes the pipeline itself
        # A batch that splits unevenly across replicas fails inside Keras 3.15's distributed
        # step ("AddN must have the same size"): drop the last partial training batch, and
        # trim the validation set to a multiple of the replica count (at most replicas-1 rows).
        fit_args = dict(x=pipeline.from_arrays(x_fit, y_fit, batch_size=cfg.batch_size,
                                               seed=cfg.seed,
                                               drop_remainder=len(x_fit) >= cfg.batch_size),
                        shuffle=False)
        if validation is not None:
            keep = len(validation[0]) - len(validation[0]) % run.replicas
            validation = (pipeline.from_arrays(validation[0][:keep], validation[1][:keep],
                                               batch_size=cfg.batch_size, shuffle=False)
                          if keep else None)
    else:
        fit_args = dict(x=x_fit, y=y_fit, batch_size=cfg.batch_size, shuffle=True)
    return model.fit(**fit_args, epochs=cfg.epochs, validation_data=validation,
                     callbacks=all_callbacks, verbose=0).history
