"""A CSV table given by path: feature columns (numbers or text) plus a label column by name.

``--dataset table.csv --label price`` (every other column a feature) or ``--features a,b``.
A label with few whole-number or text values is a class label (classification); other
numeric labels are regression targets; a text label's values are the class names. Text
feature columns are categories, one-hot encoded inside the model (unknown values at predict
time fall in an "unknown" bucket); empty cells of numeric columns are filled with the mean of
the training rows (see datasets/_tabular.py). A ``.tsv`` file is read tab-separated. A seeded
split holds out ``test_size`` (stratified for classes).
"""
from kerascli.datasets import CLASSIFICATION, TABULAR, DatasetInfo

INFO = DatasetInfo(name="csv", kind=TABULAR, task=CLASSIFICATION,
                   summary="a CSV table: numeric or text features + a label column (--dataset FILE --label COL)",
                   needs_path=True)


def read(path):
    """The table as a DataFrame; a file that is not a readable table is one DataError."""
    import pandas as pd
    from kerascli.errors import DataError
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        frame = pd.read_csv(path, sep=sep)
    except FileNotFoundError:
        raise DataError(path, "no such file.") from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "is empty; expected a header row and data rows.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(path, f"not a readable CSV table ({first}).") from None
    if frame.empty:
        raise DataError(path, "has a header but no data rows.")
    return frame


def load(options):
    from pathlib import Path
    from kerascli.datasets._tabular import from_frame
    from kerascli.errors import DataError, UserError

    if options.path is None:
        raise UserError("the csv dataset needs a file: --dataset FILE.csv --label COLUMN.")
    path = Path(options.path).expanduser()
    frame = read(path)
    if not options.label:
        raise DataError(path, "which column is the label? Give --label COLUMN; columns are: "
                              f"{', '.join(str(c) for c in frame.columns)}.")
    return from_frame(frame, name=path.stem, source=str(path), label=options.label,
                      features=options.features, test_size=options.test_size, seed=options.seed)


def status(options):
    return {"present": None, "valid": None, "location": "given by path", "found_in": "path",
            "note": "--dataset FILE.csv --label COLUMN"}
