"""scikit-learn counterparts of the Keras models, for ``kerascli compare``.

Each baseline is a recipe (:class:`Baseline`) that builds a scikit-learn :class:`Pipeline`
for a task and a kind of data: tabular features are standardised (the scaler is fit on the
training part only, inside the pipeline; tables with text columns are encoded as the Keras
model encodes them, by :func:`table_encoding`), images are flattened and divided by 255 (a fixed
map, nothing is fit), series windows (already scaled on the training part by the dataset)
are flattened. The settings are the ones a practitioner would choose: ``max_iter``
high enough to converge, ``n_jobs`` set where the estimator honours it, ``random_state`` =
the seed. Convergence warnings are recorded by :func:`fit` and reported, not hidden.

Parameter counts (:func:`count_params`) say what a baseline learns, with a note of what was
counted: linear models count ``coef_`` + ``intercept_``; MLPs count every ``coefs_`` and
``intercepts_`` entry; random forests count tree nodes (each holds a threshold or a leaf
value); k-nearest neighbours count the stored training values; SVMs count support-vector
values + dual coefficients + intercepts.

scikit-learn is imported inside functions, so listing the baselines stays instant.
"""
from dataclasses import dataclass

from kerascli.errors import UserError
from kerascli.tasks import CLASSIFICATION, REGRESSION
LARGE_DATA = 20_000  # training rows above which a costly baseline draws a warning
EARLY_STOPPING_ROWS = 10_000  # MLPs hold out 10% for early stopping from this many rows


@dataclass(frozen=True)
class Baseline:
    """A scikit-learn estimator recipe, one per task it supports."""

    name: str  # the --baseline key
    summary: str
    classifier: str = ""  # scikit-learn class name for classification ("" = not supported)
    regressor: str = ""  # ... for regression
    costly: bool = False  # super-linear in the number of rows: warn on large data

    @property
    def tasks(self):
        return tuple(t for t, c in ((CLASSIFICATION, self.classifier), (REGRESSION, self.regressor))
                     if c)

    def estimator_name(self, task):
        return self.classifier if task == CLASSIFICATION else self.regressor


BASELINES = {b.name: b for b in (
    Baseline("logistic-regression", "multinomial logistic regression (L2, C=1, lbfgs)",
             classifier="LogisticRegression"),
    Baseline("linear-regression", "ordinary least squares", regressor="LinearRegression"),
    Baseline("random-forest", "100 fully grown trees", classifier="RandomForestClassifier",
             regressor="RandomForestRegressor"),
    Baseline("mlp", "one hidden layer of 100 ReLU units (adam)", classifier="MLPClassifier",
             regressor="MLPRegressor"),
    Baseline("svm", "RBF-kernel support vector machine", classifier="SVC", regressor="SVR",
             costly=True),
    Baseline("knn", "5 nearest neighbours", classifier="KNeighborsClassifier",
             regressor="KNeighborsRegressor", costly=True),
)}

# a Keras model's own counterparts are its spec's (ModelSpec.counterparts, models/NAME.py)
SCALED_TARGET = ("mlp", "svm")


def names():
    return sorted(BASELINES)


def get(name):
    if name not in BASELINES:
        raise UserError(f"--baseline {name}: unknown baseline; choose one of: {', '.join(names())}.")
    return BASELINES[name]


def resolve(requested, task, n_train=0, warn=None):
    """Validate ``--baseline`` names for a task; warn about costly ones. ``requested``: the
    ``--baseline`` names, else the model's counterparts (``ModelSpec.counterparts_for``).

    Returns a tuple of :class:`Baseline`. ``warn`` is called with a one-line message.
    """
    chosen = tuple(dict.fromkeys(requested))
    found = []
    for name in chosen:
        baseline = get(name)
        if task not in baseline.tasks:
            usable = [b for b in names() if task in BASELINES[b].tasks]
            raise UserError(f"--baseline {name}: does {' and '.join(baseline.tasks)} only, but "
                            f"this dataset is {task}; choose one of: {', '.join(usable)}.")
        if baseline.costly and n_train > LARGE_DATA and warn is not None:
            warn(f"--baseline {name}: {baseline.estimator_name(task)} grows faster than linearly "
                 f"with the data; on {n_train:,} training rows expect minutes to hours and "
                 "gigabytes of memory.")
        found.append(baseline)
    return tuple(found)


def make(baseline, task, kind, *, seed, n_jobs=None, n_train=0, column_kinds=None,
         max_categories=None):
    """A fresh, unfitted Pipeline: preprocessing fit on the training part only, then the model.

    ``column_kinds`` ("numeric"/"categorical" per column): the rows are raw cell text (a table
    with text columns or empty cells, see kerascli.datasets._tabular) and are encoded as the
    Keras model's TableEncoder does: :func:`table_encoding`, over the ``max_categories`` most
    frequent values of each text column (the dataset's limit, kerascli.datasets)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if kind == "image":
        prep = FunctionTransformer(flatten_pixels)  # fixed map 0-255 -> 0-1, nothing to fit
    elif kind == "series":  # windows (n, lags, 1), already scaled by the dataset: flatten
        prep = FunctionTransformer(flatten_rows)
    elif column_kinds:
        prep = table_encoding(column_kinds, max_categories)
    else:
        prep = StandardScaler()
    model = _estimator(baseline, task, seed, n_jobs, n_train)
    if task == REGRESSION and baseline.name in SCALED_TARGET:
        # gradient- and kernel-based regressors need a standardised target, as Keras gets
        model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
    return Pipeline([("prep", prep), ("model", model)])


def table_encoding(column_kinds, max_categories):
    """The Keras TableEncoder's encoding as a ColumnTransformer, fitted on the same rows:
    numeric columns parsed (ISO dates into year and time of year), empty cells filled with
    the training mean, standardised; text
    columns one-hot over their ``max_categories`` most frequent training values, anything
    else (unseen or rarer) in one shared column, as Keras' "unknown" bucket."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = [i for i, k in enumerate(column_kinds) if k == "numeric"]
    dates = [i for i, k in enumerate(column_kinds) if k == "date"]
    categorical = [i for i, k in enumerate(column_kinds) if k == "categorical"]
    parts = []
    for name, columns, parse in (("numeric", numeric, parse_numbers),
                                 ("date", dates, date_parts)):
        if columns:
            parts.append((name, Pipeline([("parse", FunctionTransformer(parse)),
                                          ("fill", SimpleImputer(strategy="mean")),
                                          ("scale", StandardScaler())]), columns))
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                   max_categories=max_categories + 1,
                                                   sparse_output=False), categorical))
    return ColumnTransformer(parts)


def parse_numbers(cells):
    """Cells of text -> float64 columns, NaN where a cell is empty."""
    import numpy as np
    cells = np.char.strip(np.asarray(cells, dtype=str))
    return np.where(cells == "", "nan", cells).astype(np.float64)


def date_parts(cells):
    """ISO date columns (YYYY-MM-DD...) -> per column (year, sin, cos of the day of the
    year), NaN where a cell is empty: the Keras TableEncoder's date features
    (kerascli.models.layers.date_parts)."""
    import math
    import re

    import numpy as np
    cells = np.char.strip(np.asarray(cells, dtype=str))
    cells = cells.reshape(len(cells), -1)
    out = np.full((cells.shape[0], 3 * cells.shape[1]), np.nan)
    starts = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
    for (n, j), cell in np.ndenumerate(cells):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", str(cell)):
            month = min(max(int(cell[5:7]), 1), 12)
            angle = 2 * math.pi * (starts[month - 1] + int(cell[8:10]) - 1) / 365.25
            out[n, 3 * j:3 * j + 3] = (int(cell[:4]), math.sin(angle), math.cos(angle))
    return out


def flatten_pixels(x):
    """Images (n, h, w, c) in 0-255 -> rows (n, h*w*c) in 0-1, as float32."""
    import numpy as np
    x = np.asarray(x)
    return x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0)


def flatten_rows(x):
    """Windows (n, lags, features) -> rows (n, lags*features), as float32."""
    import numpy as np
    x = np.asarray(x)
    return x.reshape(len(x), -1).astype(np.float32)


def _estimator(baseline, task, seed, n_jobs, n_train):
    from sklearn import ensemble, linear_model, neighbors, neural_network, svm

    cls = baseline.estimator_name(task)
    if cls == "LogisticRegression":
        # n_jobs has no effect on lbfgs since scikit-learn 1.8 (and warns): not set.
        return linear_model.LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    if cls == "LinearRegression":
        return linear_model.LinearRegression(n_jobs=n_jobs)
    if cls in ("RandomForestClassifier", "RandomForestRegressor"):
        return getattr(ensemble, cls)(n_estimators=100, n_jobs=n_jobs, random_state=seed)
    if cls in ("MLPClassifier", "MLPRegressor"):
        # On large data, stop when a 10% validation part stops improving (as Keras users do);
        # on small data 10% is too few rows to judge by: train until the loss settles.
        early = n_train >= EARLY_STOPPING_ROWS
        return getattr(neural_network, cls)(hidden_layer_sizes=(100,), activation="relu",
                                            max_iter=200 if early else 2000,
                                            early_stopping=early, random_state=seed)
    if cls == "SVC":
        return svm.SVC(kernel="rbf", C=1.0, gamma="scale", random_state=seed)
    if cls == "SVR":
        return svm.SVR(kernel="rbf", C=1.0, gamma="scale")
    if cls in ("KNeighborsClassifier", "KNeighborsRegressor"):
        return getattr(neighbors, cls)(n_neighbors=5, n_jobs=n_jobs)
    raise UserError(f"baseline {baseline.name!r} has no {task} estimator.")  # pragma: no cover


def fit(pipeline, x, y):
    """Fit, returning the warnings scikit-learn raised (convergence first) as one-line strings.

    They are recorded rather than shown as they happen: the caller reports them beside the
    result they qualify (a LogisticRegression that did not converge is a weaker baseline).
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline.fit(x, y)
    messages = []
    for w in caught:
        text = " ".join(str(w.message).split())
        line = f"{w.category.__name__}: {text}"
        if line not in messages:
            messages.append(line)
    return messages


def final_estimator(pipeline):
    est = pipeline[-1] if hasattr(pipeline, "steps") else pipeline
    for attr in ("regressor_", "regressor"):  # TransformedTargetRegressor
        if getattr(est, attr, None) is not None:
            return getattr(est, attr)
    return est


def count_params(pipeline):
    """(number, what was counted) for a fitted pipeline's final estimator."""
    import numpy as np

    est = final_estimator(pipeline)
    if hasattr(est, "coefs_"):
        n = sum(np.size(c) for c in est.coefs_) + sum(np.size(b) for b in est.intercepts_)
        return int(n), "weights + biases"
    if hasattr(est, "estimators_") and hasattr(est.estimators_[0], "tree_"):
        return int(sum(t.tree_.node_count for t in est.estimators_)), "tree nodes"
    if hasattr(est, "support_vectors_"):
        n = np.size(est.support_vectors_) + np.size(est.dual_coef_) + np.size(est.intercept_)
        return int(n), "support-vector values + dual coefficients + intercepts"
    if hasattr(est, "n_samples_fit_"):
        return int(est.n_samples_fit_ * est.n_features_in_), "stored training values"
    if hasattr(est, "coef_"):
        return int(np.size(est.coef_) + np.size(getattr(est, "intercept_", 0))), \
            "coefficients + intercepts"
    return 0, "not counted"  # pragma: no cover


def describe(pipeline):
    """The final estimator with its non-default settings, e.g. ``LogisticRegression(max_iter=1000)``."""
    est = pipeline[-1] if hasattr(pipeline, "steps") else pipeline
    if hasattr(est, "regressor"):
        return f"{' '.join(repr(est.regressor).split())} on a standardised target"
    return " ".join(repr(est).split())
