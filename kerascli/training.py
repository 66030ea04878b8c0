"""The training core: configuration, compile/fit/evaluate, metrics and run artifacts.

No Click here: ``kerascli train``, ``compare`` and ``forecast`` (and a notebook) call it::

    from kerascli import training
    cfg = training.make_config("mlp", "iris", epochs=50, params={"hidden": (32,)})
    dataset = training.load_data(cfg)          # refuses impossible model/dataset pairs first
    result = training.train(cfg, dataset)       # -> TrainResult (model, metrics, history, ...)

Metrics are computed with scikit-learn on ``model.predict`` outputs (:func:`evaluate_arrays`),
so train, evaluate and compare report identical numbers for the same model and data.
Scaling is fitted on the training part only and lives inside the saved model
(Rescaling for images, Normalization for tables), so a saved model takes raw inputs.
"""
import csv
import dataclasses
import io
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kerascli import artifacts, datasets, models
from kerascli.errors import UserError

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adamax", "adagrad", "adadelta",
              "lion")
CLASSIFICATION, REGRESSION = datasets.CLASSIFICATION, datasets.REGRESSION
RUN_MODEL_FILE = "model.h5"
PRECISIONS = ("float32", "mixed")
# fit() is fed from a tf.data pipeline (kerascli.pipeline.from_arrays) rather than NumPy
# arrays where that measured faster: benchmarks/pipeline.py, benchmarks/RESULTS.md
TF_DATA_FEED = True
# training steps per graph call: fewer Python round trips for small models (mlp on MNIST:
# 1.09x images per CPU-second, same weights to the bit); callbacks see every 8th batch
STEPS_PER_EXECUTION = 8


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run; written to ``config.json`` beside it."""

    model: str
    dataset: str  # registry name, CSV file or image folder (as the user gave it)
    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: str = "adam"
    validation_split: float = 0.1  # held out of the training part to watch overfitting
    seed: int = 42  # weights, shuffling, dropout, augmentation, validation split
    params: tuple = ()  # the model's own options as (name, value) pairs
    out: Optional[str] = "runs"
    tensorboard: Optional[str] = None
    plot: bool = False
    # how the data is read (LoadOptions); None means the dataset's default
    label: Optional[str] = None
    features: Optional[tuple] = None
    image_size: Optional[tuple] = None
    data_dir: Optional[str] = None
    cache_dir: Optional[str] = None
    # how it runs (see resolve_runtime; the resolved values go to config.json "runtime")
    strategy: str = "auto"  # auto, default, mirrored, multiworker (kerascli.distribute)
    precision: str = "float32"  # float32 or mixed (GPU only)
    jit: Optional[bool] = None  # XLA; None: Keras' per-device default (off on CPU)

    @property
    def params_dict(self):
        return dict(self.params)

    def load_options(self):
        """The :class:`kerascli.datasets.LoadOptions` this configuration reads data with."""
        options = datasets.LoadOptions(
            data_dir=Path(self.data_dir) if self.data_dir else None,
            cache_dir=Path(self.cache_dir) if self.cache_dir else None,
            label=self.label,
            features=tuple(self.features) if self.features else None,
            image_size=tuple(self.image_size) if self.image_size else None)
        return options

    def to_dict(self):
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items() if k != "params"} | {
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params}}


@dataclass
class TrainResult:
    """What :func:`train` returns; the caller decides how to show it."""

    model: Any  # the trained keras.Model
    history: dict  # metric name -> list of per-epoch values
    metrics: dict  # test metrics (see evaluate_arrays)
    y_true: Any
    y_pred: Any  # class indices (classification) or values (regression)
    y_proba: Any  # class probabilities (classification) or None
    train_seconds: float
    predict_seconds: float
    n_params: int
    epochs_run: int
    config: TrainConfig = None
    dataset: dict = field(default_factory=dict)  # Dataset.describe()
    run_dir: Optional[Path] = None
    artifacts: dict = field(default_factory=dict)  # name -> path written


# ---------------------------------------------------------------- configuration

def dataset_key(spec):
    """The registry name a --dataset argument resolves to (``csv``/``images`` for paths)."""
    name, _ = datasets.resolve(spec)
    return name


def make_config(model, dataset=None, *, epochs=None, batch_size=None, learning_rate=None,
                optimizer=None, params=None, **options):
    """A validated :class:`TrainConfig`; ``None`` means the model's default for that dataset.

    Defaults come from the model's ``INFO`` overridden by ``INFO.per_dataset[dataset]``
    (training settings and model params alike); the model's default dataset also brings its
    ``dataset_options`` (linreg: Iris ``label``/``features``) unless label/features are given.
    ``options`` are the remaining :class:`TrainConfig` fields (seed, out, plot, ...).
    """
    module = models.get(model)
    info = module.INFO
    dataset = dataset or info.default_dataset
    per_dataset = info.per_dataset.get(dataset_key(dataset), {})

    def pick(name, given):
        if given is not None:
            return given
        return recipe_defaults.get(name, per_dataset.get(name, getattr(info, name)))

    declared = {p.name: p for p in info.params}
    given_params = dict(params or {})
    unknown = sorted(set(given_params) - set(declared))
    if unknown:
        raise UserError(f"model {model!r} has no option {unknown[0]!r}; its options are: "
                        f"{', '.join(declared) or 'none'}.")
    resolved_params = []
    for name, param in declared.items():
        value = given_params.get(name)
        if value is None:
            value = per_dataset.get(name, param.default)
        resolved_params.append((name, _check_param(model, param, value)))
    # a model's recipe may bring its own training defaults (cifar --recipe fast)
    recipe_defaults = (module.training_defaults(dict(resolved_params))
                       if hasattr(module, "training_defaults") else {})

    if dataset == info.default_dataset and not options.get("label") and not options.get("features"):
        for key, value in info.dataset_options.items():
            if options.get(key) is None:
                options[key] = value
    if options.get("features") is not None:
        options["features"] = tuple(options["features"])
    if options.get("image_size") is not None:
        options["image_size"] = tuple(options["image_size"])
    for key in ("out", "tensorboard", "data_dir", "cache_dir"):
        if options.get(key) is not None:
            options[key] = str(options[key])
    cfg = TrainConfig(model=model, dataset=str(dataset), epochs=int(pick("epochs", epochs)),
                      batch_size=int(pick("batch_size", batch_size)),
                      learning_rate=float(pick("learning_rate", learning_rate)),
                      optimizer=pick("optimizer", optimizer), params=tuple(resolved_params),
                      **options)
    _validate(cfg)
    return cfg


def _check_param(model, param, value):
    option = f"--{param.name.replace('_', '-')}"
    if param.type == "ints":
        value = tuple(int(v) for v in value)
        if not value or min(value) < 1:
            raise UserError(f"{option}: give positive layer sizes such as 256,128 (model {model}).")
    elif param.type == "int":
        value = int(value)
    elif param.type == "float":
        value = float(value)
        if param.name == "dropout" and not 0 <= value < 1:
            raise UserError(f"{option} {value}: a dropout rate is in [0, 1).")
    elif param.type == "choice" and value not in param.choices:
        raise UserError(f"{option} {value!r}: choose one of {', '.join(param.choices)}.")
    return value


def _validate(cfg):
    if cfg.epochs < 1:
        raise UserError(f"--epochs {cfg.epochs}: must be at least 1.")
    if cfg.batch_size < 1:
        raise UserError(f"--batch-size {cfg.batch_size}: must be at least 1.")
    if not cfg.learning_rate > 0 or not math.isfinite(cfg.learning_rate):
        raise UserError(f"--learning-rate {cfg.learning_rate}: must be a positive number.")
    if cfg.optimizer not in OPTIMIZERS:
        raise UserError(f"--optimizer {cfg.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.")
    if not 0 <= cfg.validation_split < 1:
        raise UserError(f"--validation-split {cfg.validation_split}: must be in [0, 1).")
    from kerascli.distribute import STRATEGIES
    if cfg.strategy not in STRATEGIES:
        raise UserError(f"--strategy {cfg.strategy!r}: choose one of {', '.join(STRATEGIES)}.")
    if cfg.precision not in PRECISIONS:
        raise UserError(f"--precision {cfg.precision!r}: choose one of {', '.join(PRECISIONS)}.")
    if cfg.jit and cfg.strategy == "multiworker":
        raise UserError("--jit: not available with --strategy multiworker (its custom training "
                        "step runs without XLA); drop --jit.")


def resolve_dataset(cfg):
    """(registry name, path or None) of the dataset ``cfg`` trains on.

    A CSV file is a ``csv`` table, except for a model that takes series and not tables
    (lstm): then it is read as a ``series`` (windows of the CSV's numeric column).
    """
    name, path = datasets.resolve(cfg.dataset)
    accepts = models.get(cfg.model).INFO.accepts
    if name == "csv" and datasets.TABULAR not in accepts and datasets.SERIES in accepts:
        name = "series"
    return name, path


def check_compatible(cfg):
    """Refuse a model/dataset pair that cannot work, without loading any data."""
    name, _ = resolve_dataset(cfg)
    models.check_compatible(cfg.model, datasets.get(name).INFO)


def load_data(cfg):
    """Check the model/dataset pair, then load the dataset ``cfg`` names."""
    check_compatible(cfg)
    name, path = resolve_dataset(cfg)
    options = cfg.load_options()
    if path is not None:
        options = dataclasses.replace(options, path=path)
    dataset = datasets.get(name).load(options)
    check_task(cfg.model, dataset)
    return dataset


def check_task(model, dataset):
    info = models.get(model).INFO
    if dataset.task not in info.tasks:
        hint = (" choose a numeric target with --label" if REGRESSION in info.tasks
                else " choose a class column with --label")
        raise UserError(f"model {model!r} does {' and '.join(sorted(info.tasks))}, but dataset "
                        f"{dataset.name!r} is a {dataset.task} task;{hint}.")


# ---------------------------------------------------------------- building and training

def scaling_layers(dataset, x_fit, y_fit):
    """Preprocessing (first) and postprocessing (last) layers fitted on ``x_fit``/``y_fit``.

    Images: Rescaling(1/255). Tables: Normalization with the training part's mean and
    variance, passed explicitly so they are saved in the layer config; a regression target
    is standardised too and restored by an inverted Normalization, so the model predicts in
    the target's units. Series (already scaled by their provider): nothing.
    """
    import numpy as np
    from kerascli.runtime import keras_module
    keras = keras_module()
    if dataset.kind == datasets.IMAGE:
        return [keras.layers.Rescaling(1.0 / 255, name="rescale_pixels")], []
    if dataset.kind != datasets.TABULAR:
        return [], []
    x = np.asarray(x_fit, dtype=np.float64)
    pre = [keras.layers.Normalization(mean=x.mean(axis=0).tolist(), variance=x.var(axis=0).tolist(),
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
    module = models.get(cfg.model)
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
    return module.build(tuple(dataset.input_shape), dataset.task, n_outputs,
                        **cfg.params_dict, **extra)


def make_optimizer(name, learning_rate):
    from kerascli.runtime import keras_module
    keras = keras_module()
    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
               "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop,
               "nadam": keras.optimizers.Nadam, "adamax": keras.optimizers.Adamax,
               "adagrad": keras.optimizers.Adagrad, "adadelta": keras.optimizers.Adadelta,
               "lion": keras.optimizers.Lion}
    if name not in classes:
        raise UserError(f"--optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}.")
    return classes[name](learning_rate=learning_rate)


def compile_model(model, cfg, task, steps_per_epoch, jit_compile=None, steps_per_execution=1):
    """Compile with loss objects (short aliases such as "mse" break .h5 reloading).

    ``jit_compile``: True/False for XLA, None for Keras' "auto" (off on CPU, where XLA
    measured slower for these models, and under tf.distribute strategies)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    module = models.get(cfg.model)
    learning_rate = cfg.learning_rate
    if hasattr(module, "learning_rate_schedule"):
        learning_rate = module.learning_rate_schedule(cfg.learning_rate, cfg.epochs, steps_per_epoch)
    # optional model hooks (cifar --recipe fast): an optimizer, a loss; None means the default
    optimizer = module.optimizer(cfg, steps_per_epoch) if hasattr(module, "optimizer") else None
    loss = module.loss(task, cfg.params_dict) if hasattr(module, "loss") else None
    if task == CLASSIFICATION:
        loss = loss or keras.losses.SparseCategoricalCrossentropy()
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    else:
        loss = loss or keras.losses.MeanSquaredError()
        metrics = [keras.metrics.MeanAbsoluteError(name="mae")]
    optimizer = optimizer or make_optimizer(cfg.optimizer, learning_rate)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics,
                  jit_compile="auto" if jit_compile is None else bool(jit_compile),
                  steps_per_execution=steps_per_execution)


def validation_split(dataset, fraction, seed):
    """(x_fit, y_fit, x_val, y_val): a seeded, shuffled (stratified when possible) split of
    the training part -- for series, the latest windows -- ; validation arrays are None when
    ``fraction`` is 0 or the data too few."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    x, y = dataset.x_train, dataset.y_train
    n_val = int(round(fraction * len(x)))
    if fraction <= 0 or n_val < 1 or len(x) - n_val < 1:
        return x, y, None, None
    if dataset.kind == datasets.SERIES:  # windows are in time order: validate on the latest
        return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    stratify = None
    if dataset.task == CLASSIFICATION:
        counts = np.bincount(np.asarray(y, dtype=np.int64))
        if counts[counts > 0].min() >= 2 and n_val >= np.count_nonzero(counts) \
                and len(x) - n_val >= np.count_nonzero(counts):
            stratify = y
    x_fit, x_val, y_fit, y_val = train_test_split(x, y, test_size=n_val, random_state=seed,
                                                  stratify=stratify)
    return x_fit, y_fit, x_val, y_val


# ---------------------------------------------------------------- strategy, precision, XLA

def mixed_policy():
    """The Keras dtype policy ``--precision mixed`` means on this machine.

    bfloat16 on GPUs of compute capability 8.0 or newer (Ampere, Hopper: tensor cores, no loss
    scaling needed), float16 with loss scaling on 7.x (Volta, Turing). Refused on CPUs and older
    GPUs, where half precision is slower than float32 or not supported.
    """
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        raise UserError("--precision mixed: needs a GPU of compute capability 7.0 or newer and "
                        "none is visible; use --precision float32 (the default) on CPU.")
    capability = min(tuple(tf.config.experimental.get_device_details(g).get("compute_capability")
                           or (0, 0)) for g in gpus)
    if capability >= (8, 0):
        return "mixed_bfloat16"
    if capability >= (7, 0):
        return "mixed_float16"
    raise UserError(f"--precision mixed: this GPU has compute capability "
                    f"{capability[0]}.{capability[1]}, mixed precision needs 7.0 or newer; "
                    "use --precision float32.")


def check_runtime(cfg):
    """Refuse what this machine cannot run (``--precision mixed`` without a suitable GPU)
    before any data loads or a run directory is made."""
    if cfg.precision == "mixed":
        mixed_policy()


@dataclass
class Runtime:
    """How a run executes, resolved from ``cfg`` on this machine (recorded in config.json)."""

    strategy: Any  # a tf.distribute.Strategy
    strategy_name: str  # default, mirrored or multiworker (auto resolved)
    replicas: int
    policy: str  # Keras dtype policy: float32, mixed_float16 or mixed_bfloat16
    custom_loop: bool  # multiworker: distribute.fit_custom_loop instead of fit()
    chief: bool

    @property
    def steps_per_execution(self):
        # several steps per call break under tf.distribute in Keras 3.15 (MirroredStrategy:
        # "You must feed a value for placeholder tensor ... while/cond/Placeholder")
        return STEPS_PER_EXECUTION if self.replicas == 1 and not self.custom_loop else 1

    def record(self, model=None):
        jit = getattr(model, "jit_compile", None) if model is not None else None
        return {"strategy": self.strategy_name, "replicas": self.replicas,
                "precision": "float32" if self.policy == "float32" else "mixed",
                "dtype_policy": self.policy, "jit_compile": bool(jit) if jit is not None else None,
                "training_loop": "custom (distributed step)" if self.custom_loop else "fit",
                "input_pipeline": "tf.data" if TF_DATA_FEED or self.custom_loop else "numpy",
                "steps_per_execution": self.steps_per_execution,
                "chief": self.chief}


def resolve_runtime(cfg):
    """Create the strategy and pick the dtype policy ``cfg`` asks for (before building)."""
    from kerascli import distribute
    policy = mixed_policy() if cfg.precision == "mixed" else "float32"
    strategy = distribute.make_strategy(cfg.strategy)
    custom = distribute.needs_custom_loop(strategy)
    name = "multiworker" if custom else (
        "mirrored" if type(strategy).__name__.startswith("Mirrored") else "default")
    return Runtime(strategy=strategy, strategy_name=name,
                   replicas=int(strategy.num_replicas_in_sync), policy=policy,
                   custom_loop=custom, chief=distribute.is_chief() if custom else True)


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


def train(cfg, dataset, *, run_dir=None, callbacks=(), quiet=False):
    """Train ``cfg.model`` on ``dataset`` and evaluate it on the dataset's test part.

    Args:
        cfg: a :class:`TrainConfig` (see :func:`make_config`).
        dataset: a :class:`kerascli.datasets.Dataset` (see :func:`load_data`).
        run_dir: if given, write model.h5, config.json, metrics.json, history.csv (and PNG
            plots when ``cfg.plot``) there and mark it complete; if None, write nothing.
        callbacks: extra Keras callbacks for ``fit``.
        quiet: no model summary and no progress on stderr.

    Returns:
        a :class:`TrainResult`. Same ``cfg`` and data on the same machine: same metrics.
    """
    import numpy as np
    from kerascli import runtime
    from kerascli.progress import progress_callback

    from kerascli import distribute

    keras = runtime.keras_module()
    check_task(cfg.model, dataset)
    runtime.seed_everything(cfg.seed)
    run = resolve_runtime(cfg)
    x_fit, y_fit, x_val, y_val = validation_split(dataset, cfg.validation_split, cfg.seed)
    steps_per_epoch = max(1, math.ceil(len(x_fit) / cfg.batch_size))
    with run.strategy.scope():
        model = build_for_runtime(cfg, dataset, run, x_fit, y_fit)
        compile_model(model, cfg, dataset.task, steps_per_epoch,
                      jit_compile=False if run.custom_loop else cfg.jit,
                      steps_per_execution=run.steps_per_execution)
    n_params = int(model.count_params())

    if run_dir is not None:
        run_dir = Path(run_dir)
        artifacts.write_json(run_dir / "config.json",
                             run_record(cfg, dataset, model) | {"runtime": run.record(model)})
    # the NaN guard first: a diverged epoch must not reach the backup; then the epoch backup
    # (RUN_DIR/backup, for --resume), whose on_train_begin restores before anyone reads the epoch
    from kerascli import resume, safety
    all_callbacks = [safety.divergence_guard(cfg.epochs, cfg.learning_rate),
                     resume.rng_callback()]
    first_epoch, earlier_history = 0, {}
    if run_dir is not None and run.chief:
        first_epoch = resume.completed_epochs(run_dir)
        partial, earlier_history = resume.history_callback(run_dir, first_epoch)
        # the history first: it may run ahead of the backup (cut on resume), never behind
        all_callbacks += [partial, resume.backup_callback(run_dir)]
    all_callbacks += list(callbacks)
    if not quiet:
        model.summary(print_fn=lambda text, *_, **__: print(text, file=sys.stderr))
        progress = progress_callback(cfg.epochs, steps=steps_per_epoch)
        # its batch hook only moves a bar: safe to run off the training thread, which keeps
        # Keras' asynchronous batch dispatch (as plain fit() has) instead of a sync per step
        progress.async_safe = True
        batch_end = progress.on_train_batch_end
        # with several steps per call Keras may report a batch index past the epoch's end
        progress.on_train_batch_end = lambda batch, logs=None: batch_end(
            min(batch, steps_per_epoch - 1), logs)
        all_callbacks.append(progress)
    if cfg.tensorboard and run.chief:
        all_callbacks.append(keras.callbacks.TensorBoard(log_dir=str(cfg.tensorboard)))

    validation = (x_val, y_val) if x_val is not None else None
    started = time.perf_counter()
    try:
        history = _fit(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset,
                       steps_per_epoch, first_epoch)
    except safety.Diverged as exc:
        if run_dir is not None:
            artifacts.mark_incomplete(run_dir, "diverged")
            exc.marked = True
        raise
    train_seconds = time.perf_counter() - started
    history = {k: [float(v) for v in values] for k, values in history.items()}
    if earlier_history:  # a resumed run: the epochs before the restore come from the last run
        history = {k: earlier_history.get(k, [])[:first_epoch] + v for k, v in history.items()}

    started = time.perf_counter()
    if run.custom_loop or run.replicas > 1:
        # Keras' predict() cannot run under a multi-worker strategy, and under Mirrored it
        # fails on a final batch that splits unevenly; a direct call reads the variables as is
        outputs = np.asarray(distribute.predict_batches(model, dataset.x_test, 256), dtype=np.float64)
    else:
        outputs = predict_outputs(model, dataset.x_test)
    predict_seconds = time.perf_counter() - started
    metrics = metrics_from_outputs(dataset.task, dataset.y_test, outputs, dataset.n_classes)
    y_proba = outputs if dataset.task == CLASSIFICATION else None
    y_pred = (np.argmax(outputs, axis=-1) if dataset.task == CLASSIFICATION
              else outputs.reshape(np.shape(dataset.y_test)))
    result = TrainResult(model=model, history=history, metrics=metrics, y_true=dataset.y_test,
                         y_pred=y_pred, y_proba=y_proba, train_seconds=train_seconds,
                         predict_seconds=predict_seconds, n_params=n_params,
                         epochs_run=len(next(iter(history.values()), [])), config=cfg,
                         dataset=dataset.describe(), run_dir=run_dir)
    if run_dir is not None:
        result.artifacts = save_run(run_dir, result, dataset)
    return result


def _fit(cfg, run, model, x_fit, y_fit, validation, all_callbacks, dataset, steps_per_epoch,
         first_epoch):
    """Run the training loop; returns the history dict."""
    from kerascli import distribute, pipeline, resume

    if run.custom_loop:
        return distribute.fit_custom_loop(
            model, x_fit, y_fit, strategy=run.strategy, epochs=cfg.epochs,
            batch_size=cfg.batch_size, seed=cfg.seed,
            classification=dataset.task == CLASSIFICATION, validation_data=validation,
            callbacks=all_callbacks)
    if TF_DATA_FEED and run.replicas == 1:
        # epoch e's order depends on (seed, e) only, so a resumed run sees the same batches
        feed, start_epoch = resume.epoch_feed(x_fit, y_fit, batch_size=cfg.batch_size,
                                              seed=cfg.seed)
        all_callbacks = [*all_callbacks, start_epoch]  # after BackupAndRestore's restore
        fit_args = dict(x=feed, shuffle=False)
        if validation is not None:
            validation = pipeline.from_arrays(*validation, batch_size=cfg.batch_size,
                                              shuffle=False)
    elif TF_DATA_FEED:  # several replicas: Keras distributes the pipeline itself
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


# ---------------------------------------------------------------- metrics

def predict_outputs(model, x, batch_size=256):
    """``model.predict`` as float64 NumPy, quietly (Keras' bar would go to stdout)."""
    import numpy as np
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float64)


def metrics_from_outputs(task, y_true, outputs, n_classes=None):
    """Test metrics from model outputs, computed with scikit-learn.

    Classification: accuracy, macro_f1, loss (cross-entropy). Regression: rmse, mae, r2,
    loss (mean squared error). Plain floats, ready for JSON.
    """
    import numpy as np
    from sklearn import metrics as skm

    y_true = np.asarray(y_true)
    if task == CLASSIFICATION:
        n_classes = n_classes or outputs.shape[-1]
        labels = list(range(n_classes))
        y_pred = np.argmax(outputs, axis=-1)
        proba = np.clip(outputs, 1e-7, 1.0)
        proba = proba / proba.sum(axis=-1, keepdims=True)
        return {"accuracy": float(skm.accuracy_score(y_true, y_pred)),
                "macro_f1": float(skm.f1_score(y_true, y_pred, labels=labels, average="macro",
                                               zero_division=0)),
                "loss": float(skm.log_loss(y_true, proba, labels=labels))}
    y_pred = outputs.reshape(y_true.shape)
    mse = float(skm.mean_squared_error(y_true, y_pred))
    return {"rmse": math.sqrt(mse), "mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "r2": float(skm.r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
            "loss": mse}


def evaluate_arrays(model, x, y, task, n_classes=None):
    """The same metric dict :func:`train` reports, for any model and arrays."""
    return metrics_from_outputs(task, y, predict_outputs(model, x), n_classes)


# ---------------------------------------------------------------- run artifacts

def background_of(x):
    """"dark" or "light": the mean brightness of the images' one-pixel border (None for
    non-image data). ``predict`` inverts drawings whose polarity differs from training."""
    import numpy as np
    x = np.asarray(x[:1000])
    if x.ndim != 4:
        return None
    border = np.concatenate([x[:, 0].ravel(), x[:, -1].ravel(), x[:, :, 0].ravel(),
                             x[:, :, -1].ravel()]).astype(np.float64)
    top = 255.0 if x.dtype == np.uint8 or border.max() > 1.0 else 1.0
    return "dark" if border.mean() < top / 2 else "light"


def run_record(cfg, dataset, model=None):
    """The content of config.json: how the run was made and on what."""
    import datetime
    from kerascli import __version__, runtime

    options = cfg.load_options()
    name, path = resolve_dataset(cfg)
    load = {k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(options).items()}
    load["path"] = str(Path(path).resolve()) if path is not None else None
    return {
        "kerascli": __version__,
        "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "config": cfg.to_dict(),
        "dataset": dataset.describe(),
        "dataset_name": name,  # registry key to reload it with
        "load_options": load,
        "background": background_of(dataset.x_train) if dataset.kind == datasets.IMAGE else None,
        "input_shape": list(dataset.input_shape),
        "n_params": int(model.count_params()) if model is not None else None,
        "seed": cfg.seed,
        "versions": runtime.versions(),
    }


def history_csv(history):
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    keys = list(history)
    writer.writerow(["epoch", *keys])
    for i in range(len(history[keys[0]]) if keys else 0):
        writer.writerow([i + 1, *(repr(history[k][i]) for k in keys)])
    return rows.getvalue()


def save_run(run_dir, result, dataset):
    """Write metrics.json, history.csv, plots and (last) model.h5; mark the run complete."""
    from kerascli import report

    run_dir = Path(run_dir)
    written = {"config": run_dir / "config.json"}
    written["metrics"] = artifacts.write_json(run_dir / "metrics.json", metrics_record(result))
    written["history"] = artifacts.write_text(run_dir / "history.csv", history_csv(result.history))
    if result.config.plot:
        written["learning_curves"] = report.plot_learning_curves(
            result.history, run_dir / "learning_curves.png",
            title=f"{result.config.model} on {dataset.name}")
        if dataset.task == CLASSIFICATION:
            written["confusion_matrix"] = report.plot_confusion_matrix(
                result.y_true, result.y_pred, dataset.class_names, run_dir / "confusion_matrix.png",
                title=f"{result.config.model} on {dataset.name}: test set")
    written["model"] = artifacts.save_model_h5(result.model, run_dir / RUN_MODEL_FILE)
    artifacts.mark_complete(run_dir)
    from kerascli import resume
    (run_dir / resume.PARTIAL_HISTORY).unlink(missing_ok=True)
    return {k: str(v) for k, v in written.items()}


def metrics_record(result):
    return {"model": result.config.model, "dataset": result.dataset.get("name"),
            "task": result.dataset.get("task"), "metrics": result.metrics,
            "epochs_run": result.epochs_run, "train_seconds": round(result.train_seconds, 3),
            "predict_seconds": round(result.predict_seconds, 3), "n_params": result.n_params,
            "n_train": result.dataset.get("n_train"), "n_test": result.dataset.get("n_test")}
