"""Reading a saved run: ``model.h5`` loaded safely, ``config.json`` and ``metrics.json`` checked
before anything uses them, incomplete runs refused, series models refused by predict.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kerascli import datasets
from kerascli.errors import DataError, UserError


@dataclass
class LoadedRun:
    model: Any
    model_path: Path
    record: Optional[dict] = None  # config.json, when the model sits in a run directory
    facts: dict = field(default_factory=dict)  # stored in model.h5 by kerascli (background)
    metrics: Optional[dict] = None  # metrics.json, likewise
    note: Optional[str] = None  # one line on what kind of run this is, for the user
    warnings: list = field(default_factory=list)  # lines the user should see (ignored fields)

    @property
    def command(self):
        """The command that made the run: train, compare or forecast (None: a bare .h5)."""
        if not self.record:
            return None
        return self.record.get("command", "train")  # config.json version 1: train runs only

    @property
    def background(self):
        """"dark"/"light": the training images' polarity, from config.json or, for a lone
        model.h5, from the file itself; None when unknown."""
        return (self.record or {}).get("background") or self.facts.get("background")

    @property
    def is_series(self):
        """A model over windows of a series (forecast's LSTM, or train lstm on a CSV)."""
        return ((self.record or {}).get("dataset") or {}).get("kind") == datasets.SERIES

    @property
    def trained_metrics(self):
        """The test metrics the network scored when it was trained (metrics.json)."""
        found = (self.metrics or {}).get("metrics")
        if self.command == "forecast" and isinstance(found, dict):
            return found.get("lstm")  # forecast's metrics.json scores every model
        return found

    @property
    def input_shape(self):
        return tuple(self.model.input_shape[1:])

    @property
    def class_names(self):
        names = ((self.record or {}).get("dataset") or {}).get("class_names")
        return list(names) if names else None

    @property
    def task(self):
        task = ((self.record or {}).get("dataset") or {}).get("task")
        if task:
            return task
        last = self.model.layers[-1]
        softmax = getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
        return datasets.CLASSIFICATION if softmax else datasets.REGRESSION


def load_run(path, unsafe=False, allow_incomplete=False):
    """Load ``model.h5`` (a run directory or an .h5 file) with plain Keras, safely: a model
    that would run code from the file (Lambda layers) is refused unless ``unsafe``
    (see :mod:`kerascli.safety`). The run directory is read by :func:`read_record` (a
    config.json of the wrong shape or from a newer kerascli is refused in one line) and a
    run marked INCOMPLETE (interrupted, diverged) is refused unless ``allow_incomplete``.

    Keras custom layers from kerascli are registered by ``import kerascli``.
    """
    from kerascli import safety
    from kerascli.core.rundir import RunDir

    path = Path(path)
    note = None
    warnings = []
    if path.is_dir():
        outer = read_record(path / "config.json", warnings)
        command = (outer or {}).get("command", "train")
        if command == "compare" and (path / "keras").is_dir():
            check_complete(path, allow_incomplete)
            # compare saves its Keras model (first seed) as a train run in RUN/keras
            note = (f"{path} is a compare run: using its Keras model, {path / 'keras'} (the "
                    "scikit-learn baselines are not saved; their scores are in results.json).")
            path = path / "keras"
        model_path = path / "model.h5"
        if not model_path.is_file():
            state = "" if RunDir(path).is_complete else " (the run did not complete)"
            raise DataError(path, f"no model.h5 in this directory{state}; give a run directory "
                                  "made by kerascli train, compare or forecast, or an .h5 file.")
    elif path.is_file():
        model_path = path
    else:
        raise UserError(f"{path}: no such file or directory.")
    if model_path.suffix.lower() not in (".h5", ".hdf5"):
        raise DataError(model_path, "not an .h5 model file; give a run directory or an .h5 file.")
    record = read_record(model_path.parent / "config.json", warnings)
    metrics = _read_json(model_path.parent / "metrics.json")
    if metrics is not None and not isinstance(metrics, dict):
        raise DataError(model_path.parent / "metrics.json",
                        f"holds {_json_kind(metrics)}, not the object kerascli writes; restore "
                        "or delete it.")
    if record is not None:
        check_complete(model_path.parent, allow_incomplete, record.get("command", "train"))
    model = safety.load_model(model_path, unsafe=unsafe)
    from kerascli import artifacts
    run = LoadedRun(model=model, model_path=model_path, record=record, metrics=metrics, note=note,
                    facts=artifacts.read_model_facts(model_path), warnings=warnings)
    if run.command == "forecast":
        run.note = (f"{model_path.parent} is a forecast run: its LSTM is re-scored on the test "
                    f"windows of {_series_source(run)} (the baselines' scores are in "
                    "metrics.json).")
    return run


# config.json's sections and the JSON types kerascli writes them as (None: may be null)
RECORD_FIELDS = {
    "version": (int,), "command": (str,), "config": (dict,), "kerascli": (str,),
    "created": (str,), "dataset": (dict,), "dataset_name": (str,),
    "load_options": (dict, None), "background": (str, None), "input_shape": (list,),
    "data_fingerprint": (dict, None), "n_params": (int, None), "seed": (int, None),
    "runtime": (dict, None), "versions": (dict, None)}


def _json_kind(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "a value")


def read_record(path, warnings=None):
    """A run's ``config.json`` for inference (None when absent), checked before anything
    uses it: an object, of a version this kerascli reads, each known section of the type
    kerascli writes. Anything else is one line naming the file (:class:`DataError`, exit 2).
    Fields kerascli does not know are ignored, each with a line added to ``warnings``."""
    from kerascli.core.config import SCHEMA_VERSION

    record = _read_json(path)
    if record is None:
        return None
    if not isinstance(record, dict):
        raise DataError(path, f"holds {_json_kind(record)}, not the object kerascli writes; "
                              "restore it from the run, or delete it and give --dataset.")
    version = record.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(path, f"'version' is {version!r}, not a config version (1 to "
                              f"{SCHEMA_VERSION}); restore the file.")
    if version > SCHEMA_VERSION:
        raise DataError(path, f"written by a newer kerascli (config version {version}; this "
                              f"one reads up to {SCHEMA_VERSION}); upgrade kerascli "
                              "(pip install -U kerascli).")
    for key, kinds in RECORD_FIELDS.items():
        if key not in record:
            continue
        value = record[key]
        ok = (value is None and None in kinds) or any(
            k is not None and isinstance(value, k) and not (k is int and isinstance(value, bool))
            for k in kinds)
        if not ok:
            raise DataError(path, f"'{key}' is {_json_kind(value)}, but kerascli writes "
                                  f"{_json_kind(kinds[0]())} there; restore the file.")
    for key in ("class_names", "feature_names", "column_kinds"):
        value = (record.get("dataset") or {}).get(key)
        if value is not None and not isinstance(value, list):
            raise DataError(path, f"'dataset.{key}' is {_json_kind(value)}, but kerascli writes "
                                  "a list there; restore the file.")
    unknown = sorted(set(record) - set(RECORD_FIELDS))
    if unknown and warnings is not None:
        warnings.append(f"{path}: unknown field{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(map(repr, unknown))} ignored (written by another kerascli?).")
    return record


def check_complete(run_dir, allow_incomplete, command="train"):
    """Refuse a run marked INCOMPLETE: its model.h5 is not the model the run finished with."""
    from kerascli.core.rundir import INCOMPLETE, RunDir

    if allow_incomplete or RunDir(run_dir).is_complete:
        return
    try:
        reason = (Path(run_dir) / INCOMPLETE).read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        reason = "unknown"
    reason = reason.splitlines()[0][:120]
    how = {"train": f"resume it with kerascli train MODEL --resume {run_dir}",
           "forecast": f"resume it with kerascli forecast --resume {run_dir}"}.get(
        command, "run it again")
    if reason.startswith("diverged"):
        how = "train it again (a lower --learning-rate)"
    raise DataError(run_dir, f"the run is incomplete ({reason}): its model.h5 is not the "
                             f"finished model; {how}, or pass --allow-incomplete to use it "
                             "anyway.")


def _series_source(run):
    record = run.record or {}
    return (record.get("load_options") or {}).get("path") or \
        (record.get("dataset") or {}).get("source") or "its series"


def check_predictable(run):
    """Refuse, in one line, a model ``predict`` cannot feed: one over windows of a series."""
    if not (run.is_series or run.command == "forecast"):
        return
    what = "a forecast run" if run.command == "forecast" else "a series model (train lstm)"
    lags = run.input_shape[0] if run.input_shape else "?"
    raise UserError(f"{run.model_path.parent}: {what}, an LSTM over windows of {lags} values of "
                    f"{_series_source(run)}; predict is not for series models: run `kerascli "
                    "forecast FILE` with the same options to forecast beyond the data, or "
                    f"`kerascli evaluate {run.model_path.parent}` to re-score its test windows.")


def _read_json(path):
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(path, f"unreadable JSON ({exc}); restore or delete it.") from None


def train_config(run):
    """The TrainConfig of the network in ``run`` (a train, compare or forecast run), read by
    the one reader :func:`kerascli.core.config.from_dict`; None without config.json."""
    from kerascli.core import config

    if not run.record:
        return None
    cfg = config.from_dict(run.record)
    return getattr(cfg, "train", cfg)


def tell(run, log):
    """Say what the user should know about a loaded run (its kind, ignored fields)."""
    if log is None:
        return
    for line in ([run.note] if run.note else []) + run.warnings:
        log(line)


def label_name(path):
    """The label column a run's config.json names (a table run), or None."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    for candidate in (folder / "config.json", folder / "keras" / "config.json"):
        try:
            record = read_record(candidate)
        except UserError:
            return None
        if record:
            label = (record.get("dataset") or {}).get("label")
            return label if isinstance(label, str) and label else None
    return None
