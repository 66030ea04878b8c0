"""The search space of ``kerascli tune``: the model spec's own ranges, narrowed or widened by
``--param``, each bound or choice checked by the option's one validator
(:class:`~kerascli.models.spec.Param`)."""
import dataclasses
import math
from dataclasses import dataclass
from typing import Optional

from kerascli.errors import UserError
from kerascli.models.spec import Param

# the training settings a search may vary, validated like a model's own options
TRAINING_PARAMS = {
    "learning_rate": Param("learning_rate", "float", None, "learning rate", low=0.0,
                           log=True),
    "batch_size": Param("batch_size", "int", None, "batch size"),
    "epochs": Param("epochs", "int", None, "epochs"),
}


@dataclass(frozen=True)
class Dimension:
    """One searched setting: a range (``low``/``high``, ``log``) or ``choices``."""

    name: str
    type: str  # "int", "float" or "choice"
    low: Optional[float] = None
    high: Optional[float] = None
    log: bool = False
    choices: Optional[tuple] = None

    def suggest(self, trial):
        if self.type == "choice":
            # Optuna stores plain values only: a list of sizes (--hidden) goes as "64,32"
            shown = {show(c) if isinstance(c, tuple) else c: c for c in self.choices}
            return shown[trial.suggest_categorical(self.name, list(shown))]
        if self.type == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def text(self):
        if self.type == "choice":
            return ", ".join(show(c) for c in self.choices)
        return f"{show(self.low)} .. {show(self.high)}{' (log)' if self.log else ''}"

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        if d.get("choices") is not None:
            d["choices"] = tuple(tuple(c) if isinstance(c, list) else c for c in d["choices"])
        return cls(**d)


def show(value):
    """A searched value as messages and the log show it: sizes joined, floats short."""
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _declared(spec):
    """name -> Param: the model's options and the training settings, by the name --param
    takes (dashes or underscores)."""
    return {**{p.name: p for p in spec.params}, **TRAINING_PARAMS}


def _from_space(name, entry, param):
    if "choices" in entry:
        return Dimension(name, "choice", choices=tuple(entry["choices"]))
    high = entry["high"]
    if param is not None and param.high_open and entry["type"] == "float":
        high = math.nextafter(high, entry["low"])  # a dropout rate stays below 1
    return Dimension(name, entry["type"], low=entry["low"], high=high, log=entry["log"])


def parse_param(text, spec):
    """``NAME=LOW:HIGH[:log]`` (a range) or ``NAME=A,B,C`` (choices; one value fixes the
    setting; a list of sizes such as --hidden: ``hidden=64|128,64``), each bound or value
    checked by the option's own validator. A :class:`UserError` naming ``--param`` if not."""
    declared = _declared(spec)
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("-").replace("-", "_")
    name = {"lr": "learning_rate"}.get(name, name)
    where = f"--param {text}"
    if not sep or not value.strip():
        raise UserError(f"{where}: give NAME=LOW:HIGH[:log] or NAME=A,B,C, e.g. "
                        "dropout=0:0.5 or batch_size=32,64.")
    if name not in declared:
        raise UserError(f"{where}: model {spec.name!r} has no setting {name!r}; choose one of: "
                        f"{', '.join(declared)}.")
    param = declared[name]
    value = value.strip()

    def check(item):
        try:
            return param.check(item.strip(), spec.name)
        except UserError as exc:
            raise UserError(f"{where}: {exc}") from None

    if ":" in value:
        if param.type not in ("int", "float"):
            raise UserError(f"{where}: {name} is not a number; give choices A,B,C.")
        parts = value.split(":")
        log = len(parts) == 3 and parts[2].strip().lower() == "log"
        if len(parts) not in (2, 3) or len(parts) == 3 and not log:
            raise UserError(f"{where}: give LOW:HIGH or LOW:HIGH:log.")
        low, high = check(parts[0]), check(parts[1])
        if low > high:
            raise UserError(f"{where}: LOW {show(low)} is above HIGH {show(high)}; give "
                            f"{name}={show(high)}:{show(low)}.")
        if log and low <= 0:
            raise UserError(f"{where}: a log scale needs LOW above 0.")
        if param.type == "float" and param.high_open and high == param.high:
            high = math.nextafter(high, low)
        return Dimension(name, param.type, low=low, high=high, log=log)
    items = value.split("|") if param.type == "ints" else value.split(",")
    if param.type == "float" and len(items) > 1:
        raise UserError(f"{where}: {name} is a float; give a range LOW:HIGH (e.g. "
                        f"{name}={items[0].strip()}:{items[-1].strip()}), not a list of choices.")
    choices = tuple(dict.fromkeys(check(item) for item in items if item.strip()))
    if not choices:
        raise UserError(f"{where}: give at least one value.")
    return Dimension(name, "choice", choices=choices)


def search_space(spec, given=(), fixed=()):
    """The space a study searches: the spec's, ``given`` (``--param`` texts) replacing or
    adding entries, less the settings in ``fixed`` (given as plain options: --epochs 5)."""
    declared = _declared(spec)
    space = {name: _from_space(name, entry, declared.get(name))
             for name, entry in spec.search_space().items()}
    for text in given:
        dim = parse_param(text, spec)
        space[dim.name] = dim
    for name in fixed:
        space.pop(name, None)
    if not space:
        raise UserError(f"nothing to search for model {spec.name!r}: every setting is fixed.")
    return space
