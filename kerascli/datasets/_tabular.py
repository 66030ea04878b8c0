"""Turn a table (pandas DataFrame) into a :class:`Dataset`: choose label and features, check
types, and split with a fixed seed (stratified for classification). Shared by iris and csv.

A table of numbers gives float32 rows. A table with a text (categorical) feature column, or
with empty cells in a numeric one, gives the raw cell text instead (a string array) and
``extra["column_kinds"]`` ("numeric"/"categorical" per feature): the model encodes it itself
(kerascli.models.layers.TableEncoder: StringLookup one-hot, unknown categories in their own
bucket, empty numbers filled with the training mean), and so do the baselines
(kerascli.baselines: a ColumnTransformer). A column of ISO dates (YYYY-MM-DD) is kind
"date": the encoder turns it into the year and the time of year (sine and cosine of the day
of the year), never into categories.

A logical column (R's TRUE/FALSE, pandas' True/False, any case) is the numbers 1/0 as a
feature (:func:`numbers`, which predicting uses too) and two classes as a label. Rows whose
label cell is empty are left out, with a note (how many, which lines); only too few labelled
rows refuse the table.

Left out, each with a note: a column that looks like a row id (named rownames, id, Unnamed: 0
... with unique values, or the row numbers 0.. or 1.. in order) unless ``features`` names it;
dates in another format; a column holding one value in every training row (it cannot inform
the model, and the weights it meets would stay untrained: a pixel that is always 0 in the
training rows but 255 in a new one gave inputs in the thousands). ``extra["notes"]`` says
what was left out, filled, capped, and how each text column is encoded.
"""
import re

from kerascli.datasets import (CLASSIFICATION, MAX_CATEGORIES, MAX_CLASSES, REGRESSION,
                               TABULAR, Dataset)
from kerascli.errors import DataError

NUMERIC, CATEGORICAL, DATE = "numeric", "categorical", "date"  # feature kinds (Dataset.extra)
LOGICAL = {"true": 1.0, "false": 0.0}  # R writes TRUE/FALSE, pandas True/False
ID_NAMES = {"", "rownames", "row.names", "row_names", "id", "index", "row", "rowid", "row_id",
            "unnamed: 0"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T].*)?")  # what the TableEncoder parses
OTHER_DATE = re.compile(r"(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}"
                        r"|[A-Za-z]{3,9} \d{1,2},? \d{4})([ T].*)?")


def from_frame(frame, *, name, source, label, features=None, test_size=0.2, seed=42):
    import numpy as np
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if label not in columns:
        raise DataError(source, f"no label column {shown(label)}; columns are: "
                                f"{listed(columns)} (choose one with --label).")
    chosen = bool(features)
    features = list(features) if features else [c for c in columns if c != label]
    missing = [c for c in features if c not in columns]
    if missing:
        raise DataError(source, f"no column {shown(missing[0])}; columns are: {listed(columns)}.")
    notes = []
    if not chosen:  # an id column is noise that the model would fit
        for col in [c for c in features if row_id(c, frame[c])]:
            features.remove(col)
            notes.append(f"column {shown(col)} looks like a row id: left out (name it in "
                         "--features to use it).")
    frame = labelled(frame, label, source, test_size, notes)
    kinds = []
    for col in list(features):
        values = numbers(frame[col])
        text = values.isna() & frame[col].notna()
        empty = int(frame[col].isna().sum())
        if logical(frame[col]):
            notes.append(f"column {shown(col)} is TRUE/FALSE: read as 1/0.")
        if frame[col].isna().all():
            raise DataError(source, f"column {shown(col)} has only empty cells; drop it with "
                                    "--features.")
        cells = frame[col].dropna().astype(str).str.strip()
        if text.any() and cells.map(ISO_DATE.fullmatch).notna().all():
            kinds.append(DATE)
            notes.append(f"column {shown(col)} holds dates: encoded as the year and the time of "
                         "year (sine and cosine of the day of the year), inside the model"
                         + (f"; {empty} empty cell(s) filled with the training mean." if empty
                            else "."))
            continue
        if text.any() and cells.map(OTHER_DATE.fullmatch).notna().all():
            if chosen:
                raise DataError(source, f"column {shown(col)} holds dates not written "
                                        f"YYYY-MM-DD ({shown(cells.iloc[0])}); rewrite them so, "
                                        "or leave the column out of --features.")
            features.remove(col)
            notes.append(f"column {shown(col)} holds dates not written YYYY-MM-DD "
                         f"({shown(cells.iloc[0])}): left out (rewrite them as YYYY-MM-DD to "
                         "use them as date features).")
            continue
        words = frame[col][text].astype(str).str.strip()
        if (text.any() and text.sum() * 2 <= frame[col].notna().sum()
                and not coded(cells) and not repeated_words(words)):
            # mostly numbers: a stray word is a typo to fix, not a category
            row = int(np.flatnonzero(text.to_numpy())[0])
            raise DataError(source, f"column {shown(col)} is not numeric at row "
                                    f"{line(frame, row)} "
                                    f"({shown(frame[col].iloc[row])}) though most of its cells "
                                    "are numbers; fix the cell, or drop the column with "
                                    "--features.")
        if text.any():  # text: a categorical column
            kinds.append(CATEGORICAL)
            distinct = int(frame[col].nunique())
            capped = (f", the {MAX_CATEGORIES} most frequent in the training rows (the others "
                      "share the unknown slot)" if distinct > MAX_CATEGORIES else "")
            notes.append(f"column {shown(col)} is text: {distinct} distinct value(s), one-hot "
                         f"encoded inside the model{capped}; values unseen in training count "
                         "as unknown"
                         + (f"; {empty} missing, encoded as a value of their own."
                            if empty else "; none missing."))
            continue
        kinds.append(NUMERIC)
        if values.isna().any():
            notes.append(f"column {shown(col)} has {int(values.isna().sum())} empty cell(s) (first "
                         f"at row {line(frame, int(np.flatnonzero(values.isna().to_numpy())[0]))}): "
                         "filled with the mean of the training rows, inside the model.")
        frame[col] = values
    if not features:
        raise DataError(source, "no feature columns besides the label; choose them with "
                                "--features.")
    y_raw = frame[label]
    encoded = any(k != NUMERIC for k in kinds) or bool(frame[features].isna().to_numpy().any())
    if encoded:
        # raw cell text, as a CSV holds it: the model's TableEncoder layer parses, imputes and
        # one-hot encodes it, so a saved model takes raw rows (see kerascli.models.layers)
        x = np.stack([text_cells(frame[col]) for col in features], axis=1)
    else:
        x = frame[features].to_numpy(dtype=np.float32)
    task, class_names, y = labels(y_raw, label, source)
    x_train, x_test, y_train, y_test = split(x, y, task=task, test_size=test_size, seed=seed,
                                             source=source)
    constant = [i for i in range(x.shape[1]) if len(np.unique(x_train[:, i])) == 1]
    if constant:
        if len(constant) == len(features):
            raise DataError(source, "every feature column holds one value in all the training "
                                    "rows; nothing to learn from.")
        notes.append(f"{len(constant)} column(s) hold one value in every training row: left out "
                     f"({listed([features[i] for i in constant])}).")
        keep = [i for i in range(x.shape[1]) if i not in set(constant)]
        x_train, x_test = x_train[:, keep], x_test[:, keep]
        features, kinds = [features[i] for i in keep], [kinds[i] for i in keep]
    return Dataset(name=name, task=task, kind=TABULAR, x_train=x_train, y_train=y_train,
                   x_test=x_test, y_test=y_test, input_shape=(x_train.shape[1],),
                   source=str(source), class_names=class_names, feature_names=tuple(features),
                   extra={"label": label, "test_size": test_size, "split_seed": seed,
                          **({"column_kinds": kinds} if encoded else {}),
                          **({"notes": notes} if notes else {})})


def labelled(frame, label, source, test_size, notes):
    """``frame`` without the rows whose label cell is empty (a note says how many and which
    lines); refused when too few labelled rows remain to split. The index is kept, so
    :func:`line` still names each row's line in the file."""
    import numpy as np

    empty = frame[label].isna().to_numpy()
    if not empty.any():
        return frame
    if empty.all():
        raise DataError(source, f"label column {shown(label)} has only empty cells; choose "
                                "another with --label.")
    kept = frame[~empty].copy()
    if too_few(len(kept), test_size):
        raise DataError(source, f"only {len(kept)} rows have a label ({int(empty.sum())} of "
                                f"column {shown(label)}'s cells are empty): too few to hold "
                                f"out a test set of {test_size:.0%}; need at least 4 rows.")
    lines = [str(line(frame, i)) for i in np.flatnonzero(empty)]
    notes.append(f"{len(lines)} row(s) with an empty label cell ({shown(label)}) left out: "
                 f"rows {', '.join(lines[:5])}"
                 + (f" and {len(lines) - 5} more." if len(lines) > 5 else "."))
    return kept


def line(frame, position):
    """The line in the file of the row at ``position`` (the header is line 1), for messages;
    right after :func:`labelled` left rows out, as the frame keeps read_csv's index."""
    return int(frame.index[position]) + 2


def logical(column):
    """True for a column of TRUE/FALSE cells (any case; bools as pandas reads them)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return True
    if pd.api.types.is_numeric_dtype(column):
        return False
    cells = column.dropna()
    return len(cells) > 0 and bool(cells.map(
        lambda v: isinstance(v, bool) or str(v).strip().lower() in LOGICAL).all())


def numbers(column):
    """A column's cells as float64 (NaN where empty or not a number), a logical cell (TRUE,
    False, true ...) as 1/0: how training and predicting read a numeric column."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return column.astype("float64")
    if not pd.api.types.is_numeric_dtype(column):
        column = column.map(lambda v: float(v) if isinstance(v, bool) else
                            LOGICAL.get(v.strip().lower(), v) if isinstance(v, str) else v)
    return pd.to_numeric(column, errors="coerce").astype("float64")


def too_few(n, test_size):
    """True when ``n`` rows cannot be split into a training and a test set of ``test_size``."""
    import numpy as np

    n_test = int(np.ceil(test_size * n))
    return n < 4 or n_test < 1 or n - n_test < 2


def labels(y_raw, label, source):
    """(task, class names or None, y) of a label column: classes for text or few whole
    numbers (indices into the sorted class names), else regression values."""
    import numpy as np
    import pandas as pd

    numeric_label = pd.api.types.is_numeric_dtype(y_raw)
    is_float_label = numeric_label and not np.all(np.mod(y_raw.to_numpy(dtype=float), 1) == 0)
    if numeric_label and (is_float_label or y_raw.nunique() > 20):
        return REGRESSION, None, y_raw.to_numpy(dtype=np.float32)
    class_names = tuple(sorted(str(v) for v in y_raw.unique()))
    if numeric_label:
        class_names = tuple(str(v) for v in sorted(y_raw.unique()))
    if len(class_names) > MAX_CLASSES:
        raise DataError(source, f"label column {shown(label)} has {len(class_names)} distinct "
                                f"values, too many for classes (max {MAX_CLASSES}).")
    if len(class_names) < 2:
        raise DataError(source, f"label column {shown(label)} has only one class.")
    index = {c: i for i, c in enumerate(class_names)}
    return CLASSIFICATION, class_names, np.array([index[str(v)] for v in y_raw], dtype=np.int64)


def row_id(name, column):
    """True for a column that numbers the rows: named like one (rownames, id, Unnamed: 0)
    with unique values, or the integers 0.. or 1.. in row order."""
    import numpy as np
    import pandas as pd

    if column.isna().any() or not column.is_unique:
        return False
    if name.strip().lower() in ID_NAMES or re.fullmatch(r"unnamed: \d+", name.strip().lower()):
        return True
    if not pd.api.types.is_integer_dtype(column) or len(column) < 3:
        return False
    values = column.to_numpy()
    return values[0] in (0, 1) and bool(np.all(np.diff(values) == 1))


def shown(value, limit=60):
    """A cell or a name as a message shows it: its repr, cut to ``limit`` characters (a
    10 MB cell made a 10 MB "one line" error). Every message quoting data goes through it."""
    text = repr(value.item() if hasattr(value, "item") else value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 12]}...({len(str(value)):,} characters)"


def listed(names, limit=12):
    """Column names for a message: the first ``limit``, each :func:`shown`, then a count."""
    names = [str(n) for n in names]
    head = ", ".join(n if len(n) <= 40 else shown(n, 40) for n in names[:limit])
    return head + (f", ... ({len(names)} in all)" if len(names) > limit else "")


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
    if too_few(len(x), test_size):
        raise DataError(source, f"only {len(x)} rows: too few to hold out a test set of "
                                f"{test_size:.0%}; need at least 4 rows.")
    stratify = None
    if task == CLASSIFICATION:
        counts = np.bincount(y)
        if counts[counts > 0].min() >= 2 and n_test >= len(counts):
            stratify = y
    return train_test_split(x, y, test_size=test_size, random_state=seed, stratify=stratify)


def coded(cells):
    """Whether a column's numbers are codes, not quantities: some are written with leading
    zeros ("01", "0111": classification codes, ZIP codes), which a number would lose."""
    return bool(cells.str.fullmatch(r"0[0-9]+").any())


def repeated_words(words):
    """Whether the words in a mostly numeric column are categories rather than typos: at least
    two different ones, each written more than once (a card's value 2..10, J, Q, K, A). A
    single stray word, or a word seen once, is still refused as a cell to fix."""
    counts = words.value_counts()
    return len(counts) >= 2 and bool((counts >= 2).all())
