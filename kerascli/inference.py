"""Using a saved model: reload a run (``model.h5`` + ``config.json``), evaluate it on its
test set, predict image files or CSV rows. No Click here (``evaluate``/``predict`` are thin).

A saved model holds its own scaling (see kerascli.core.fit), so raw pixels or raw CSV
values go straight in; ``config.json`` beside it says which dataset and split it was
trained on, the class names, the feature columns and the images' background polarity.
"""
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kerascli import datasets
from kerascli.errors import DataError, UserError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt"}
ONE_BATCH = 256  # inputs predicted in one predict_on_batch call (predict_outputs' batch)


@dataclass
class LoadedRun:
    model: Any
    model_path: Path
    record: Optional[dict] = None  # config.json, when the model sits in a run directory
    facts: dict = field(default_factory=dict)  # stored in model.h5 by kerascli (background)
    metrics: Optional[dict] = None  # metrics.json, likewise
    note: Optional[str] = None  # one line on what kind of run this is, for the user

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


def load_run(path, unsafe=False):
    """Load ``model.h5`` (a run directory or an .h5 file) with plain Keras, safely: a model
    that would run code from the file (Lambda layers) is refused unless ``unsafe``
    (see :mod:`kerascli.safety`).

    Keras custom layers from kerascli are registered by ``import kerascli``.
    """
    from kerascli import safety
    from kerascli.core.rundir import RunDir

    path = Path(path)
    note = None
    if path.is_dir():
        command = (_read_json(path / "config.json") or {}).get("command", "train")
        if command == "compare" and (path / "keras").is_dir():
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
    model = safety.load_model(model_path, unsafe=unsafe)
    record = _read_json(model_path.parent / "config.json")
    metrics = _read_json(model_path.parent / "metrics.json")
    from kerascli import artifacts
    run = LoadedRun(model=model, model_path=model_path, record=record, metrics=metrics, note=note,
                    facts=artifacts.read_model_facts(model_path))
    if run.command == "forecast":
        run.note = (f"{model_path.parent} is a forecast run: its LSTM is re-scored on the test "
                    f"windows of {_series_source(run)} (the baselines' scores are in "
                    "metrics.json).")
    return run


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


# ---------------------------------------------------------------- evaluate

def train_config(run):
    """The TrainConfig of the network in ``run`` (a train, compare or forecast run), read by
    the one reader :func:`kerascli.core.config.from_dict`; None without config.json."""
    from kerascli.core import config

    if not run.record:
        return None
    cfg = config.from_dict(run.record)
    return getattr(cfg, "train", cfg)


def test_dataset(run, spec=None, data_dir=None, cache_dir=None):
    """The dataset a run was trained on (same split), or ``spec`` read with its options."""
    import dataclasses

    record = run.record or {}
    if spec is None and not record:
        raise UserError(f"{run.model_path}: no config.json beside the model to say which data it "
                        "was trained on; give --dataset.")
    cfg = train_config(run)
    options = cfg.load_options() if cfg is not None else datasets.LoadOptions()
    options = dataclasses.replace(
        options, path=_path((record.get("load_options") or {}).get("path")),
        data_dir=Path(data_dir) if data_dir else options.data_dir,
        cache_dir=Path(cache_dir) if cache_dir else options.cache_dir)
    if spec is not None:
        name, path = datasets.resolve(spec)
        options = dataclasses.replace(options, path=path)
    else:
        name = record.get("dataset_name") or cfg.dataset
    dataset = datasets.get(name).load(options)
    if cfg is not None:  # the label read as training read it (--task, linreg's values)
        from kerascli.core import data as core_data
        dataset = core_data.apply_task(cfg, dataset)
    if tuple(dataset.input_shape) != run.input_shape:
        raise UserError(f"dataset {dataset.name!r} has inputs of shape {tuple(dataset.input_shape)}"
                        f" but the model expects {run.input_shape}; choose a matching --dataset.")
    if dataset.task == datasets.CLASSIFICATION and run.model.output_shape[-1] != dataset.n_classes:
        raise UserError(f"dataset {dataset.name!r} has {dataset.n_classes} classes but the model "
                        f"predicts {run.model.output_shape[-1]}; choose a matching --dataset.")
    return dataset


def _path(value):
    return Path(value) if value else None


def evaluate_run(path, spec=None, data_dir=None, cache_dir=None, unsafe=False, log=None,
                 allow_changed_data=False):
    """Reload a saved model and compute the test metrics :func:`kerascli.core.fit.train`
    reported (identical on the same data). Returns a JSON-ready dict.

    A compare run is evaluated through its Keras model (RUN/keras), a forecast run's LSTM on
    its test windows; ``log`` is called with the one line saying so. Data that changed since
    training (its fingerprint in config.json differs) is refused in one line unless
    ``allow_changed_data``; then the result says ``data_changed``."""
    from kerascli.core import fingerprint, metrics as metrics_mod

    run = load_run(path, unsafe=unsafe)
    if run.note and log is not None:
        log(run.note)
    horizon = (train_config(run).horizon if run.is_series and run.record else None)
    if horizon and int(run.model.output_shape[-1]) != horizon:
        raise UserError(f"{run.model_path.parent}: a series model that forecasts one step and "
                        f"is fed back for {horizon} steps; evaluate scores direct models only: "
                        f"its test scores are in {run.model_path.parent / 'metrics.json'}, or "
                        "run kerascli forecast again to re-score it.")
    dataset = test_dataset(run, spec, data_dir, cache_dir)
    changed = None
    recorded = (run.record or {}).get("data_fingerprint")
    if spec is None and recorded:  # the run's own data: is it still what it trained on?
        data_path = _path(((run.record or {}).get("load_options") or {}).get("path"))
        changed = fingerprint.difference(recorded, fingerprint.record(data_path, dataset))
        if changed and not allow_changed_data:
            raise DataError(data_path or dataset.name,
                            f"the data changed since training ({changed}): its test rows are "
                            "not the ones this model was tested on, and rows it trained on may "
                            "now be test rows; restore the data, or pass --allow-changed-data "
                            "to score anyway.")
    metrics = metrics_mod.evaluate(run.model, dataset)
    return {"model_path": str(run.model_path), "dataset": dataset.name, "task": dataset.task,
            "n_test": int(len(dataset.x_test)), "source": dataset.source, "metrics": metrics,
            "trained_metrics": run.trained_metrics, "run_command": run.command,
            "data_changed": changed}


# ---------------------------------------------------------------- predict

def describe_input(input_shape):
    """What a model's input is, in words, with what to give it (for one-line refusals)."""
    shape = tuple(input_shape)
    if len(shape) == 1:
        return f"table rows of {shape[0]} values (give a CSV file)"
    if len(shape) == 2:
        return (f"windows of {shape[0]} past values of a series ({shape[1]} per step; an LSTM): "
                "predict cannot feed it; use kerascli forecast FILE.csv")
    if len(shape) == 3:
        channels = {1: "grayscale", 3: "RGB"}.get(shape[2], f"{shape[2]}-channel")
        return f"images ({channels}, {shape[0]}x{shape[1]} pixels; give image files)"
    return f"inputs of shape {shape}"


def image_array(path, input_shape, background=None):
    """Read an image file as the model's input: resized to (height, width), grayscale or RGB
    as the model's channels say, uint8 0-255; inverted when its background polarity (mean
    brightness of its border) differs from the training images' (``background``:
    "dark"/"light"). Returns (array, inverted)."""
    from PIL import UnidentifiedImageError
    from kerascli.datasets import images

    if len(input_shape) != 3:
        raise UserError(f"{path}: this model takes {describe_input(input_shape)}, not images.")
    height, width, channels = input_shape
    try:  # the decode/resize training used (transparency on white, 16-bit scaled, CMYK)
        x = images.decode_file(path, (height, width), channels)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except images.UndecodableImage as exc:  # a whole header, broken pixels
        raise DataError(path, f"{exc}; re-save or replace the file.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DataError(path, f"not an image Pillow can read ({exc.__class__.__name__}).") from None
    inverted = False
    if background in ("dark", "light"):
        from kerascli.core.data import background_of  # the measure training recorded
        if background_of(x[None]) != background:
            x = 255 - x
            inverted = True
    return x, inverted


def table_rows(path, input_shape, feature_names=None, column_kinds=None):
    """Read a CSV file's rows as model inputs (feature columns by name when known).

    ``column_kinds`` (a model trained on a table with text columns or empty cells, whose
    TableEncoder takes raw cell text): the cells as text, empty ones allowed; a numeric
    column's cells must still be numbers."""
    import numpy as np
    import pandas as pd

    if len(input_shape) != 1:
        raise UserError(f"{path}: this model takes {describe_input(input_shape)}, not table rows.")
    try:
        # text columns: the cells exactly as written (training saw them so), not re-parsed
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str if column_kinds else None)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(path, f"not a readable CSV file ({str(exc).splitlines()[0][:120]}).") from None
    frame.columns = [str(c) for c in frame.columns]
    if feature_names:
        missing = [c for c in feature_names if c not in frame.columns]
        if missing:
            raise DataError(path, f"no column {missing[0]!r}; the model needs columns: "
                                  f"{', '.join(feature_names)}.")
        frame = frame[list(feature_names)]
    elif frame.shape[1] != input_shape[0]:
        raise DataError(path, f"{frame.shape[1]} columns but the model takes {input_shape[0]} "
                              "features (no config.json names them).")
    if column_kinds:
        return _text_rows(path, frame, column_kinds)
    values = frame.apply(pd.to_numeric, errors="coerce")
    if values.isna().to_numpy().any():
        row, col = np.argwhere(values.isna().to_numpy())[0]
        raise DataError(path, f"row {row + 2}, column {frame.columns[col]!r}: "
                              f"{frame.iloc[row, col]!r} is not a number.")
    if len(values) == 0:
        raise DataError(path, "no rows to predict.")
    return values.to_numpy(dtype=np.float32)


class Upload(io.BytesIO):
    """An input that arrives as bytes (a file sent to ``kerascli serve``), read exactly as a
    file of that name would be: the suffix picks image or CSV, the name stands for the path
    in results and messages."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name = name

    @property
    def suffix(self):
        return Path(self.name).suffix

    def is_file(self):
        return True

    def __str__(self):
        return self.name


def _text_rows(path, frame, column_kinds):
    """Raw cell text (``""`` where empty), checking that numeric columns hold numbers."""
    import numpy as np
    import pandas as pd

    if len(frame) == 0:
        raise DataError(path, "no rows to predict.")
    cells = frame.astype(object).where(frame.notna(), "")
    for col, kind in zip(frame.columns, column_kinds):
        if kind != "numeric":
            continue
        text = cells[col].astype(str).str.strip()
        bad = pd.to_numeric(text.where(text != "", "0"), errors="coerce").isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(path, f"row {row + 2}, column {col!r}: {text.iloc[row]!r} is not a "
                                  "number.")
    return cells.to_numpy(dtype=str)

def predict_files(path, inputs, top_k=3, unsafe=False, log=None, background=None):
    """Predict every input (image files, or CSV files of rows) with the saved model.

    Returns a list of dicts: ``{"input", "top": [{"class", "index", "probability"}, ...]}``
    for classifiers (``top_k`` best first), ``{"input", "value"}`` for regressors; image
    entries carry ``"inverted"`` when the drawing's polarity was flipped. A compare run
    predicts with its Keras model (``log`` gets the one line saying so); a forecast run is
    refused in one line (see :func:`check_predictable`).
    """
    run = load_run(path, unsafe=unsafe)
    check_predictable(run)
    if run.note and log is not None:
        log(run.note)
    if (log is not None and len(run.input_shape) == 3 and background is None
            and run.background is None):
        log(f"note: {run.model_path.name} does not say whether its training images were light "
            "on dark (MNIST) or dark on light, so images go in as they are; pass --background "
            "dark or --background light to match drawings to it.")
    return predict(run, inputs, top_k=top_k, background=background)


def predict(run, inputs, top_k=3, with_inputs=False, background=None):
    """:func:`predict_files` on an already loaded run; ``inputs`` are paths or
    :class:`Upload`. ``kerascli serve`` answers through this too, so the API and
    ``predict --json`` agree. With ``with_inputs``, returns ``(entries, batch)``: the arrays
    the model saw as well."""
    import numpy as np
    from kerascli.core.metrics import predict_outputs

    check_predictable(run)
    record = run.record or {}
    names = run.class_names
    entries, batch = [], []
    for item in inputs:
        item = item if isinstance(item, Upload) else Path(item)
        suffix = item.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            features = (record.get("dataset") or {}).get("feature_names")
            rows = table_rows(item, run.input_shape, features,
                              (record.get("dataset") or {}).get("column_kinds"))
            for i, row in enumerate(rows):
                entries.append({"input": f"{item}:{i + 2}"})
                batch.append(row)
        elif suffix in IMAGE_SUFFIXES or item.is_file():
            x, inverted = image_array(item, run.input_shape, background or run.background)
            entries.append({"input": str(item), "inverted": inverted})
            batch.append(x)
        else:
            raise UserError(f"{item}: no such file.")
    x = np.stack(batch)
    if len(x) <= ONE_BATCH and x.dtype.kind in "fiu":
        # the same numbers as model.predict, without its ~100 ms set-up per call on CPU
        # (benchmarks/serve_load.py; a served model predicts one drawing at a time)
        outputs = np.asarray(run.model.predict_on_batch(x), dtype=np.float64)
    else:
        outputs = predict_outputs(run.model, x)
    for entry, out in zip(entries, outputs):
        if run.task == datasets.CLASSIFICATION:
            order = np.argsort(-out, kind="stable")[:max(1, top_k)]
            entry["top"] = [{"class": names[i] if names else str(int(i)), "index": int(i),
                             "probability": float(out[i])} for i in order]
        else:
            entry["value"] = float(out[0]) if out.size == 1 else [float(v) for v in out]
    return (entries, x) if with_inputs else entries
