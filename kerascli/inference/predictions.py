"""Predicting with a saved run: every input (image files, folders of them, CSV rows)
through the model at once, answered as the top classes or values; the same code path for
``predict`` and ``kerascli serve``."""
import io
from pathlib import Path

from kerascli import datasets
from kerascli.errors import DataError, UserError
from kerascli.inference.image_inputs import image_array, polarity
from kerascli.inference.inputs import IMAGE_SUFFIXES, TABLE_SUFFIXES, Upload, expand_inputs
from kerascli.inference.saved_run import check_predictable, load_run, tell
from kerascli.inference.table_inputs import pixel_rows, table_rows, unseen_categories

ONE_BATCH = 256  # inputs predicted in one predict_on_batch call (predict_outputs' batch)


def predict_files(path, inputs, top_k=3, unsafe=False, log=None, background=None,
                  allow_incomplete=False, id_column=None):
    """Predict every input (image files, folders of them, or CSV files of rows) with the
    saved model.

    Returns a list of dicts: ``{"input", "top": [{"class", "index", "probability"}, ...]}``
    for classifiers (``top_k`` best first), ``{"input", "value"}`` for regressors; image
    entries carry ``"inverted"`` when the drawing's polarity was flipped, CSV rows their
    ``"row"`` (1-based) and ``"id"`` (``id_column``'s cell), and ``"unseen"`` for text cells
    the model never saw in training. A compare run predicts with its Keras model (``log``
    gets the one line saying so, and one line per column with unseen values); a forecast
    run is refused in one line (see :func:`check_predictable`).
    """
    run = load_run(path, unsafe=unsafe, allow_incomplete=allow_incomplete)
    check_predictable(run)
    tell(run, log)
    if (log is not None and len(run.input_shape) == 3 and background is None
            and run.background is None):
        log(f"note: {run.model_path.name} does not say whether its training images were light "
            "on dark (MNIST) or dark on light, so images go in as they are; pass --background "
            "dark or --background light to match drawings to it.")
    entries = predict(run, inputs, top_k=top_k, background=background, id_column=id_column)
    if log is not None:
        for line in unseen_notes(entries):
            log(line)
    return entries


def unseen_notes(entries):
    """One line per column whose values the model never saw in training."""
    by_column = {}
    for entry in entries:
        for column, value in (entry.get("unseen") or {}).items():
            by_column.setdefault(column, []).append((entry["input"], value))
    lines = []
    for column, seen in by_column.items():
        values = sorted({v for _, v in seen})
        shown = ", ".join(repr(v) for v in values[:3]) + (" ..." if len(values) > 3 else "")
        lines.append(f"note: column {column!r}: {shown} never appeared in the training rows "
                     f"({len(seen)} row{'s' if len(seen) > 1 else ''}, first {seen[0][0]}); "
                     "the model reads it as an unknown category.")
    return lines


def model_outputs(model, x):
    """The model's outputs for ``x`` as float64, the call predict and serve's warm-up share."""
    import numpy as np
    from kerascli.core.metrics import predict_outputs

    if len(x) <= ONE_BATCH and x.dtype.kind in "fiu":
        # the same numbers as model.predict, without its ~100 ms set-up per call on CPU
        # (benchmarks/serve_load.py; a served model predicts one drawing at a time)
        return np.asarray(model.predict_on_batch(x), dtype=np.float64)
    return predict_outputs(model, x)


def blank_input(run):
    """One input the model takes, for a warm-up: zeros, or empty cells for a model that
    reads raw table text (its TableEncoder fills them as training did)."""
    import numpy as np

    dtype = getattr(run.model.inputs[0], "dtype", "float32") if run.model.inputs else "float32"
    if "string" in str(dtype):
        return np.full((1,) + run.input_shape, "", dtype=str)
    return np.zeros((1,) + run.input_shape, np.float32)


def predict(run, inputs, top_k=3, with_inputs=False, background=None, id_column=None):
    """:func:`predict_files` on an already loaded run; ``inputs`` are paths (files or
    folders) or :class:`Upload`. ``kerascli serve`` answers through this too, so the API and
    ``predict --json`` agree. With ``with_inputs``, returns ``(entries, batch)``: the arrays
    the model saw as well."""
    import numpy as np

    check_predictable(run)
    record = run.record or {}
    dataset = record.get("dataset") or {}
    names = run.class_names
    entries, batch = [], []
    for item in expand_inputs(inputs):
        item = item if isinstance(item, Upload) else Path(item)
        suffix = item.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            if len(run.input_shape) == 3:  # pixel rows for an image model
                rows, ids = pixel_rows(item, run.input_shape, id_column, dataset)
                rows = [polarity(x, background or run.background)[0] for x in rows]
                unseen = {}
            else:
                rows, ids = table_rows(item, run.input_shape, dataset.get("feature_names"),
                                       dataset.get("column_kinds"), id_column)
                unseen = unseen_categories(run, rows) if dataset.get("column_kinds") else {}
            for i, row in enumerate(rows):
                entry = {"input": f"{item} row {i + 1}", "row": i + 1}
                if ids is not None:
                    entry["id"] = ids[i]
                cells = {col: v for col, found in unseen.items() for v, where in found.items()
                         if i in where}
                if cells:
                    entry["unseen"] = cells
                entries.append(entry)
                batch.append(row)
        elif suffix in IMAGE_SUFFIXES or item.is_file():
            x, inverted = image_array(item, run.input_shape, background or run.background)
            entries.append({"input": str(item), "inverted": inverted})
            batch.append(x)
        else:
            raise UserError(f"{item}: no such file or folder.")
    x = np.stack(batch)
    outputs = model_outputs(run.model, x)
    if not np.isfinite(outputs).all():
        bad = entries[int(np.argwhere(~np.isfinite(outputs))[0][0])]["input"]
        raise DataError(bad, "the model's output is not a finite number for this input (values "
                             "far outside the training range?); check the input.")
    for entry, out in zip(entries, outputs):
        if run.task == datasets.CLASSIFICATION:
            order = np.argsort(-out, kind="stable")[:max(1, top_k)]
            entry["top"] = [{"class": names[i] if names else str(int(i)), "index": int(i),
                             "probability": float(out[i])} for i in order]
        else:
            entry["value"] = float(out[0]) if out.size == 1 else [float(v) for v in out]
    return (entries, x) if with_inputs else entries


def submission_csv(entries, id_column="id", label_column=None):
    """Predictions as a submission file's text (Kaggle's ``ImageId,Label``): one line per
    input, its id (``id_column``'s cell, else the 1-based row or the file name) and the
    predicted class (or value)."""
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([id_column or "id", label_column or "label"])
    for entry in entries:
        ident = entry.get("id", entry.get("row", entry["input"]))
        label = entry["top"][0]["class"] if "top" in entry else entry["value"]
        writer.writerow([ident, repr(label) if isinstance(label, float) else label])
    return text.getvalue()
