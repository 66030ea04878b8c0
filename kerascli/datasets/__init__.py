"""Dataset registry: one module per dataset in this package; the file name is the key
(``fashion_mnist.py`` -> ``fashion-mnist``).

Each dataset module defines ``INFO`` (a :class:`DatasetInfo`) and ``load(options) ->
Dataset``; file-backed ones also define ``status(options) -> dict`` for ``kerascli
datasets`` (without it, :func:`status` answers for the module). Adding a dataset is adding
one such file: nothing else lists the datasets. Modules import NumPy and friends inside their functions, so listing the
registry stays instant.

A dataset argument is a registry name (``mnist``), a CSV file (``table.csv``) or a folder
of images with one subfolder per class (``photos/``).
"""
import importlib
import pkgutil
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

from kerascli.errors import UserError
from kerascli.tasks import CLASSIFICATION, REGRESSION, TASKS  # noqa: F401 (the datasets' words)

MAX_CLASSES = 100  # a non-numeric label with more distinct values than this is not a class label
# a text feature column one-hot encodes at most this many categories, the rarer ones sharing
# the unknown slot: in the model (core.fit's TableEncoder) and in the baselines alike
MAX_CATEGORIES = 100
TABULAR, IMAGE, SERIES = "tabular", "image", "series"


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, known without loading it."""

    name: str
    kind: str  # TABULAR, IMAGE or SERIES
    task: str  # CLASSIFICATION or REGRESSION (the default task; a label option may change it)
    summary: str
    n_train: Optional[int] = None
    n_test: Optional[int] = None
    needs_path: bool = False  # csv tables and image folders are given by path


@dataclass(frozen=True)
class LoadOptions:
    """How to find, read and split the data: the data options of every command.

    One field per option: a run's ``TrainConfig.data`` is one of these, written to
    config.json as its ``data`` section (:meth:`to_dict` / :meth:`from_dict`), and each
    ``--option`` of the same name fills its field (commands/options.py). A new data option
    is a field here and its Click option, nothing else.
    """

    data_dir: Optional[Path] = None  # --data-dir / KERASCLI_DATA_DIR
    cache_dir: Optional[Path] = None  # --cache-dir / KERASCLI_CACHE_DIR (platformdirs default)
    path: Optional[Path] = None  # for CSV tables and image folders (set by load from the name)
    label: Optional[str] = None  # CSV/iris target column; a series' value column
    task: Optional[str] = None  # --task: a CSV label read as classes or values (None: guessed)
    features: Optional[tuple] = None  # CSV/iris feature columns (default: all but the label)
    image_size: Optional[tuple] = None  # (height, width) for image folders
    image_shape: Optional[tuple] = None  # (height, width, channels) of a CSV of pixel columns
    color_mode: str = "auto"  # image folders: "auto" (gray if all are), "rgb" or "grayscale"
    test_size: float = 0.2  # for datasets without an official test split
    split_seed: int = 42  # the test split's seed (not the run's --seed: a split stays put)
    # series (datasets/series.py): windows of `lags` values -> the next `horizon`
    lags: int = 20
    horizon: int = 1
    target: str = "auto"  # levels, returns, diff; auto: returns if positive, else diff
    fill: str = "drop"  # null cells: drop, ffill, interpolate
    date_column: Optional[str] = None
    season: Optional[int] = None  # series: seasonal period (None: from the dates)
    covariates: Optional[tuple] = None  # series: other columns fed as lagged inputs
    series_column: Optional[str] = None  # series: a long-format table's id column ...
    series_id: Optional[str] = None  # ... and the series to read from it
    download: bool = True  # fetch missing official files from the internet
    strict: bool = False  # image folders: refuse files that cannot be decoded (else skip them)

    @classmethod
    def make(cls, **values):
        """Options from plain values (a command line, JSON): lists become tuples and text
        paths Paths, by each field's type; an unknown name is a TypeError."""
        return cls(**{k: _as_field(k, v) for k, v in values.items()})

    def to_dict(self):
        """JSON-ready: tuples as lists, paths as text."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, stored):
        """The options a :meth:`to_dict` wrote (names it does not know are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls.make(**{k: v for k, v in stored.items() if k in known})


def _plain(value):
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, Path) else value


def _as_field(name, value):
    if value is None:
        return None
    kind = _FIELD_KINDS.get(name)
    if kind is tuple and isinstance(value, list):
        return tuple(value)
    if kind is Path and isinstance(value, str):
        return Path(value)
    return value


def _kind(hint):
    """Path or tuple where a field's type is (Optional) one of them, else None."""
    for kind in (Path, tuple):
        if hint is kind or kind in typing.get_args(hint):
            return kind
    return None


_FIELD_KINDS = {name: _kind(hint) for name, hint in typing.get_type_hints(LoadOptions).items()}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Arrays plus what is needed to train on them and to say where they came from."""

    name: str
    task: str
    kind: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    input_shape: tuple
    source: str
    class_names: Optional[tuple] = None
    feature_names: Optional[tuple] = None
    extra: dict = field(default_factory=dict)
    windows: Any = None  # series only: datasets.series.Windows (levels, scaler, origins)
    # image folders: (path, reason) of the files left out because they cannot be decoded
    skipped: tuple = ()

    @property
    def n_classes(self):
        return len(self.class_names) if self.class_names else None

    def describe(self):
        """A JSON-ready description (no arrays) for config.json and reports."""
        return {
            "name": self.name, "task": self.task, "kind": self.kind,
            "n_train": int(len(self.x_train)), "n_test": int(len(self.x_test)),
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names) if self.class_names else None,
            "feature_names": list(self.feature_names) if self.feature_names else None,
            "source": self.source, **self.extra,
        }


def _module_name(name):
    return name.replace("-", "_")


def names():
    """Registry keys, sorted (private modules starting with ``_`` are helpers, not datasets)."""
    found = []
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_"):
            found.append(mod.name.replace("_", "-"))
    return sorted(found)


def get(name):
    """The dataset module for a registry name; a one-line error listing the choices."""
    if name not in names():
        raise UserError(f"unknown dataset {name!r}; choose one of: {', '.join(names())}, "
                        "or give a CSV file or a folder of images.")
    return importlib.import_module(f"{__name__}.{_module_name(name)}")


def resolve(spec):
    """Map a ``--dataset`` argument to (registry name, path or None).

    A registry name wins; otherwise an existing ``.csv`` file is a CSV table and an existing
    directory an image folder.
    """
    if spec in names():
        return spec, None
    path = Path(spec).expanduser()
    if path.is_dir():
        return "images", path
    if path.suffix.lower() in (".csv", ".tsv", ".txt") and path.is_file():
        return "csv", path
    if path.suffix.lower() == ".csv" or "/" in spec or path.suffix:
        raise UserError(f"--dataset {spec}: no such file or directory.")
    raise UserError(f"--dataset {spec}: unknown dataset; choose one of: {', '.join(names())}, "
                    "or give a CSV file or a folder of images.")


def info(spec):
    name, _ = resolve(spec)
    return get(name).INFO


def load(spec, options=None):
    """Load a dataset by ``--dataset`` argument into a :class:`Dataset`."""
    import dataclasses
    options = options or LoadOptions()
    name, path = resolve(spec)
    if path is not None:
        options = dataclasses.replace(options, path=path)
    return get(name).load(options)


def status(name, options):
    """Where a registry dataset stands, for ``kerascli datasets``: its module's
    ``status(options)``; without one, given by path (``INFO.needs_path``) or, for a dataset
    made in code, always present."""
    module = get(name)
    if hasattr(module, "status"):
        return module.status(options)
    if module.INFO.needs_path:
        return {"present": None, "valid": None, "location": "given by path",
                "note": f"--dataset PATH ({module.INFO.summary})"}
    return {"present": True, "valid": True, "location": None, "note": "made in code"}


def locations(options):
    """Where official files are looked for, in order: --data-dir, Keras' cache, kerascli's."""
    from kerascli.datasets import _sources
    return {"data_dir": _sources.data_dir(options), "keras_cache": _sources.keras_datasets_dir(),
            "cache_dir": _sources.cache_dir(options)}
