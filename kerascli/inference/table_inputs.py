"""CSV rows as a model's input: feature columns by name (as numbers, or as raw text for a
model whose TableEncoder reads text), or pixel columns as images; every cell checked, a bad
one named by row, line and column."""
from kerascli.datasets.csv import read as read_csv
from kerascli.errors import DataError, UserError
from kerascli.inference.inputs import describe_input


FLOAT32_MAX = 3.4028234663852886e38


def _where(frame, row):
    """How a data row is named in messages: 1-based, with its line in the file."""
    return f"row {row + 1} (line {row + 2})"


def _numbers(path, frame):
    """A frame's cells as float32, refusing text and numbers a float32 cannot hold."""
    import numpy as np
    from kerascli.datasets._tabular import numbers

    values = frame.apply(numbers)  # TRUE/FALSE as 1/0, as training read them
    if len(values) == 0:
        raise DataError(path, "no rows to predict.")
    array = values.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(array) | (np.abs(np.nan_to_num(array)) > FLOAT32_MAX)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        cell = frame.iloc[row, col]
        why = ("is not a number" if np.isnan(array[row, col]) and not _is_nan_text(cell)
               else "is outside what the model's float32 inputs hold (finite, at most 3.4e38)")
        raise DataError(path, f"{_where(frame, row)}, column {frame.columns[col]!r}: {cell!r} "
                              f"{why}.")
    return array.astype(np.float32)


def _is_nan_text(cell):
    return str(cell).strip().lower() in ("nan", "+nan", "-nan")


def table_rows(path, input_shape, feature_names=None, column_kinds=None, id_column=None):
    """Read a CSV file's rows as model inputs (feature columns by name when known).

    ``column_kinds`` (a model trained on a table with text columns or empty cells, whose
    TableEncoder takes raw cell text): the cells as text, empty ones allowed; a numeric
    column's cells must still be numbers. Returns ``(rows, ids)``: ``ids`` is the
    ``id_column``'s cells, or None."""
    if len(input_shape) != 1:
        raise UserError(f"{path}: this model takes {describe_input(input_shape)}, not table rows.")
    # the reader training used (separator sniffed the same way); text columns: the cells
    # exactly as written (training saw them so), not re-parsed
    frame = read_csv(path, dtype=str if column_kinds else None)
    ids = _ids(path, frame, id_column)
    if feature_names:
        missing = [c for c in feature_names if c not in frame.columns]
        if missing:
            raise DataError(path, f"no column {missing[0]!r}; the model needs columns: "
                                  f"{', '.join(feature_names)}.")
        frame = frame[list(feature_names)]
    else:
        if ids is not None:
            frame = frame.drop(columns=[id_column])
        if frame.shape[1] != input_shape[0]:
            raise DataError(path, f"{frame.shape[1]} columns but the model takes "
                                  f"{input_shape[0]} features (no config.json names them).")
    if column_kinds:
        return _text_rows(path, frame, column_kinds), ids
    return _numbers(path, frame), ids


def _ids(path, frame, id_column):
    if id_column is None or id_column not in frame.columns:
        return None
    return [str(v) for v in frame[id_column].astype(object).where(frame[id_column].notna(), "")]


def pixel_rows(path, input_shape, id_column=None, dataset=None):
    """A CSV of pixel rows (Kaggle's Digit Recognizer test.csv: pixel0..pixel783, 0-255,
    row-major) as images of ``input_shape``. A run trained on a pixel table (``dataset``,
    config.json's facts, ``layout: pixel-csv``) names its pixel columns in order: they are
    taken by name, and a table without one of them, or with pixel columns training did not
    have, is refused. Otherwise every column but a ``label`` column and ``id_column`` is a
    pixel, in the file's order. Returns ``(images, ids)``."""
    import numpy as np
    from kerascli.datasets.csv import PIXEL_COLUMN

    frame = read_csv(path)
    ids = _ids(path, frame, id_column)
    dataset = dataset or {}
    names = dataset.get("feature_names") if dataset.get("layout") == "pixel-csv" else None
    size = int(np.prod(input_shape))
    if names:
        shape = tuple(dataset.get("image_shape") or input_shape)
        if shape != tuple(input_shape) or len(names) != size:
            raise DataError(path, f"the run's config.json describes {len(names)} pixel columns "
                                  f"of {'x'.join(map(str, shape))} images, but its model takes "
                                  f"{'x'.join(map(str, input_shape))}; the run is inconsistent.")
        missing = [c for c in names if c not in frame.columns]
        known = set(names) | {id_column, dataset.get("label")}
        extra = [c for c in frame.columns if c not in known and PIXEL_COLUMN.fullmatch(c.strip())]
        if missing or extra:
            what = (f"no column {missing[0]!r}" + (f" ({len(missing)} missing)"
                                                    if len(missing) > 1 else "")
                    if missing else f"column {extra[0]!r} was not a pixel in training")
            also = (f"; it has {', '.join(repr(c) for c in extra[:3])}"
                    f"{' ...' if len(extra) > 3 else ''} instead" if missing and extra else "")
            raise DataError(path, f"{what}{also}: the model takes the {size} pixel columns "
                                  f"it was trained on, {names[0]}..{names[-1]}.")
        pixels = frame[list(names)]
    else:
        drop = [c for c in frame.columns if c == id_column or c.lower() == "label"]
        pixels = frame.drop(columns=drop)
        if pixels.shape[1] != size:
            raise DataError(path, f"{pixels.shape[1]} pixel columns but the model takes "
                                  f"{'x'.join(map(str, input_shape))} = {size} values per "
                                  "image.")
    array = _numbers(path, pixels)
    if array.min(initial=0) < 0 or array.max(initial=0) > 255:
        row = int(np.argwhere((array < 0) | (array > 255))[0][0])
        raise DataError(path, f"{_where(pixels, row)}: pixel values must be 0 to 255.")
    return np.rint(array).astype(np.uint8).reshape((-1, *input_shape)), ids


def _text_rows(path, frame, column_kinds):
    """Raw cell text (``""`` where empty), checking that numeric columns hold numbers and
    date columns ISO dates (the model's TableEncoder parses them as training did)."""
    import numpy as np
    import pandas as pd
    from kerascli.datasets._tabular import ISO_DATE, LOGICAL, numbers, shown

    if len(frame) == 0:
        raise DataError(path, "no rows to predict.")
    cells = frame.astype(object).where(frame.notna(), "")
    for col, kind in zip(frame.columns, column_kinds):
        if kind not in ("numeric", "date"):
            continue
        text = cells[col].astype(str).str.strip()
        if kind == "numeric":
            values = numbers(text.where(text != "", "0"))
            bad = values.isna() | ~np.isfinite(values.fillna(0)) | (values.abs() > FLOAT32_MAX)
            # TRUE/FALSE as the 1/0 training read them: the model's encoder parses numbers
            words = text.str.lower().isin(list(LOGICAL))
            cells[col] = cells[col].where(~words, values.astype(str))
        else:
            bad = (text != "") & text.map(ISO_DATE.fullmatch).isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            if kind == "date":
                why = "is not a date written YYYY-MM-DD"
            elif pd.isna(values.iloc[row]):
                why = "is not a number"
            else:
                why = "is outside what the model's float32 inputs hold (finite, at most 3.4e38)"
            raise DataError(path, f"{_where(frame, row)}, column {shown(col)}: "
                                  f"{shown(text.iloc[row])} {why}.")
    return cells.to_numpy(dtype=str)


def unseen_categories(run, rows):
    """For a model with a TableEncoder: per text column, the values of ``rows`` (raw cell
    text) that its training rows never had, ``{column: {value: [row index, ...]}}``; the
    model reads each as an unknown category."""
    from kerascli.models.layers import TableEncoder

    encoder = next((layer for layer in run.model.layers if isinstance(layer, TableEncoder)), None)
    if encoder is None:
        return {}
    found = {}
    for i, column in enumerate(encoder.columns):
        if column["kind"] != "categorical":
            continue
        known = set(column["vocabulary"])
        for r, value in enumerate(rows[:, i]):
            if value not in known:
                found.setdefault(column["name"], {}).setdefault(str(value), []).append(r)
    return found
