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
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional

from kerascli import datasets, models
from kerascli.errors import UserError

SCHEMA_VERSION = 2  # of config.json; version 1 (no "command", train only) still reads
PRECISIONS = ("float32", "mixed")
STRATEGIES = ("auto", "default", "mirrored", "multiworker")
TARGETS = ("auto", "levels", "returns", "diff", "sdiff", "sdiff-diff", "log-diff", "log-sdiff",
           "log-sdiff-diff")  # what a series model learns (datasets/series.py)
FILLS = ("drop", "ffill", "interpolate")  # null cells of a series
STRATEGIES_H = ("auto", "direct", "recursive")  # how the LSTM forecasts several steps
MAX_REPEATS = 100
TASKS = ("classification", "regression")  # --task: what a CSV table's label is


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
    seed: int = 42  # weights, shuffling, dropout, augmentation, validation split
    params: tuple = ()  # the model's own options as (name, value) pairs
    out: Optional[str] = "runs"
    tensorboard: Optional[str] = None
    plot: bool = False
    # how the data is read (datasets.LoadOptions); None means the dataset's default
    label: Optional[str] = None  # a table's target column, a series' value column
    task: Optional[str] = None  # --task; None: a regression-only model's, else the guess
    features: Optional[tuple] = None
    image_size: Optional[tuple] = None
    strict: bool = False  # image folders: refuse undecodable files instead of skipping them
    data_dir: Optional[str] = None
    cache_dir: Optional[str] = None
    test_size: float = 0.2  # held out where a dataset has no official test set
    # series: windows of `lags` values -> the next `horizon` (datasets/series.py)
    lags: int = 20
    horizon: int = 1
    target: str = "auto"
    fill: str = "drop"
    date_column: Optional[str] = None
    season: Optional[int] = None  # seasonal period; None: from the dates (monthly 12, ...)
    covariates: Optional[tuple] = None  # other columns fed as lagged inputs
    # how it runs (core.devices; the resolved values go to config.json "runtime")
    strategy: str = "auto"
    precision: str = "float32"  # float32 or mixed (GPU only)
    jit: Optional[bool] = None  # XLA; None: Keras' per-device default (off on CPU)
    # a user's CSV table or image folder: settings derived from the data once it is loaded
    # (derive_from_data), and early stopping after `patience` epochs without improvement
    auto: tuple = ()  # names still to derive: "batch_size", "epochs"
    patience: Optional[int] = None  # None: train all `epochs`

    @property
    def params_dict(self):
        return dict(self.params)

    def load_options(self):
        """The :class:`kerascli.datasets.LoadOptions` this configuration reads data with."""
        return datasets.LoadOptions(
            data_dir=Path(self.data_dir) if self.data_dir else None,
            cache_dir=Path(self.cache_dir) if self.cache_dir else None,
            label=self.label, features=tuple(self.features) if self.features else None,
            image_size=tuple(self.image_size) if self.image_size else None,
            strict=self.strict, test_size=self.test_size, lags=self.lags, horizon=self.horizon,
            target=self.target, fill=self.fill, date_column=self.date_column,
            season=self.season,
            covariates=tuple(self.covariates) if self.covariates else None)

    def to_dict(self):
        fields = {k: _listify(v) for k, v in dataclasses.asdict(self).items() if k != "params"}
        return fields | {"params": {k: _listify(v) for k, v in self.params}}

    @classmethod
    def from_dict(cls, stored):
        stored = dict(stored)
        params = tuple((k, _tuplify(v)) for k, v in (stored.pop("params", None) or {}).items())
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: _tuplify(v) for k, v in stored.items() if k in known}
        try:
            cfg = cls(params=params, **values)
        except TypeError as exc:
            raise UserError(f"config.json does not describe a {cls.COMMAND} run ({exc}).") from None
        validate(cfg)
        return cfg


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
                "choose_highway": self.choose_highway}

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
                   choose_highway=bool(stored.get("choose_highway")))


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

def make_config(model, dataset=None, *, epochs=None, batch_size=None, learning_rate=None,
                optimizer=None, params=None, **options):
    """A validated :class:`TrainConfig`; ``None`` means the model's default for that dataset.

    Defaults come from the model's ``INFO`` overridden by ``INFO.per_dataset[dataset]``
    (training settings and model params alike); the model's default dataset also brings its
    ``dataset_options`` (linreg: Iris ``label``/``features``) unless label/features are given.
    ``options`` are the remaining :class:`TrainConfig` fields (seed, out, plot, ...); a None
    value means the field's default.
    """
    module = models.get(model)
    info = module.INFO
    dataset = dataset or info.default_dataset
    per_dataset = info.per_dataset.get(datasets.resolve(dataset)[0], {})
    options = {k: v for k, v in options.items() if v is not None or k == "jit"}

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
        resolved_params.append((name, check_param(model, param, value)))
    # a model's recipe may bring its own training defaults (cifar --recipe fast)
    recipe_defaults = (module.training_defaults(dict(resolved_params))
                       if hasattr(module, "training_defaults") else {})

    def pick(name, given):
        if given is not None:
            return given
        return recipe_defaults.get(name, per_dataset.get(name, getattr(info, name)))

    # a user's CSV table or image folder has no measured defaults: the batch size and the
    # number of epochs come from its size once loaded (derive_from_data), with early stopping
    if user_data(model, dataset):
        options.setdefault("auto", tuple(
            name for name, given in (("batch_size", batch_size), ("epochs", epochs))
            if given is None and name not in recipe_defaults and name not in per_dataset))

    if dataset == info.default_dataset and not options.get("label") and not options.get("features"):
        for key, value in info.dataset_options.items():
            options.setdefault(key, value)
    for key in ("features", "image_size"):
        if options.get(key) is not None:
            options[key] = tuple(options[key])
    for key in ("out", "tensorboard", "data_dir", "cache_dir"):
        if options.get(key) is not None:
            options[key] = str(options[key])
    cfg = TrainConfig(model=model, dataset=str(dataset), epochs=int(pick("epochs", epochs)),
                      batch_size=int(pick("batch_size", batch_size)),
                      learning_rate=float(pick("learning_rate", learning_rate)),
                      optimizer=pick("optimizer", optimizer), params=tuple(resolved_params),
                      **options)
    validate(cfg)
    return cfg


def user_data(model, dataset):
    """True for a CSV table or an image folder given by path (not a series, not a registry
    dataset): data without measured defaults."""
    name = datasets.resolve(str(dataset))[0]
    accepts = models.get(model).INFO.accepts
    return (name == "csv" and datasets.TABULAR in accepts) or name == "images"


# Data-derived defaults (derive_from_data). An epoch of at least MIN_STEPS_PER_EPOCH gradient
# steps, a batch no larger than the model's default; at most MAX_STEPS steps in all (and
# between the model's default epochs and MAX_EPOCHS), stopped early after PATIENCE_STEPS steps
# (PATIENCE_EPOCHS bounds) without a better loss: houses.csv (240 rows) went from 40 steps
# and 7% accuracy to convergence with these.
MIN_STEPS_PER_EPOCH = 16
MIN_BATCH = 8
MAX_STEPS = 20_000
MAX_EPOCHS = 1_000
PATIENCE_STEPS = 300
PATIENCE_EPOCHS = (5, 25)


def derive_from_data(cfg, n_train):
    """``cfg`` with the settings named in ``cfg.auto`` chosen for ``n_train`` training
    examples (before the validation hold-out), and ``patience`` set when the epochs were."""
    if not cfg.auto:
        return cfg
    info = models.get(cfg.model).INFO
    n_fit = max(1, int(n_train * (1 - cfg.validation_split)))
    batch_size = cfg.batch_size
    if "batch_size" in cfg.auto:
        batch_size = MIN_BATCH
        while batch_size * 2 <= min(info.batch_size, n_fit / MIN_STEPS_PER_EPOCH):
            batch_size *= 2
    steps = math.ceil(n_fit / batch_size)
    changes = {"batch_size": batch_size, "auto": ()}
    if "epochs" in cfg.auto:
        changes["epochs"] = min(MAX_EPOCHS, max(cfg.epochs, math.ceil(MAX_STEPS / steps)))
        low, high = PATIENCE_EPOCHS
        changes["patience"] = min(high, max(low, math.ceil(PATIENCE_STEPS / steps)))
    return dataclasses.replace(cfg, **changes)


def check_param(model, param, value):
    """A model option's value, typed and range-checked (one line naming the option)."""
    option = f"--{param.name.replace('_', '-')}"
    if param.type == "ints":
        value = tuple(int(v) for v in value)
        if not value or min(value) < 1:
            raise UserError(f"{option}: give positive layer sizes such as 256,128 (model {model}).")
    elif param.type == "int":
        value = int(value)
        lowest = getattr(param, "minimum", 1)
        if value < lowest:
            raise UserError(f"{option} {value}: must be at least {lowest} (model {model}).")
    elif param.type == "float":
        value = float(value)
        if param.name == "dropout" and not 0 <= value < 1:
            raise UserError(f"{option} {value}: a dropout rate is in [0, 1).")
    elif param.type == "choice" and value not in param.choices:
        raise UserError(f"{option} {value!r}: choose one of {', '.join(param.choices)}.")
    return value


def validate(cfg):
    """Refuse option values that cannot work, before any data loads."""
    if cfg.season is not None and cfg.season < 1:
        raise UserError(f"--season {cfg.season}: must be at least 1 (1: no seasonality).")
    for name in ("epochs", "batch_size", "lags", "horizon"):
        if getattr(cfg, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} {getattr(cfg, name)}: must be at least 1.")
    if not cfg.learning_rate > 0 or not math.isfinite(cfg.learning_rate):
        raise UserError(f"--learning-rate {cfg.learning_rate}: must be a positive number.")
    if cfg.optimizer not in models.OPTIMIZERS:
        raise UserError(f"--optimizer {cfg.optimizer!r}: choose one of "
                        f"{', '.join(models.OPTIMIZERS)}.")
    if not 0 <= cfg.validation_split < 1:
        raise UserError(f"--validation-split {cfg.validation_split}: must be in [0, 1).")
    if not 0 < cfg.test_size < 1:
        raise UserError(f"--test-size {cfg.test_size}: must be between 0 and 1, e.g. 0.2.")
    if cfg.task is not None and cfg.task not in TASKS:
        raise UserError(f"--task {cfg.task!r}: choose one of {', '.join(TASKS)}.")
    for name, choices in (("strategy", STRATEGIES), ("precision", PRECISIONS),
                          ("target", TARGETS), ("fill", FILLS)):
        if getattr(cfg, name) not in choices:
            raise UserError(f"--{name} {getattr(cfg, name)!r}: choose one of {', '.join(choices)}.")
    if cfg.jit and cfg.strategy == "multiworker":
        raise UserError("--jit: not available with --strategy multiworker (its custom training "
                        "step runs without XLA); drop --jit.")
