"""A CSV table given by path: feature columns (numbers or text) plus a label column by name.

``--dataset table.csv --label price`` (every other column a feature) or ``--features a,b``.
A label with few whole-number or text values is a class label (classification); other
numeric labels are regression targets; a text label's values are the class names. Text
feature columns are categories, one-hot encoded inside the model (unknown values at predict
time fall in an "unknown" bucket); empty cells of numeric columns are filled with the mean of
the training rows (see datasets/_tabular.py). The separator (``,`` ``;`` tab ``|``) is
sniffed from the first lines (:func:`sniff`), for training and predicting alike. A seeded
split holds out ``test_size`` (stratified for classes).

A table of pixels (Kaggle's Digit Recognizer train.csv: label, pixel0..pixel783; or any
table with ``--image-shape H,W[,C]``) is an image dataset instead, for every image model:
see :func:`pixel_layout`. The run's config.json records ``layout: pixel-csv``, the
``image_shape`` and the pixel columns in order (``feature_names``).
"""
import re

from kerascli.datasets import CLASSIFICATION, IMAGE, TABULAR, DatasetInfo

INFO = DatasetInfo(name="csv", kind=TABULAR, task=CLASSIFICATION,
                   summary="a CSV table: numeric or text features + a label column (--dataset FILE --label COL)",
                   needs_path=True)


# Bounds on a table's header, checked before pandas reads anything: a one-line 10 MB header
# (1.3 million columns) made pandas take > 300 s and 2.4 GB before any error could be given.
# CIFAR-10 as pixel columns is 3,072 columns; 64x64x3 images 12,288.
MAX_HEADER_BYTES = 1 << 20
MAX_COLUMNS = 20_000
SEPARATORS = (",", ";", "\t", "|")  # tried in this order; the first of equal ones wins
SNIFF_LINES = 20


def read(source, *, dtype=None):
    """The table as a DataFrame; a file that is not a readable table is one DataError.

    ``source`` is a path or a file-like object with a ``name`` (an upload to ``kerascli
    serve``). The one reader of CSV tables, for training and for predicting: the separator
    is sniffed (:func:`sniff`), the header is bounded (:data:`MAX_HEADER_BYTES`,
    :data:`MAX_COLUMNS`) and its names must be distinct. ``dtype=str`` keeps every cell's
    text as written."""
    import pandas as pd
    from kerascli.datasets._tabular import shown
    from kerascli.errors import DataError
    sep, _ = header(source)
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        frame = pd.read_csv(source, sep=sep, dtype=dtype)
    except pd.errors.EmptyDataError:
        raise DataError(source, "is empty; expected a header row and data rows.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, RecursionError,
            OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(source, f"not a readable CSV table ({shown(first, 120)}).") from None
    if frame.empty:
        raise DataError(source, "has a header but no data rows.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def header(source):
    """(separator, column names) of a table, read from its first line only: the bounds and
    the duplicate check of :func:`read`, without reading the rows."""
    from kerascli.datasets._tabular import shown
    from kerascli.errors import DataError
    try:
        head = _head(source)
    except FileNotFoundError:
        raise DataError(source, "no such file.") from None
    except OSError as exc:
        raise DataError(source, f"cannot be read ({exc.strerror or type(exc).__name__}).") from None
    if not head.strip():
        raise DataError(source, "is empty; expected a header row and data rows.")
    lines = head.splitlines()
    if len(lines[0].encode("utf-8", "replace")) > MAX_HEADER_BYTES:
        raise DataError(source, f"the header line is longer than {MAX_HEADER_BYTES >> 20} MiB; "
                                "not a table kerascli reads (at most "
                                f"{MAX_COLUMNS:,} columns).")
    sep = sniff(lines, default="\t" if _suffix(source) == ".tsv" else ",")
    header_names = next(csv_module().reader([lines[0]], delimiter=sep))
    if len(header_names) > MAX_COLUMNS:
        raise DataError(source, f"{len(header_names):,} columns; kerascli reads tables of at most "
                                f"{MAX_COLUMNS:,} columns.")
    seen, duplicates = {}, []
    for i, name in enumerate(header_names):
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.setdefault(name, i)
    if duplicates:
        where = "; ".join(f"{shown(d)} (columns "
                          f"{', '.join(str(i + 1) for i, n in enumerate(header_names) if n == d)})"
                          for d in duplicates[:5])
        raise DataError(source, f"duplicate column names: {where}; give each column its own "
                                "name.")
    return sep, header_names


def sniff(lines, default=","):
    """The separator of a table whose first lines are ``lines``: of ``,`` ``;`` tab ``|``, the
    one splitting the header into the most fields with every complete line after it split
    into as many (quotes respected); ``default`` when none splits the header."""
    reader = csv_module().reader
    body = lines[1:SNIFF_LINES]
    if len(lines) > 2 and len(body) == len(lines) - 1:
        body = body[:-1]  # the last line read may be cut short
    best, best_fields = default, 1
    for sep in sorted(SEPARATORS, key=lambda s: s != default):
        fields = len(next(reader([lines[0]], delimiter=sep)))
        if fields <= best_fields:
            continue
        if all(len(row) == fields for row in reader([b for b in body if b.strip()],
                                                    delimiter=sep)):
            best, best_fields = sep, fields
    return best


def _head(source, size=MAX_HEADER_BYTES + (64 << 10)):
    """The first ``size`` bytes as text (at least the header line, up to its bound)."""
    if hasattr(source, "read"):
        data = source.read(size)
        source.seek(0)
    else:
        with open(source, "rb") as f:
            data = f.read(size)
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return data.lstrip("\ufeff")


def _suffix(source):
    from pathlib import Path
    return Path(str(getattr(source, "name", source))).suffix.lower()


def csv_module():
    import csv  # the standard library's (absolute import), not this module
    return csv


def load(options):
    from pathlib import Path
    from kerascli.datasets._tabular import from_frame, listed
    from kerascli.errors import DataError, UserError

    if options.path is None:
        raise UserError("the csv dataset needs a file: --dataset FILE.csv --label COLUMN.")
    path = Path(options.path).expanduser()
    layout = pixel_layout(path, options)
    frame = read(path)
    if layout is not None:
        return from_pixels(frame, path, *layout, options)
    if not options.label:
        raise DataError(path, "which column is the label? Give --label COLUMN; columns are: "
                              f"{listed(frame.columns)}.")
    return from_frame(frame, name=path.stem, source=str(path), label=options.label,
                      features=options.features, test_size=options.test_size, seed=options.split_seed)


def describe(path, options):
    """The :class:`DatasetInfo` of this file, from its header: an image dataset for a table
    of pixels (:func:`pixel_layout`), else a table."""
    import dataclasses
    if pixel_layout(path, options) is not None:
        return dataclasses.replace(INFO, kind=IMAGE, summary="a CSV table of pixel columns")
    return INFO


PIXEL_COLUMN = re.compile(r"pixel_?\d+", re.IGNORECASE)  # Kaggle's pixel0..pixel783


def pixel_layout(path, options):
    """(label, pixel columns, (height, width, channels)) when the table is images, one per
    row, else None. It is when ``--image-shape`` is given, or when every column but one (the
    label) is named pixel0, pixel1, ... and their count is a square (784 -> 28x28x1, as the
    Kaggle Digit Recognizer's train.csv). The label is ``--label``, else the one other
    column. The pixels are the other columns, in the file's order: row-major, channels last."""
    from kerascli.errors import DataError
    _, columns = header(path)
    shape = tuple(options.image_shape) if options.image_shape else None
    if options.features and shape is None:
        return None
    others = [c for c in columns if not PIXEL_COLUMN.fullmatch(c.strip())]
    label = options.label
    if label is None and len(others) == 1:
        label = others[0]
    if shape is None:
        count = len(columns) - len(others)
        side = int(round(count ** 0.5))
        if count < 4 or side * side != count or others != ([label] if label else []):
            return None
        shape = (side, side, 1)
    if label is None:
        raise DataError(path, "which column is the label of these images? Give --label COLUMN "
                              "(a table of pixels for training needs one).")
    if label not in columns:
        raise DataError(path, f"no label column {label!r} among the {len(columns)} columns "
                              "(choose one with --label).")
    pixels = list(options.features) if options.features else [c for c in columns if c != label]
    height, width, channels = shape
    if len(pixels) != height * width * channels:
        raise DataError(path, f"{len(pixels)} pixel columns, but --image-shape "
                              f"{height},{width},{channels} needs {height * width * channels}.")
    return label, pixels, shape


def from_pixels(frame, path, label, pixels, shape, options):
    """An image :class:`Dataset` (uint8, N x height x width x channels) from pixel columns."""
    import numpy as np
    from kerascli.datasets import Dataset
    from kerascli.datasets._tabular import labelled, labels, line, shown, split
    from kerascli.errors import DataError

    missing = [c for c in pixels if c not in frame.columns]
    if missing:
        raise DataError(path, f"no column {shown(missing[0])}.")
    notes = []
    frame = labelled(frame, label, path, options.test_size, notes)
    block = frame[pixels]
    values = block.to_numpy(dtype=np.float64) if all(
        k in "iuf" for k in block.dtypes.map(lambda d: d.kind)) else None
    if values is None or np.isnan(values).any():
        import pandas as pd
        parsed = block.apply(pd.to_numeric, errors="coerce")
        row, col = np.argwhere(parsed.isna().to_numpy())[0]
        raise DataError(path, f"row {line(frame, row)}, column {shown(pixels[col])}: "
                              f"{shown(block.iat[row, col])} is not a pixel value (0 to 255).")
    low, high = values.min(), values.max()
    if low < 0 or high > 255:
        row, col = np.argwhere((values < 0) | (values > 255))[0]
        raise DataError(path, f"row {line(frame, row)}, column {shown(pixels[col])}: "
                              f"{values[row, col]:g} is not a pixel value (0 to 255).")
    if high <= 1 and not np.all(np.mod(values, 1) == 0):
        values = values * 255  # pixels written as fractions of white
        notes.append("pixel values are fractions (0 to 1): read as 0 to 255.")
    x = np.rint(values).astype(np.uint8).reshape(len(values), *shape)
    task, class_names, y = labels(frame[label], label, path)
    if task != CLASSIFICATION:
        raise DataError(path, f"label column {shown(label)} has {frame[label].nunique()} "
                              "distinct numbers: images here are classified; give a column of "
                              "classes with --label.")
    x_train, x_test, y_train, y_test = split(x, y, task=task, test_size=options.test_size,
                                             seed=options.split_seed, source=path)
    return Dataset(name=path.stem, task=task, kind=IMAGE, x_train=x_train, y_train=y_train,
                   x_test=x_test, y_test=y_test, input_shape=tuple(shape), source=str(path),
                   class_names=class_names, feature_names=tuple(pixels),
                   extra={"label": label, "layout": "pixel-csv", "image_shape": list(shape),
                          "pixel_order": "row-major, channels last (feature_names in order)",
                          "test_size": options.test_size, "split_seed": options.split_seed,
                          **({"notes": notes} if notes else {})})


def status(options):
    return {"present": None, "valid": None, "location": "given by path", "found_in": "path",
            "note": "--dataset FILE.csv --label COLUMN"}
