"""The model contract: everything the core asks of a model, written down once.

A model file defines one subclass of :class:`ModelSpec` and fills it once: what it is
(``summary``), what it trains on (``accepts``, ``tasks``, ``datasets``), its training
defaults, its own options as :class:`Param` (type, default, range: the one validator the
CLI, config.json and a search all use), its scikit-learn ``counterparts``, ``build`` and,
where it needs them, the hooks below, each with a documented default here. The registry
(:mod:`kerascli.models`) finds the class, names it after its file and hands one instance to
the core, which never asks a model module anything else.

Nothing here imports Keras: listing models and their options (``--help``) stays instant.
"""
import math
from dataclasses import dataclass
from typing import Any, Optional

from kerascli.errors import UserError
from kerascli.tasks import CLASSIFICATION, REGRESSION
TRAINING = ("epochs", "batch_size", "learning_rate", "optimizer")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adamax", "adagrad", "adadelta",
              "lion")


@dataclass(frozen=True)
class Param:
    """A model's own option (``--name-with-dashes`` on ``train MODEL`` and ``compare MODEL``).

    ``type``: "int", "float", "str", "ints" (comma-separated positive integers) or "choice"
    (one of ``choices``). ``low``/``high``: the values allowed (for "ints", each size), and the
    range a search draws from (``log``: on a log scale); ``high_open``: ``high`` excluded (a
    dropout rate is below 1). ``build``: False for an option the training hooks read and
    ``build`` does not (transfer's ``fine_tune_*``). ``absent``: for an option added after
    runs were recorded, the value that reproduces how the model trained before it existed
    (cnn's ``label_smoothing`` 0); a config.json without the option is read with it, so
    ``train --config`` and ``--resume`` remake an older run as it was. None: the default.
    """

    name: str
    type: str
    default: Any
    help: str
    choices: Optional[tuple] = None
    low: Optional[float] = None
    high: Optional[float] = None
    log: bool = False
    high_open: bool = False
    build: bool = True
    absent: Any = None

    def __post_init__(self):
        if self.low is None and self.type in ("int", "ints"):
            object.__setattr__(self, "low", 1)

    @property
    def option(self):
        return f"--{self.name.replace('_', '-')}"

    def parse(self, text):
        """The value a command-line string stands for (not yet range-checked)."""
        if not isinstance(text, str):
            return text
        if self.type == "ints":
            return tuple(int(v) for v in text.split(",") if v.strip())
        return int(text) if self.type == "int" else float(text) if self.type == "float" else text

    def check(self, value, model=""):
        """``value`` typed and range-checked; a :class:`UserError` naming the option if not."""
        where = f" (model {model})" if model else ""
        try:
            value = self.parse(value)
            if self.type == "ints":
                value = tuple(int(v) for v in value)
                items = value
            elif self.type == "int":
                value = int(value)
                items = (value,)
            elif self.type == "float":
                value = float(value)
                items = (value,)
            else:
                items = ()
        except (TypeError, ValueError):
            kind = {"ints": "comma-separated integers such as 256,128"}.get(self.type, self.type)
            raise UserError(f"{self.option} {value!r}: give {kind}{where}.") from None
        if self.type == "ints" and not value:
            raise UserError(f"{self.option}: give positive sizes such as 256,128{where}.")
        for item in items:
            if self.type == "float" and not math.isfinite(item):
                raise UserError(f"{self.option} {item}: give a finite number{where}.")
            if self.low is not None and item < self.low or self.high is not None and (
                    item >= self.high if self.high_open else item > self.high):
                raise UserError(f"{self.option} {_show(value)}: must be {self.range_text()}"
                                f"{where}.")
        if self.type == "choice" and value not in self.choices:
            raise UserError(f"{self.option} {value!r}: choose one of "
                            f"{', '.join(self.choices)}{where}.")
        return value

    def range_text(self):
        low, high = _show(self.low), _show(self.high)
        if self.high is None:
            return f"at least {low}"
        return f"in [{low}, {high}{')' if self.high_open else ']'}"

    def space(self):
        """This option's search range: {"choices": ...} or {"low", "high", "log", "type"};
        None where it has none (free text, a list of sizes)."""
        if self.type == "choice":
            return {"choices": tuple(self.choices)}
        if self.type in ("int", "float") and self.low is not None and self.high is not None:
            return {"type": self.type, "low": self.low, "high": self.high, "log": self.log}
        return None


def _show(value):
    return ",".join(map(str, value)) if isinstance(value, tuple) else f"{value:g}" \
        if isinstance(value, float) else str(value)


class ModelSpec:
    """One model: fill the class attributes, write :meth:`build`, override a hook if needed.

    ``name`` is the file's name (the registry sets it). ``accepts``: the data kinds it trains
    on ("tabular", "image", "series"); ``tasks``: "classification" and/or "regression";
    ``default_dataset``: what ``train NAME`` trains on without ``--dataset``; ``datasets``:
    registry datasets known to work (shown in errors and ``--help``).
    """

    name: str = ""
    summary: str = ""
    accepts: frozenset = frozenset()
    tasks: frozenset = frozenset()
    default_dataset: str = ""
    datasets: tuple = ()
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer_name: str = "adam"
    params: tuple = ()  # Param, in --help order
    # defaults for one registry dataset (training settings and params): {"iris": {"epochs": 200}}
    per_dataset: dict = {}
    # load options for the default dataset when no --label/--features (linreg: iris columns)
    dataset_options: dict = {}
    # scikit-learn baselines (kerascli.baselines names) compare sets beside it, per task
    counterparts: dict = {CLASSIFICATION: ("logistic-regression",),
                          REGRESSION: ("linear-regression",)}
    # True when ``initialize`` sets a fitted solution (linreg's least squares), not just a
    # start: under --patience early stopping then scores it first and keeps it unless an epoch
    # beats it. False for a start that only prepares training (cifar's whitened stem).
    closed_form_start: bool = False

    # ------------------------------------------------------------ what it is

    def build(self, input_shape, task, n_outputs, *, preprocess=(), postprocess=(), **params):
        """The Keras model, from its own options (``Param.build``) only. ``preprocess``: layers
        right after the Input (Rescaling for images, a fitted Normalization for tables);
        ``postprocess``: layers put last (an inverted Normalization restoring a regression
        target's units). Import Keras here, not at the top of the file."""
        raise NotImplementedError(f"model {self.name!r} defines no build()")

    # ------------------------------------------------------------ hooks (defaults: none)

    def learning_rate_schedule(self, learning_rate, epochs, steps_per_epoch):
        """The learning rate (or a Keras schedule) to compile with; default: the rate as is."""
        return learning_rate

    def training_defaults(self, params):
        """Training settings an option brings (cifar ``--recipe fast``), replacing the class
        defaults when not given explicitly; default: none."""
        return {}

    def optimizer(self, cfg, steps_per_epoch):
        """A Keras optimizer (schedule included), or None for ``--optimizer`` at the rate."""
        return None

    def loss(self, task, params):
        """A loss object, or None for the task's default. A custom loss must be registered in
        :mod:`kerascli.models.layers` so saved models reload."""
        return None

    def initialize(self, model, x_fit, y_fit):
        """Set a built model's starting weights from the training part (linreg's least
        squares, with ``closed_form_start``; cifar's whitened stem); default: Keras' random
        start."""

    def fine_tune(self, cfg):
        """A second training phase as (epochs, learning rate), or None (default)."""
        return None

    def unfreeze(self, model, cfg):
        """Before the second phase: make the layers it trains trainable."""

    def feature_extractor(self, model):
        """A Keras model mapping inputs to the features compare's baselines fit on (transfer:
        the frozen base's pooled features), or None (default): the baselines fit the data."""
        return None

    def overrides(self, hook):
        """True when this model gives its own ``hook`` (the core trains differently then:
        no ReduceLROnPlateau under a model's own schedule, baselines on extracted
        features)."""
        return getattr(type(self), hook) is not getattr(ModelSpec, hook)

    # ------------------------------------------------------------ what the core asks

    def default(self, name, dataset=None, params=None):
        """A training setting (``TRAINING``) or an option's default: an option's recipe
        (``training_defaults``), else the dataset's, else the model's."""
        per = self.per_dataset.get(dataset, {})
        declared = {p.name: p for p in self.params}
        if name in declared:
            return per.get(name, declared[name].default)
        recipe = self.training_defaults(dict(params or {})) if params is not None else {}
        own = self.optimizer_name if name == "optimizer" else getattr(self, name)
        return recipe.get(name, per.get(name, own))

    def recorded_params(self, recorded):
        """The options a config.json recorded, with each option it lacks that was added since
        (``Param.absent``) set as the model trained before it existed."""
        older = {p.name: p.absent for p in self.params
                 if p.absent is not None and p.name not in recorded}
        return {**recorded, **older}

    def check_params(self, given, dataset=None):
        """The model's options as (name, value) pairs, every one declared, validated and
        filled with its default: the one check behind the CLI, config.json and a search."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise UserError(f"model {self.name!r} has no option {unknown[0]!r}; its options "
                            f"are: {', '.join(declared) or 'none'}.")
        resolved = []
        for name, param in declared.items():
            value = given.get(name)
            if value is None:
                value = self.default(name, dataset)
            resolved.append((name, param.check(value, self.name)))
        return tuple(resolved)

    def build_options(self, params):
        """The options ``build`` takes, out of all of the model's options."""
        takes = {p.name for p in self.params if p.build}
        return {k: v for k, v in dict(params).items() if k in takes}

    def counterparts_for(self, task):
        return tuple(self.counterparts.get(task, ModelSpec.counterparts[task]))

    def accepts_text(self):
        """'mnist, digits, CSV tables, image folders': what it trains on, for messages."""
        return ", ".join([*self.datasets] + [
            text for kind, text in (("tabular", "CSV tables"), ("image", "image folders"),
                                    ("series", "CSV series")) if kind in self.accepts])

    def check_compatible(self, dataset_info):
        """Refuse a dataset this model cannot train on, before any data is loaded."""
        if dataset_info.kind not in self.accepts:
            raise UserError(
                f"model {self.name!r} cannot train on dataset {dataset_info.name!r} "
                f"({dataset_info.kind} data); {self.name} accepts: {self.accepts_text()}.")

    def check_task(self, dataset):
        if dataset.task not in self.tasks:
            hint = (" choose a numeric target with --label" if REGRESSION in self.tasks
                    else " choose a class column with --label")
            raise UserError(f"model {self.name!r} does {' and '.join(sorted(self.tasks))}, "
                            f"but dataset {dataset.name!r} is a {dataset.task} task;{hint}.")

    def search_space(self):
        """What ``tune`` may vary: the options with a range or choices, the learning rate (a
        decade either side of the default, log scale), the batch size and the epochs."""
        space = {p.name: p.space() for p in self.params if p.space() is not None}
        space["learning_rate"] = {"type": "float", "low": self.learning_rate / 10,
                                  "high": self.learning_rate * 10, "log": True}
        space["batch_size"] = {"choices": tuple(sorted({max(8, self.batch_size // 4),
                                                         self.batch_size,
                                                         self.batch_size * 4}))}
        space["epochs"] = {"type": "int", "low": 1, "high": self.epochs * 4, "log": False}
        return space

    def __repr__(self):
        return f"<model {self.name}>"
