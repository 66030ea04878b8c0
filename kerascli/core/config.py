"""What a run is made of: one frozen dataclass per command, written to ``config.json``.

Config flows one way: Click options -> :func:`make_config` (or :class:`CompareConfig` /
:class:`ForecastConfig` around it) -> the core -> ``config.json`` beside the artifacts, read
back by the one reader :func:`from_dict` (``--resume``, ``evaluate`` and ``predict`` alike).

Every command that trains a network describes that network with a :class:`TrainConfig`:
``compare`` and ``forecast`` wrap one, so ``train lstm --dataset X.csv`` and ``forecast X.csv``
with the same options make the same model from the same data.
"""
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from kerascli import datasets, models
from kerascli.errors import UserError

# of config.json; version 1 (no "command", train only), 2 (no split_seed; the seed also in
# "seed" and "load_options") and 3 (the data options flat beside the others) still read
SCHEMA_VERSION = 4
PRECISIONS = ("float32", "mixed")
STRATEGIES = ("auto", "default", "mirrored", "multiworker")
TARGETS = ("auto", "levels", "returns", "diff", "sdiff", "sdiff-diff", "log-diff", "log-sdiff",
           "log-sdiff-diff")  # what a series model learns (datasets/series.py)
FILLS = ("drop", "ffill", "interpolate")  # null cells of a series
STRATEGIES_H = ("auto", "direct", "recursive")  # how the LSTM forecasts several steps
MAX_REPEATS = 100
# the data options' names: a TrainConfig's `data` fields (datasets.LoadOptions)
DATA_OPTIONS = tuple(f.name for f in dataclasses.fields(datasets.LoadOptions))


def _listify(value):
    return list(value) if isinstance(value, tuple) else value


def _tuplify(value):
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines one network's training run."""

    COMMAND: ClassVar[str] = "train"

    model: str
    dataset: str  # registry name, CSV file or image folder (as the user gave it)
    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: str = "adam"
    validation_split: float = 0.1  # held out of the training part to watch overfitting
    seed: int = 42  # the run's: weights, shuffling, dropout, augmentation, validation split
    params: tuple = ()  # the model's own options as (name, value) pairs
    out: Optional[str] = "runs"
    tensorboard: Optional[str] = None
    plot: bool = False
    # how the data is found, read and split (--label, --image-size, --horizon, the split
    # seed ...): one field per data option, written to config.json as its "data" section
    data: datasets.LoadOptions = field(default_factory=datasets.LoadOptions)
    # how it runs (core.devices; the resolved values go to config.json "runtime")
    strategy: str = "auto"
    precision: str = "float32"  # float32 or mixed (GPU only)
    jit: Optional[bool] = None  # XLA; None: Keras' per-device default (off on CPU)
    # a user's CSV table or image folder: settings derived from the data once it is loaded
    # (derive_from_data), and early stopping after `patience` epochs without improvement
    auto: tuple = ()  # names still to derive: "batch_size", "epochs"
    patience: Optional[int] = None  # None: train all `epochs`
    # the model's ModelSpec, resolved once here from `model` and handed to the core with the
    # config (not written to config.json: `model` names it)
    spec: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.spec is None or self.spec.name != self.model:
            object.__setattr__(self, "spec", models.get(self.model))

    @property
    def params_dict(self):
        return dict(self.params)

    def with_data(self, **changes):
        """This configuration with some data options changed (``lags=30``)."""
        return dataclasses.replace(self, data=dataclasses.replace(self.data, **changes))

    def to_dict(self):
        fields = {f.name: _listify(getattr(self, f.name)) for f in dataclasses.fields(self)
                  if f.name not in ("params", "spec", "data")}
        return fields | {"data": self.data.to_dict(),
                         "params": {k: _listify(v) for k, v in self.params}}

    def options(self):
        """Option name -> recorded value, as the command line spells them: the run's own
        settings, the data options and the model's, in one flat dict (JSON-ready)."""
        own = self.to_dict()
        data, params = own.pop("data"), own.pop("params")
        return own | data | params

    @classmethod
    def from_dict(cls, stored):
        """The config a :meth:`to_dict` wrote; also a version 1-3 config.json's, whose data
        options stand flat beside the others (``"lags": 20`` rather than in ``"data"``), and
        one written before some of the model's options existed (``Param.absent``)."""
        stored = dict(stored)
        params = tuple((k, _tuplify(v)) for k, v in (stored.pop("params", None) or {}).items())
        data = stored.pop("data", None)
        data = datasets.LoadOptions.from_dict(data if isinstance(data, dict) else stored)
        known = {f.name for f in dataclasses.fields(cls)} - {"spec", "data"}
        values = {k: _tuplify(v) for k, v in stored.items() if k in known}
        try:
            cfg = cls(params=params, data=data, **values)
        except TypeError as exc:
            raise UserError(f"config.json does not describe a {cls.COMMAND} run ({exc}).") from None
        # the model's options added since the run was recorded: as it trained without them
        cfg = dataclasses.replace(cfg, params=tuple(
            cfg.spec.recorded_params(cfg.params_dict).items()))
        validate(cfg)
        return cfg

    def check_params(self):
        """The recorded model options, checked by the model's one validator (a hand-edited
        config.json must not reach ``build`` as a TypeError)."""
        return dataclasses.replace(self, params=self.spec.check_params(self.params_dict))


@dataclass(frozen=True)
class CompareConfig:
    """``kerascli compare``: the Keras side (``train``, no validation hold-out, so it fits the
    same rows as the baselines) and the scikit-learn side."""

    COMMAND: ClassVar[str] = "compare"

    train: TrainConfig
    baselines: tuple = ()  # --baseline names; () = the model's default counterparts
    repeats: int = 1
    n_jobs: Optional[int] = -1  # for the scikit-learn estimators that honour it
    plot_file: Optional[str] = None  # --plot-file: also write the plot there

    def __post_init__(self):
        if not 1 <= self.repeats <= MAX_REPEATS:
            raise UserError(f"--repeats {self.repeats}: must be between 1 and {MAX_REPEATS}.")
        if self.n_jobs is not None and self.n_jobs == 0:
            raise UserError("--jobs 0: give a positive number of processes, or -1 for all cores.")
        from kerascli import baselines
        for name in self.baselines:
            baselines.get(name)

    @property
    def model(self):
        return self.train.model

    def seeds(self):
        return tuple(range(self.train.seed, self.train.seed + self.repeats))

    def for_seed(self, seed):
        return dataclasses.replace(self.train, seed=seed)

    def to_dict(self):
        return {"train": self.train.to_dict(), "baselines": list(self.baselines),
                "repeats": self.repeats, "n_jobs": self.n_jobs, "plot_file": self.plot_file}

    @classmethod
    def from_dict(cls, stored):
        return cls(train=TrainConfig.from_dict(stored["train"]),
                   baselines=tuple(stored.get("baselines") or ()),
                   repeats=int(stored.get("repeats", 1)), n_jobs=stored.get("n_jobs", -1),
                   plot_file=stored.get("plot_file"))


@dataclass(frozen=True)
class ForecastConfig:
    """``kerascli forecast``: the ``lstm`` trained on a series (``train``), then backtested
    beside naive, seasonal naive, drift, linear (and ``baselines``) on the same windows."""

    COMMAND: ClassVar[str] = "forecast"

    train: TrainConfig
    backtest: int = 5  # origins (blocks of the test period); 1 = the single split
    refit: bool = False  # fit every model again at each origin
    levels: tuple = (80, 95)  # conformal prediction intervals, in %
    strategy_h: str = "auto"  # direct, recursive, or auto: the better on validation
    baselines: tuple = ()  # statsforecast models (auto-ets, auto-arima)
    ensemble: int = 1  # LSTMs trained with consecutive seeds, averaged
    early_stopping: Optional[int] = None  # patience (epochs) on the validation loss, or None
    lag_scores: tuple = ()  # (lags, validation RMSE) pairs when forecast chose --lags
    target_scores: tuple = ()  # (target, validation RMSE) pairs when forecast chose --target
    choose_highway: bool = False  # train the LSTM with and without --highway, keep the better
    strategy_used: Optional[str] = None  # direct or recursive: what the saved model does

    def __post_init__(self):
        if self.backtest < 1:
            raise UserError(f"--backtest {self.backtest}: must be at least 1 (1: one split).")
        if self.ensemble < 1:
            raise UserError(f"--ensemble {self.ensemble}: must be at least 1.")
        for level in self.levels:
            if not 0 < level < 100:
                raise UserError(f"--level {level}: give a coverage in % between 0 and 100, "
                                "e.g. 80 or 95.")
        if self.strategy_h not in STRATEGIES_H:
            raise UserError(f"--strategy-h {self.strategy_h!r}: choose one of "
                            f"{', '.join(STRATEGIES_H)}.")

    def to_dict(self):
        return {"train": self.train.to_dict(), "backtest": self.backtest, "refit": self.refit,
                "levels": list(self.levels), "strategy_h": self.strategy_h,
                "baselines": list(self.baselines), "ensemble": self.ensemble,
                "early_stopping": self.early_stopping,
                "lag_scores": [list(p) for p in self.lag_scores],
                "target_scores": [list(p) for p in self.target_scores],
                "choose_highway": self.choose_highway, "strategy_used": self.strategy_used}

    @classmethod
    def from_dict(cls, stored):
        return cls(train=TrainConfig.from_dict(stored["train"]),
                   backtest=int(stored.get("backtest", 1)), refit=bool(stored.get("refit")),
                   levels=tuple(stored.get("levels") or (80, 95)),
                   strategy_h=stored.get("strategy_h", "auto"),
                   baselines=tuple(stored.get("baselines") or ()),
                   ensemble=int(stored.get("ensemble", 1)),
                   early_stopping=stored.get("early_stopping"),
                   lag_scores=tuple(tuple(p) for p in stored.get("lag_scores") or ()),
                   target_scores=tuple(tuple(p) for p in stored.get("target_scores") or ()),
                   choose_highway=bool(stored.get("choose_highway")),
                   strategy_used=stored.get("strategy_used"))


CONFIGS = {c.COMMAND: c for c in (TrainConfig, CompareConfig, ForecastConfig)}


def to_record(cfg):
    """The part of config.json that says how to remake the run."""
    return {"version": SCHEMA_VERSION, "command": cfg.COMMAND, "config": cfg.to_dict()}


def from_dict(record, command=None):
    """The config object a ``config.json`` record describes (any command, any version).

    ``command``: refuse a record written by another command (one line, exit 2).
    """
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise UserError("config.json has no 'config' section; it was not written by kerascli.")
    written_by = record.get("command", "train")  # version 1: train runs only
    if written_by not in CONFIGS:
        raise UserError(f"config.json names an unknown command {written_by!r}.")
    if command is not None and written_by != command:
        instead = {"train": "resume it with kerascli train MODEL --resume",
                   "forecast": "resume it with kerascli forecast --resume",
                   "compare": "compare runs do not resume: run kerascli compare again"}
        raise UserError(f"that run directory holds a {written_by} run, not a {command} run; "
                        f"{instead[written_by]}.")
    return CONFIGS[written_by].from_dict(record["config"])


# ---------------------------------------------------------------- making a TrainConfig

# what make_config takes by name: the dataset, a TrainConfig's settings and the data options
# (each command-line option of these names fills its field)
OPTION_NAMES = frozenset({f.name for f in dataclasses.fields(TrainConfig)}
                         - {"model", "params", "spec", "data"}) | frozenset(DATA_OPTIONS)

def make_config(model, dataset=None, *, epochs=None, batch_size=None, learning_rate=None,
                optimizer=None, params=None, **options):
    """A validated :class:`TrainConfig`; ``None`` means the model's default for that dataset.

    ``model``: a :class:`~kerascli.models.spec.ModelSpec` (or its name). Defaults are the
    spec's (:meth:`~kerascli.models.spec.ModelSpec.default`: an option's recipe, then the
    dataset's, then the model's); the model's default dataset also brings its
    ``dataset_options`` (linreg: Iris ``label``/``features``) unless label/features are given.
    ``options`` are the remaining :class:`TrainConfig` fields (seed, out, plot, ...) and the
    data options by their :class:`~kerascli.datasets.LoadOptions` names (label, lags, ...);
    a None value means the field's default.
    """
    spec = models.get(model)  # a spec passes through: the commands resolved it
    dataset = dataset or spec.default_dataset
    registry_name = datasets.resolve(dataset)[0]
    per_dataset = spec.per_dataset.get(registry_name, {})
    options = {k: v for k, v in options.items() if v is not None or k == "jit"}
    # the data options by their LoadOptions names (label=, lags=, split_seed= ...)
    data = {k: options.pop(k) for k in DATA_OPTIONS if k in options}
    resolved_params = spec.check_params(dict(params or {}), registry_name)
    # a model's recipe may bring its own training defaults (cifar --recipe fast)
    recipe_defaults = spec.training_defaults(dict(resolved_params))

    def pick(name, given):
        return given if given is not None else spec.default(name, registry_name, resolved_params)

    # a user's CSV table or image folder has no measured defaults: the batch size and the
    # number of epochs come from its size once loaded (derive_from_data), with early stopping
    if user_data(spec, dataset):
        options.setdefault("auto", tuple(
            name for name, given in (("batch_size", batch_size), ("epochs", epochs))
            if given is None and name not in recipe_defaults and name not in per_dataset))

    if dataset == spec.default_dataset and not data.get("label") and not data.get("features"):
        data = {**spec.dataset_options, **data}
    for key in ("out", "tensorboard"):
        if options.get(key) is not None:
            options[key] = str(options[key])
    cfg = TrainConfig(model=spec.name, dataset=str(dataset), epochs=int(pick("epochs", epochs)),
                      batch_size=int(pick("batch_size", batch_size)),
                      learning_rate=float(pick("learning_rate", learning_rate)),
                      optimizer=pick("optimizer", optimizer), params=tuple(resolved_params),
                      data=datasets.LoadOptions.make(**data), spec=spec, **options)
    validate(cfg)
    return cfg


def user_data(spec, dataset):
    """True for a CSV table or an image folder given by path (not a series, not a registry
    dataset): data without measured defaults."""
    name = datasets.resolve(str(dataset))[0]
    accepts = spec.accepts
    return (name == "csv" and datasets.TABULAR in accepts) or name == "images"


# The training budget from the data's size (:func:`budget`). An epoch of at least
# MIN_STEPS_PER_EPOCH gradient steps, a batch no larger than the model's default; at most
# `max_steps` steps in all (and between the model's default epochs and `max_epochs`), stopped
# early after PATIENCE_STEPS steps (PATIENCE_EPOCHS bounds) without a better loss. Caps per
# kind of data, each measured: tables and folders, houses.csv (240 rows) went from 40 steps
# and 7% accuracy to convergence; series, benchmarks/forecast.py (forecasting/defaults.py).
MIN_STEPS_PER_EPOCH = 16
MIN_BATCH = 8
PATIENCE_STEPS = 300
PATIENCE_EPOCHS = (5, 25)
MAX_STEPS = {"table": 20_000, "series": 4_000}
MAX_EPOCHS = {"table": 1_000, "series": 500}


def budget(n_fit, batch_cap, min_epochs, *, batch_size=None, data="table"):
    """(batch size, epochs, patience) for ``n_fit`` training examples: the largest power-of-two
    batch from MIN_BATCH up to ``batch_cap`` that leaves MIN_STEPS_PER_EPOCH steps an epoch
    (``batch_size``: the one given), as many epochs as ``data``'s step cap allows (at least
    ``min_epochs``) and the patience in epochs of PATIENCE_STEPS steps."""
    batch = batch_size
    if batch is None:
        batch = MIN_BATCH
        while batch * 2 <= min(batch_cap, n_fit / MIN_STEPS_PER_EPOCH):
            batch *= 2
    steps = math.ceil(max(1, n_fit) / batch)
    epochs = min(MAX_EPOCHS[data], max(min_epochs, math.ceil(MAX_STEPS[data] / steps)))
    low, high = PATIENCE_EPOCHS
    return batch, epochs, min(high, max(low, math.ceil(PATIENCE_STEPS / steps)))


def derive_from_data(cfg, n_train):
    """``cfg`` with the settings named in ``cfg.auto`` chosen for ``n_train`` training
    examples (before the validation hold-out), and ``patience`` set when the epochs were."""
    if not cfg.auto:
        return cfg
    n_fit = max(1, int(n_train * (1 - cfg.validation_split)))
    batch_size, epochs, patience = budget(
        n_fit, cfg.spec.batch_size, cfg.epochs,
        batch_size=None if "batch_size" in cfg.auto else cfg.batch_size)
    changes = {"batch_size": batch_size, "auto": ()}
    if "epochs" in cfg.auto:
        changes.update(epochs=epochs, patience=patience)
    return dataclasses.replace(cfg, **changes)


def validate(cfg):
    """Refuse option values that cannot work, before any data loads."""
    data = cfg.data
    if data.season is not None and data.season < 1:
        raise UserError(f"--season {data.season}: must be at least 1 (1: no seasonality).")
    for name, value in (("epochs", cfg.epochs), ("batch_size", cfg.batch_size),
                        ("lags", data.lags), ("horizon", data.horizon)):
        if value < 1:
            raise UserError(f"--{name.replace('_', '-')} {value}: must be at least 1.")
    if not cfg.learning_rate > 0 or not math.isfinite(cfg.learning_rate):
        raise UserError(f"--learning-rate {cfg.learning_rate}: must be a positive number.")
    if cfg.optimizer not in models.spec.OPTIMIZERS:
        raise UserError(f"--optimizer {cfg.optimizer!r}: choose one of "
                        f"{', '.join(models.spec.OPTIMIZERS)}.")
    if not 0 <= cfg.validation_split < 1:
        raise UserError(f"--validation-split {cfg.validation_split}: must be in [0, 1).")
    if not 0 < data.test_size < 1:
        raise UserError(f"--test-size {data.test_size}: must be between 0 and 1, e.g. 0.2.")
    if data.task is not None and data.task not in datasets.TASKS:
        raise UserError(f"--task {data.task!r}: choose one of {', '.join(datasets.TASKS)}.")
    for name, value, choices in (("strategy", cfg.strategy, STRATEGIES),
                                 ("precision", cfg.precision, PRECISIONS),
                                 ("target", data.target, TARGETS), ("fill", data.fill, FILLS)):
        if value not in choices:
            raise UserError(f"--{name} {value!r}: choose one of {', '.join(choices)}.")
    if cfg.jit and cfg.strategy == "multiworker":
        raise UserError("--jit: not available with --strategy multiworker (its custom training "
                        "step runs without XLA); drop --jit.")
