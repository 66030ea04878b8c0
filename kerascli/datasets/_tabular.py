"""Turn a table (pandas DataFrame) into a :class:`Dataset`: choose label and features, check
types, and split with a fixed seed (stratified for classification). Shared by iris and csv."""
from kerascli.datasets import CLASSIFICATION, REGRESSION, TABULAR, Dataset
from kerascli.errors import DataError

MAX_CLASSES = 100  # a non-numeric label with more distinct values than this is not a class label


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
    for col in features:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(source, f"column {col!r} is not numeric (row {row + 2}: "
                                    f"{frame[col].iloc[row]!r}); drop it with --features.")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(source, f"column {col!r} has an empty cell at row {row + 2}; "
                                    "fill or remove it.")
        frame[col] = values
    y_raw = frame[label]
    if y_raw.isna().any():
        row = int(np.flatnonzero(y_raw.isna().to_numpy())[0])
        raise DataError(source, f"label column {label!r} has an empty cell at row {row + 2}.")
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
                   extra={"label": label, "test_size": test_size, "split_seed": seed})


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
