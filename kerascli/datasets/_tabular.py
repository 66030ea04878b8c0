"""Turn a table (pandas DataFrame) into a :class:`Dataset`: choose label and features, check
types, and split with a fixed seed (stratified for classification). Shared by iris and csv.

A table of numbers gives float32 rows. A table with a text (categorical) feature column, or
with empty cells in a numeric one, gives the raw cell text instead (a string array) and
``extra["column_kinds"]`` ("numeric"/"categorical" per feature): the model encodes it itself
(kerascli.models.layers.TableEncoder: StringLookup one-hot, unknown categories in their own
bucket, empty numbers filled with the training mean), and so do the baselines
(kerascli.baselines: a ColumnTransformer). ``extra["notes"]`` says what was filled or capped.
"""
from kerascli.datasets import CLASSIFICATION, REGRESSION, TABULAR, Dataset
from kerascli.errors import DataError

MAX_CLASSES = 100  # a non-numeric label with more distinct values than this is not a class label
MAX_CATEGORIES = 100  # a text feature column one-hot encodes at most this many categories
NUMERIC, CATEGORICAL = "numeric", "categorical"  # feature column kinds (Dataset.extra)


def from_frame(frame, *, name, source, label, features=None, test_size=0.2, seed=42):
    import numpy as np
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if label not in columns:
        raise DataError(source, f"no label column {label!r}; columns are: {', '.join(columns)} "
                                "(choose one with --label).")
    features = list(features) if features else [c for c in columns if c != label]
    missing = [c for c in features if c not in columns]
    if missing:
        raise DataError(source, f"no column {missing[0]!r}; columns are: {', '.join(columns)}.")
    if not features:
        raise DataError(source, "no feature columns besides the label.")
    kinds, notes = [], []
    for col in features:
        values = pd.to_numeric(frame[col], errors="coerce")
        text = values.isna() & frame[col].notna()
        if frame[col].isna().all():
            raise DataError(source, f"column {col!r} has only empty cells; drop it with "
                                    "--features.")
        if text.any() and text.sum() * 2 <= frame[col].notna().sum():
            # mostly numbers: a stray word is a typo to fix, not a category
            row = int(np.flatnonzero(text.to_numpy())[0])
            raise DataError(source, f"column {col!r} is not numeric at row {row + 2} "
                                    f"({frame[col].iloc[row]!r}) though most of its cells are "
                                    "numbers; fix the cell, or drop the column with --features.")
        if text.any():  # text: a categorical column
            kinds.append(CATEGORICAL)
            distinct = frame[col].nunique(dropna=False)
            if distinct > MAX_CATEGORIES:
                notes.append(f"column {col!r} has {distinct} distinct values: the "
                             f"{MAX_CATEGORIES} most frequent in the training rows are encoded, "
                             "the others share the unknown bucket.")
            continue
        kinds.append(NUMERIC)
        if values.isna().any():
            notes.append(f"column {col!r} has {int(values.isna().sum())} empty cell(s) (first "
                         f"at row {int(np.flatnonzero(values.isna().to_numpy())[0]) + 2}): "
                         "filled with the mean of the training rows, inside the model.")
        frame[col] = values
    y_raw = frame[label]
    if y_raw.isna().any():
        row = int(np.flatnonzero(y_raw.isna().to_numpy())[0])
        raise DataError(source, f"label column {label!r} has an empty cell at row {row + 2}.")
    encoded = CATEGORICAL in kinds or bool(notes)
    if encoded:
        # raw cell text, as a CSV holds it: the model's TableEncoder layer parses, imputes and
        # one-hot encodes it, so a saved model takes raw rows (see kerascli.models.layers)
        x = np.stack([text_cells(frame[col]) for col in features], axis=1)
    else:
        x = frame[features].to_numpy(dtype=np.float32)
    numeric_label = pd.api.types.is_numeric_dtype(y_raw)
    is_float_label = numeric_label and not np.all(np.mod(y_raw.to_numpy(dtype=float), 1) == 0)
    if numeric_label and (is_float_label or y_raw.nunique() > 20):
        task, class_names = REGRESSION, None
        y = y_raw.to_numpy(dtype=np.float32)
    else:
        task = CLASSIFICATION
        class_names = tuple(sorted(str(v) for v in y_raw.unique()))
        if numeric_label:
            class_names = tuple(str(v) for v in sorted(y_raw.unique()))
        if len(class_names) > MAX_CLASSES:
            raise DataError(source, f"label column {label!r} has {len(class_names)} distinct "
                                    f"values, too many for classes (max {MAX_CLASSES}).")
        if len(class_names) < 2:
            raise DataError(source, f"label column {label!r} has only one class.")
        index = {c: i for i, c in enumerate(class_names)}
        y = np.array([index[str(v)] for v in y_raw], dtype=np.int64)
    x_train, x_test, y_train, y_test = split(x, y, task=task, test_size=test_size, seed=seed,
                                             source=source)
    return Dataset(name=name, task=task, kind=TABULAR, x_train=x_train, y_train=y_train,
                   x_test=x_test, y_test=y_test, input_shape=(x.shape[1],), source=str(source),
                   class_names=class_names, feature_names=tuple(features),
                   extra={"label": label, "test_size": test_size, "split_seed": seed,
                          **({"column_kinds": kinds, "notes": notes} if encoded else {})})


def text_cells(column):
    """A column's cells as text (``""`` for an empty one; numbers as Python writes them)."""
    import numpy as np
    import pandas as pd

    def cell(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return value if isinstance(value, str) else repr(value.item() if hasattr(value, "item")
                                                          else value)
    return np.array([cell(v) for v in column.to_numpy(dtype=object)], dtype=str)


def split(x, y, *, task, test_size, seed, source):
    """A seeded train/test split, stratified for classification when every class can be."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    n_test = int(np.ceil(test_size * len(x)))
    if len(x) < 4 or n_test < 1 or len(x) - n_test < 2:
        raise DataError(source, f"only {len(x)} rows: too few to hold out a test set of "
                                f"{test_size:.0%}; need at least 4 rows.")
    stratify = None
    if task == CLASSIFICATION:
        counts = np.bincount(y)
        if counts[counts > 0].min() >= 2 and n_test >= len(counts):
            stratify = y
    return train_test_split(x, y, test_size=test_size, random_state=seed, stratify=stratify)
