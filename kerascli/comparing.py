"""A Keras model against its scikit-learn counterparts on exactly the same data (no Click).

How the numbers are made comparable:

- The dataset is loaded once, exactly as ``kerascli train`` loads it (the official test set
  where there is one, else the dataset's seeded split, stratified for classification); every
  model is fit on the same training rows and scored on the same test rows. Each run records
  a SHA-256 fingerprint of the arrays it was handed, so the result shows the split was
  identical for all models. The Keras model holds out no validation part here.
- Preprocessing is fit on the training part only: the Keras model gets its scaling layers
  from :mod:`kerascli.core.fit`; a baseline is a scikit-learn Pipeline (StandardScaler for
  tables, /255 for pixels).
- Every model is scored by the same code (:mod:`kerascli.core.metrics`).
- ``repeats=N`` trains every model with seeds ``seed .. seed+N-1`` on the same split: the
  spread measures what training randomness (initialisation, shuffling, bootstrap samples)
  does to each model, so the models are compared on identical test rows (a paired
  comparison); the split does not vary (official test sets such as MNIST's cannot). The
  best model is the one with the best mean of the primary metric (accuracy, or RMSE for
  regression). Whether its lead over the runner-up is more than chance is a paired test on
  the shared test rows, for each seed pair (McNemar's exact test on the rows exactly one of
  the two gets right; a paired bootstrap of the RMSE difference for regression); the lead is
  "separable" only when every seed's test gives p < 0.05, else "not separable". Baselines
  with randomness (random forest, MLP) get the same seeds as the network.
"""
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from kerascli.core import data, fit, metrics
from kerascli.core import fingerprint as data_fingerprint
from kerascli.core.config import CompareConfig  # noqa: F401  (the config this module takes)

SCHEMA = "kerascli.compare/1"
CLASSIFICATION_METRICS = ("accuracy", "macro_f1")
REGRESSION_METRICS = ("rmse", "mae", "r2")
PRIMARY = {"classification": ("accuracy", True), "regression": ("rmse", False)}


@dataclass
class Run:
    """One model trained once (one seed): what it scored and what it cost."""

    seed: int
    metrics: dict
    train_seconds: float
    predict_seconds: float
    n_params: int
    data_sha256: str
    y_pred: object = None
    warnings: list = field(default_factory=list)


@dataclass
class Entry:
    """One model across its repeats."""

    name: str  # "keras:logreg" or "sklearn:logistic-regression"
    kind: str  # "keras" or "sklearn"
    estimator: str
    params_counted: str
    runs: list = field(default_factory=list)


# ---------------------------------------------------------------- loading


def check_pair(cfg, warn=None):
    """Refuse a model/dataset pair or a baseline that cannot work, before any data loads
    (the task of a CSV table or a relabelled dataset is known only after loading: then the
    baselines are checked again by :func:`compare`, still before any training)."""
    from kerascli import baselines, datasets

    tcfg = cfg.train
    data.check_compatible(tcfg)
    dinfo = datasets.info(tcfg.dataset)
    if not (tcfg.data.label or dinfo.needs_path):
        baselines.resolve(cfg.baselines or tcfg.spec.counterparts_for(dinfo.task), dinfo.task, n_train=dinfo.n_train or 0,
                          warn=warn)
    return dinfo


def load_dataset(cfg):
    """Load the dataset once, exactly as ``kerascli train`` would (same options, same split)."""
    return data.load_data(cfg.train)


def chosen_baselines(cfg, dataset, warn=None):
    """The baselines to run on ``dataset`` (validated against its task)."""
    from kerascli import baselines
    return baselines.resolve(cfg.baselines or cfg.train.spec.counterparts_for(dataset.task),
                             dataset.task,
                             n_train=len(dataset.x_train), warn=warn)


def fingerprint(x_train, y_train, x_test, y_test):
    """SHA-256 of the split (:func:`kerascli.core.fingerprint.of_split`, the one digest)."""
    return data_fingerprint.of_split(x_train, y_train, x_test, y_test)["sha256"]


# ---------------------------------------------------------------- running


def model_features(tcfg, dataset):
    """``dataset`` as a table of the features a model's ``feature_extractor(model)`` hook
    computes (transfer: the frozen base's pooled features, with its preprocessing and
    weights), for the scikit-learn baselines; same rows, same split."""
    import dataclasses
    import numpy as np
    from kerascli.datasets import TABULAR

    model = fit.build_model(tcfg, dataset)
    extractor = tcfg.spec.feature_extractor(model)

    def table(x):
        return np.asarray(metrics.predict_outputs(extractor, x, batch_size=64), dtype=np.float32)

    x_train, x_test = table(dataset.x_train), table(dataset.x_test)
    return dataclasses.replace(dataset, kind=TABULAR, x_train=x_train, x_test=x_test,
                               input_shape=(x_train.shape[1],), feature_names=None)


def class_outputs(pipeline, x, n_classes):
    """Class probabilities (n, n_classes) from a fitted classifier pipeline, columns placed by
    class index (a class absent from the training part gets a zero column); a model without
    ``predict_proba`` (SVC) gives one-hot rows of its predictions."""
    import numpy as np

    classes = np.asarray(pipeline.classes_, dtype=np.int64)
    out = np.zeros((len(x), n_classes), dtype=np.float64)
    if hasattr(pipeline, "predict_proba"):
        out[:, classes] = pipeline.predict_proba(x)
    else:
        out[np.arange(len(x)), np.asarray(pipeline.predict(x), dtype=np.int64)] = 1.0
    return out


def run_keras(cfg, dataset, seed, *, run_dir=None, quiet=True, callbacks=()):
    """Train the Keras model once through :func:`kerascli.core.fit.train` (as ``train`` does)."""
    import numpy as np

    digest = fingerprint(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    result = fit.train(cfg.for_seed(seed), dataset, run_dir=run_dir, quiet=quiet,
                       callbacks=callbacks)
    if not np.array_equal(np.asarray(result.y_true).reshape(-1),
                          np.asarray(dataset.y_test).reshape(-1)):
        digest = "mismatch:" + digest  # scored on other rows: the fingerprints will differ
    return Run(seed=seed, metrics=dict(result.metrics), train_seconds=float(result.train_seconds),
               predict_seconds=float(result.predict_seconds), n_params=int(result.n_params),
               data_sha256=digest, y_pred=np.asarray(result.y_pred),
               # under-training must show: the table's notes carry "not converged: ..."
               warnings=[result.convergence["note"]] if result.convergence.get("note") else [])


def run_baseline(baseline, dataset, seed, *, n_jobs=None, split_of=None):
    """Fit one baseline on the training part and score it on the test part with the metrics
    of kerascli.core.metrics, so Keras and scikit-learn are scored by one code.

    ``split_of``: the dataset ``dataset`` was computed from (transfer's frozen-base features
    of the images), fingerprinted in its place so both sides show the same split.

    Returns (Run, estimator description, what the parameter count counts).
    """
    import numpy as np
    from kerascli import baselines, datasets

    pipeline = baselines.make(baseline, dataset.task, dataset.kind, seed=seed, n_jobs=n_jobs,
                              n_train=len(dataset.x_train),
                              column_kinds=dataset.extra.get("column_kinds"),
                              max_categories=datasets.MAX_CATEGORIES)
    x_train, y_train, x_test, y_test = (dataset.x_train, dataset.y_train, dataset.x_test,
                                        dataset.y_test)
    split = split_of or dataset
    digest = fingerprint(split.x_train, split.y_train, split.x_test, split.y_test)
    start = time.perf_counter()
    caught = baselines.fit(pipeline, x_train, y_train)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    if dataset.task == "classification":
        outputs = class_outputs(pipeline, x_test, dataset.n_classes)
        y_pred = np.argmax(outputs, axis=-1)
    else:
        outputs = np.asarray(pipeline.predict(x_test), dtype=np.float64)
        y_pred = outputs.reshape(np.shape(y_test))
    predict_seconds = time.perf_counter() - start
    scores = metrics.metrics_from_outputs(dataset.task, y_test, outputs, dataset.n_classes)
    n_params, counted = baselines.count_params(pipeline)
    run = Run(seed=seed, metrics=scores, train_seconds=train_seconds,
              predict_seconds=predict_seconds, n_params=n_params, data_sha256=digest,
              y_pred=y_pred, warnings=caught)
    return run, baselines.describe(pipeline), counted


def compare(cfg, dataset=None, *, run_dir=None, log=None, warn=None, quiet=False,
            callbacks=()):
    """Train the Keras model and each baseline ``cfg.repeats`` times on one split.

    Returns a :class:`CompareResult`. ``run_dir``: where the Keras run of the first seed
    saves its artifacts (model.h5, history), if given. ``log``/``warn``: one-line callbacks.
    ``callbacks``: extra Keras callbacks for every seed's training.
    """
    log = log or (lambda message: None)
    warn = warn or log
    if dataset is None:
        check_pair(cfg)
        dataset = load_dataset(cfg)
    chosen = chosen_baselines(cfg, dataset, warn=warn)
    # a model may give its baselines other inputs (transfer: the frozen base's features)
    baseline_data = dataset
    if cfg.train.spec.overrides("feature_extractor") and chosen:
        log(f"computing the features {cfg.model} gives its baselines")
        baseline_data = model_features(cfg.train, dataset)
    keras_entry = Entry(name=f"keras:{cfg.model}", kind="keras", estimator=f"kerascli {cfg.model}",
                        params_counted="Keras weights (model.count_params(), scaling "
                                       "statistics included)")
    entries = [keras_entry] + [Entry(name=f"sklearn:{b.name}", kind="sklearn",
                                     estimator=b.estimator_name(dataset.task), params_counted="")
                               for b in chosen]
    for i, seed in enumerate(cfg.seeds()):
        tag = f" (seed {seed}, {i + 1}/{cfg.repeats})" if cfg.repeats > 1 else ""
        log(f"training {keras_entry.name}{tag}")
        keras_dir = Path(run_dir) / "keras" if run_dir is not None and i == 0 else None
        # the summary and progress bar once (first seed), unless quiet
        run = run_keras(cfg, dataset, seed, run_dir=keras_dir, quiet=quiet or i > 0,
                        callbacks=callbacks)
        keras_entry.runs.append(run)
        for message in run.warnings:
            warn(f"{keras_entry.name} (seed {seed}): {message}")
        for baseline, entry in zip(chosen, entries[1:]):
            log(f"fitting {entry.name}{tag}")
            run, entry.estimator, entry.params_counted = run_baseline(
                baseline, baseline_data, seed, n_jobs=cfg.n_jobs, split_of=dataset)
            for message in run.warnings:
                if message not in sum((r.warnings for r in entry.runs), []):
                    warn(f"{entry.name} (seed {seed}): {message}")
            entry.runs.append(run)
    return CompareResult(cfg, dataset, entries)


# ---------------------------------------------------------------- statistics

ALPHA = 0.05  # a lead is "separable" when every seed pair's paired test gives p below this


def mean_std(values):
    """Mean and sample standard deviation (ddof=1; 0.0 for a single value)."""
    import math
    values = [float(v) for v in values]
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std


def summarise(values):
    mean, std = mean_std(values)
    return {"mean": mean, "std": std, "values": [float(v) for v in values]}


class CompareResult:
    """The runs of every model, with the statistics and the JSON the command shows."""

    def __init__(self, config, dataset, entries):
        self.config = config
        self.dataset = dataset
        self.entries = entries
        self.task = dataset.task
        self.primary, self.higher_is_better = PRIMARY[self.task]

    @property
    def metric_names(self):
        return CLASSIFICATION_METRICS if self.task == "classification" else REGRESSION_METRICS

    def ranking(self):
        """Entries ordered best first by the mean of the primary metric."""
        key = lambda e: mean_std([r.metrics[self.primary] for r in e.runs])[0]  # noqa: E731
        return sorted(self.entries, key=key, reverse=self.higher_is_better)

    def verdict(self):
        """The best model by the mean primary metric, and whether its lead over the runner-up
        is separable from chance by a paired test on the shared test rows (McNemar's exact
        test for classification, a paired bootstrap of the RMSE difference for regression),
        run for every seed pair: separated only when every seed's test says so. ``tied``
        names every model whose mean equals the best's (the best included; one name when
        there is no tie), so a three-way tie names all three."""
        ranked = self.ranking()
        best = ranked[0]
        top = mean_std([r.metrics[self.primary] for r in best.runs])[0]
        tied = [e.name for e in ranked
                if mean_std([r.metrics[self.primary] for r in e.runs])[0] == top]
        out = {"best": best.name, "tied": tied, "runner_up": None, "metric": self.primary,
               "difference": None, "spread": None, "separated": None, "test": None,
               "p_value": None, "p_values": None, "alpha": ALPHA}
        if len(ranked) < 2:
            return out
        second = ranked[1]
        m1, s1 = mean_std([r.metrics[self.primary] for r in best.runs])
        m2, s2 = mean_std([r.metrics[self.primary] for r in second.runs])
        out.update(runner_up=second.name, difference=abs(m1 - m2), spread=s1 + s2)
        y_true = self.dataset.y_test
        if any(r.y_pred is None for r in best.runs + second.runs):
            return out  # no predictions kept: nothing to test
        if self.task == "classification":
            test = "McNemar's exact test"
            p_values = [metrics.mcnemar(y_true, a.y_pred, b.y_pred)
                        for a, b in zip(best.runs, second.runs)]
        else:
            test = "paired bootstrap of the RMSE difference"
            p_values = [metrics.paired_bootstrap(y_true, a.y_pred, b.y_pred)
                        for a, b in zip(best.runs, second.runs)]
        out.update(test=test, p_values=p_values, p_value=max(p_values),
                   separated=bool(m1 != m2 and max(p_values) < ALPHA))
        return out

    def confusion_matrices(self):
        """name -> confusion matrix (first seed) for classification; {} for regression."""
        if self.task != "classification":
            return {}
        from sklearn.metrics import confusion_matrix
        labels = list(range(self.dataset.n_classes or int(max(self.dataset.y_test)) + 1))
        return {e.name: confusion_matrix(self.dataset.y_test, e.runs[0].y_pred, labels=labels)
                for e in self.entries}

    def split(self):
        import numpy as np
        ds = self.dataset
        seeded = "split_seed" in ds.extra  # else the dataset's own (official) test set
        return {"n_train": int(len(ds.x_train)), "n_test": int(len(ds.x_test)),
                "official_test_set": not seeded, "seed": ds.extra.get("split_seed"),
                "test_size": ds.extra.get("test_size"),
                "stratified": seeded and self.task == "classification",
                "sha256": fingerprint(ds.x_train, ds.y_train, ds.x_test, ds.y_test),
                "test_labels_sha256": hashlib.sha256(
                    np.ascontiguousarray(ds.y_test).tobytes()).hexdigest()}

    def to_dict(self):
        """The JSON document (schema ``kerascli.compare/1``) saved as results.json."""
        from kerascli.runtime import versions

        verdict = self.verdict()
        matrices = self.confusion_matrices()
        models = []
        for e in self.entries:
            models.append({
                "name": e.name, "kind": e.kind, "estimator": e.estimator,
                "best": e.name == verdict["best"],
                "metrics": {m: summarise([r.metrics[m] for r in e.runs])
                            for m in self.metric_names},
                "train_seconds": summarise([r.train_seconds for r in e.runs]),
                "predict_seconds": summarise([r.predict_seconds for r in e.runs]),
                "n_params": e.runs[0].n_params, "params_counted": e.params_counted,
                "seeds": [r.seed for r in e.runs],
                "data_sha256": sorted({r.data_sha256 for r in e.runs}),
                "warnings": list(dict.fromkeys(w for r in e.runs for w in r.warnings)),
                "confusion_matrix": matrices[e.name].tolist() if e.name in matrices else None,
            })
        return {
            "schema": SCHEMA, "model": self.config.model, "task": self.task,
            "dataset": self.dataset.describe(), "split": self.split(),
            "repeats": self.config.repeats, "seeds": list(self.config.seeds()),
            "primary_metric": self.primary, "higher_is_better": self.higher_is_better,
            "models": models, "verdict": verdict, "config": self.config.to_dict(),
            "versions": versions(),
        }
