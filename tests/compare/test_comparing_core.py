"""The compare core and the baselines, on tiny generated data (no Click)."""
import numpy as np
import pytest

from kerascli import baselines, comparing, models
from kerascli.core import metrics as core_metrics
from kerascli.comparing import CompareResult, Entry, Run
from kerascli.core.config import CompareConfig, make_config
from kerascli.datasets import Dataset
from kerascli.errors import UserError


def tiny_dataset(task="classification", kind="tabular", n=60, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "image":
        x = rng.integers(0, 256, size=(n, 6, 6, 1), dtype=np.uint8)
    elif kind == "series":  # windows of 5 lags
        x = rng.normal(size=(n, 5, 1)).astype(np.float32)
    else:
        x = rng.normal(size=(n, 3)).astype(np.float32) * 10 + 5
    if task == "classification":
        y = (x.reshape(n, -1)[:, 0] > np.median(x.reshape(n, -1)[:, 0])).astype(np.int64)
        classes = ("a", "b")
    else:
        y = (x.reshape(n, -1)[:, :2].sum(axis=1) * 0.5).astype(np.float32)
        classes = None
    cut = int(n * 0.75)
    return Dataset(name="tiny", task=task, kind=kind, x_train=x[:cut], y_train=y[:cut],
                   x_test=x[cut:], y_test=y[cut:], input_shape=x.shape[1:], source="generated",
                   class_names=classes, extra={"split_seed": 0, "test_size": 0.25})


def compare_config(model, epochs=None, **options):
    """What ``kerascli compare MODEL`` builds from its options (no validation hold-out)."""
    return CompareConfig(train=make_config(model, epochs=epochs, validation_split=0.0, out=None),
                         **options)


def fake_entry(name, values):
    return Entry(name=name, kind="sklearn", estimator=name, params_counted="x", runs=[
        Run(seed=42 + i, metrics={"accuracy": v, "macro_f1": v}, train_seconds=1.0 + i,
            predict_seconds=0.1, n_params=10, data_sha256="h",
            y_pred=np.zeros(15, dtype=np.int64)) for i, v in enumerate(values)])


def test_mean_std_is_the_sample_standard_deviation():
    mean, std = comparing.mean_std([0.8, 0.9, 1.0])
    assert mean == pytest.approx(0.9) and std == pytest.approx(np.std([0.8, 0.9, 1.0], ddof=1))
    assert comparing.mean_std([0.5]) == (0.5, 0.0)


def predictions_entry(name, wrong_rows, seeds=3, n=15, truth=None):
    """An entry whose every seed predicts ``truth`` except on ``wrong_rows``."""
    truth = np.asarray(truth)
    runs = []
    for i in range(seeds):
        pred = truth.copy()
        pred[list(wrong_rows)] = 1 - pred[list(wrong_rows)]
        acc = float(np.mean(pred == truth))
        runs.append(Run(seed=42 + i, metrics={"accuracy": acc, "macro_f1": acc},
                        train_seconds=1.0 + i, predict_seconds=0.1, n_params=10,
                        data_sha256="h", y_pred=pred))
    return Entry(name=name, kind="sklearn", estimator=name, params_counted="x", runs=runs)


@pytest.mark.parametrize("n, wrong_a, wrong_b, separated", [
    (200, [], range(20), True),  # b errs on 20 rows a gets right: McNemar p ~ 2e-6
    (30, [], [3], False),  # a one-row lead on 30 rows (the 0.0333): not separable
    (30, [5], [5], False),  # a tie
])
def test_verdict_uses_mcnemar_on_the_shared_test_rows(n, wrong_a, wrong_b, separated):
    cfg = compare_config("logreg", repeats=3)
    dataset = tiny_dataset(n=4 * n)  # 3/4 train: n test rows
    truth = dataset.y_test
    result = CompareResult(cfg, dataset, [predictions_entry("b", wrong_b, truth=truth),
                                          predictions_entry("a", wrong_a, truth=truth)])
    verdict = result.verdict()
    assert verdict["test"] == "McNemar's exact test" and len(verdict["p_values"]) == 3
    assert verdict["separated"] is separated
    if wrong_a != wrong_b:
        assert verdict["best"] == "a" and verdict["runner_up"] == "b"
        assert verdict["difference"] == pytest.approx(len(wrong_b) / n)
        doc = result.to_dict()
        assert [m["best"] for m in doc["models"]] == [False, True]
        assert doc["models"][1]["train_seconds"]["mean"] == pytest.approx(2.0)


def test_mcnemar_and_bootstrap_p_values():
    truth = np.zeros(100, dtype=int)
    assert core_metrics.mcnemar(truth, truth, truth) == 1.0
    worse = truth.copy()
    worse[:10] = 1
    assert core_metrics.mcnemar(truth, truth, worse) == pytest.approx(2 * 0.5 ** 10)
    rng = np.random.default_rng(1)
    y = rng.normal(size=300)
    close = y + rng.normal(0, 0.1, 300)
    assert core_metrics.paired_bootstrap(y, close, y + rng.normal(0, 1.0, 300)) < 0.01
    assert core_metrics.paired_bootstrap(y, close, close[::-1][::-1]) == 1.0
    assert core_metrics.paired_bootstrap(y, close, y + rng.normal(0, 0.1, 300)) > 0.05


def test_regression_ranks_by_lowest_rmse():
    entries = [Entry(name=n, kind="sklearn", estimator=n, params_counted="x", runs=[
        Run(seed=42, metrics={"rmse": r, "mae": r, "r2": 0.5}, train_seconds=0, predict_seconds=0,
            n_params=1, data_sha256="h")]) for n, r in (("a", 2.0), ("b", 1.0))]
    result = CompareResult(compare_config("linreg"), tiny_dataset("regression"), entries)
    assert result.verdict()["best"] == "b" and result.verdict()["separated"] is None


@pytest.mark.parametrize("name, task, kind, counted", [
    ("logistic-regression", "classification", "tabular", "coefficients + intercepts"),
    ("random-forest", "classification", "image", "tree nodes"),
    ("mlp", "classification", "tabular", "weights + biases"),
    ("svm", "classification", "tabular", "support-vector"),
    ("knn", "classification", "image", "stored training values"),
    ("linear-regression", "regression", "tabular", "coefficients + intercepts"),
    ("mlp", "regression", "tabular", "weights + biases"),
    ("svm", "regression", "tabular", "support-vector"),
    ("random-forest", "regression", "tabular", "tree nodes"),
    ("linear-regression", "regression", "series", "coefficients + intercepts"),
])
def test_every_baseline_fits_predicts_and_counts_its_parameters(name, task, kind, counted):
    data = tiny_dataset(task, kind)
    run, estimator, what = comparing.run_baseline(baselines.get(name), data, seed=3, n_jobs=1)
    assert counted in what and run.n_params > 0
    assert run.y_pred.shape == data.y_test.shape
    expected = {"accuracy", "macro_f1", "loss"} if task == "classification" else {
        "rmse", "mae", "r2", "loss"}
    assert set(run.metrics) == expected
    assert run.data_sha256 == comparing.fingerprint(data.x_train, data.y_train, data.x_test,
                                                    data.y_test)


def test_linear_parameter_count_is_coefficients_plus_intercept():
    data = tiny_dataset("classification")
    pipe = baselines.make(baselines.get("logistic-regression"), "classification", "tabular", seed=0)
    pipe.fit(data.x_train, data.y_train)
    assert baselines.count_params(pipe)[0] == 3 + 1  # binary: one row of 3 weights + 1 bias


def test_pixels_are_flattened_and_scaled_to_unit_range():
    x = np.full((2, 4, 4, 1), 255, dtype=np.uint8)
    out = baselines.flatten_pixels(x)
    assert out.shape == (2, 16) and out.dtype == np.float32 and out.max() == 1.0


def test_scaler_is_fit_on_the_training_part_only():
    data = tiny_dataset("classification")
    pipe = baselines.make(baselines.get("logistic-regression"), "classification", "tabular", seed=0)
    pipe.fit(data.x_train, data.y_train)
    assert np.allclose(pipe.named_steps["prep"].mean_, data.x_train.mean(axis=0), atol=1e-5)


def test_convergence_warnings_are_recorded_not_hidden(monkeypatch):
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setattr(baselines, "_estimator",
                        lambda *a, **k: LogisticRegression(max_iter=1))
    run, _, _ = comparing.run_baseline(baselines.get("logistic-regression"), tiny_dataset(),
                                       seed=0)
    assert any(w.startswith("ConvergenceWarning:") for w in run.warnings), run.warnings


def test_defaults_follow_the_keras_model():
    assert models.get("logreg").counterparts_for("classification") == ("logistic-regression",)
    assert models.get("linreg").counterparts_for("regression") == ("linear-regression",)
    assert models.get("mlp").counterparts_for("regression") == ("mlp",)
    for model in ("cnn", "alexnet", "cifar"):
        assert models.get(model).counterparts_for("classification") == (
            "logistic-regression", "random-forest")


def test_costly_baselines_warn_on_large_data():
    seen = []
    baselines.resolve(("svm", "knn", "random-forest"), "classification",
                      n_train=60_000, warn=seen.append)
    assert len(seen) == 2 and "SVC" in seen[0] and "60,000" in seen[0]
    baselines.resolve(("svm",), "classification", n_train=1_000, warn=seen.append)
    assert len(seen) == 2


def test_unknown_baseline_is_refused():
    with pytest.raises(UserError, match="unknown baseline"):
        compare_config("logreg", baselines=("xgboost",))


def test_split_is_loaded_once_and_identical_for_keras_and_every_baseline(monkeypatch):
    """Spy on what each side is handed: the same arrays, and the Keras model gets all the
    training rows (no validation hold-out)."""
    from kerascli.core import fit as core_fit

    seen = {}
    real_train, real_fit = core_fit.train, baselines.fit

    def spy_train(cfg, dataset, **kwargs):
        seen.setdefault("keras", []).append((dataset.x_train, dataset.y_train, dataset.x_test))
        seen["validation_split"] = cfg.validation_split
        return real_train(cfg, dataset, **kwargs)

    def spy_fit(pipeline, x, y):
        seen.setdefault("sklearn", []).append((x, y))
        return real_fit(pipeline, x, y)

    loads = []
    real_load = comparing.load_dataset
    monkeypatch.setattr(comparing, "load_dataset", lambda cfg: loads.append(1) or real_load(cfg))
    monkeypatch.setattr(core_fit, "train", spy_train)
    monkeypatch.setattr(baselines, "fit", spy_fit)
    cfg = compare_config("logreg", epochs=1, repeats=2, baselines=("logistic-regression", "knn"))
    result = comparing.compare(cfg, quiet=True)
    assert loads == [1]
    assert len(seen["keras"]) == 2 and len(seen["sklearn"]) == 4
    x_train, y_train, _ = seen["keras"][0]
    for x, y in seen["sklearn"] + [k[:2] for k in seen["keras"]]:
        assert np.array_equal(x, x_train) and np.array_equal(y, y_train)
    assert seen["validation_split"] == 0.0
    digests = {d for m in result.to_dict()["models"] for d in m["data_sha256"]}
    assert digests == {result.split()["sha256"]}


def test_a_three_way_tie_names_all_three_models():
    cfg = compare_config("logreg", repeats=1)
    dataset = tiny_dataset(n=120)
    truth = dataset.y_test
    result = CompareResult(cfg, dataset, [predictions_entry(n, w, truth=truth, seeds=1)
                                          for n, w in (("a", [1]), ("b", [2]), ("c", [3]),
                                                       ("d", [1, 2]))])
    verdict = result.verdict()
    assert verdict["tied"] == ["a", "b", "c"] and verdict["difference"] == 0
    alone = CompareResult(cfg, dataset, [predictions_entry("a", [], truth=truth, seeds=1),
                                         predictions_entry("b", [1], truth=truth, seeds=1)])
    assert alone.verdict()["tied"] == ["a"]
