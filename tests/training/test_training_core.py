"""The training core without the CLI: configuration defaults, refusals, scaling fitted on the
training part only, sklearn metrics, reproducibility and the run directory's artifacts."""
import csv
import json

import numpy as np
import pytest

from kerascli import datasets
from kerascli.core.rundir import RunDir
from kerascli.core import config as core_config, data as core_data, fit as core_fit
from kerascli.core import metrics as core_metrics
from kerascli.errors import UserError


def test_make_config_takes_model_then_dataset_defaults_then_explicit_values():
    cfg = core_config.make_config("mlp", "iris")
    assert (cfg.epochs, cfg.batch_size, cfg.params_dict["hidden"]) == (100, 16, (16, 16))
    cfg = core_config.make_config("mlp", "mnist")
    assert (cfg.epochs, cfg.batch_size, cfg.params_dict["hidden"]) == (20, 128, (512, 512))
    cfg = core_config.make_config("mlp", "iris", epochs=3, params={"hidden": (8,)})
    assert (cfg.epochs, cfg.params_dict["hidden"]) == (3, (8,))


def test_linreg_default_is_iris_sepal_length_to_petal_length():
    cfg = core_config.make_config("linreg")
    assert (cfg.dataset, cfg.data.label, cfg.data.features) == ("iris", "petal_length", ("sepal_length",))
    dataset = core_data.load_data(cfg)
    assert dataset.task == "regression" and dataset.input_shape == (1,)


@pytest.mark.parametrize("kwargs,message", [
    ({"epochs": 0}, "--epochs 0"),
    ({"batch_size": -1}, "--batch-size"),
    ({"learning_rate": -0.1}, "--learning-rate"),
    ({"optimizer": "adamm"}, "--optimizer 'adamm'"),
    ({"validation_split": 1.0}, "--validation-split"),
    ({"params": {"dropout": 1.5}}, "--dropout"),
    ({"params": {"hidden": (0,)}}, "--hidden"),
    ({"params": {"units": 3}}, "no option 'units'"),
])
def test_make_config_refuses_bad_values_with_the_option_named(kwargs, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        core_config.make_config("mlp", "iris", **kwargs)


def test_impossible_pair_is_refused_before_any_data_loads(monkeypatch):
    def no_loading(*a, **k):
        raise AssertionError("data was loaded")
    monkeypatch.setattr(datasets, "load", no_loading)
    cfg = core_config.make_config("cnn", "iris")
    with pytest.raises(UserError, match="cnn accepts: mnist") as err:
        core_data.load_data(cfg)
    assert "\n" not in str(err.value)


def test_classifier_on_a_regression_table_is_refused():
    cfg = core_config.make_config("logreg", "iris", label="petal_length",
                               features=("sepal_length",))
    with pytest.raises(UserError, match="regression task"):
        core_data.load_data(cfg)


def test_feature_scaling_is_fitted_on_the_training_part_only():
    cfg = core_config.make_config("logreg", "iris", validation_split=0.2)
    dataset = core_data.load_data(cfg)
    x_fit, y_fit, x_val, _ = core_data.validation_split(dataset, 0.2, cfg.seed)
    assert len(x_fit) + len(x_val) == len(dataset.x_train)
    layer = core_fit.build_model(cfg, dataset, x_fit, y_fit).layers[0]
    assert type(layer).__name__ == "Normalization"
    np.testing.assert_allclose(layer.get_config()["mean"], x_fit.mean(axis=0), rtol=1e-6)
    everything = np.concatenate([dataset.x_train, dataset.x_test]).mean(axis=0)
    assert not np.allclose(layer.get_config()["mean"], everything, rtol=1e-6)


def test_metrics_are_sklearn_on_predictions():
    y = np.array([0, 1, 2, 2])
    proba = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .6, .3], [.1, .1, .8]])
    m = core_metrics.metrics_from_outputs("classification", y, proba, 3)
    assert m["accuracy"] == 0.75
    assert m["macro_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    r = core_metrics.metrics_from_outputs("regression", np.array([1., 2., 3.]), np.array([[1.], [2.], [4.]]))
    assert r["rmse"] == pytest.approx(np.sqrt(1 / 3)) and r["mae"] == pytest.approx(1 / 3)
    assert r["r2"] == pytest.approx(0.5)


def _digits_subset():
    """A quick slice of the embedded digits (real data, seconds to train)."""
    import dataclasses
    dataset = datasets.load("digits")
    return dataclasses.replace(dataset, x_train=dataset.x_train[:300], y_train=dataset.y_train[:300],
                               x_test=dataset.x_test[:100], y_test=dataset.y_test[:100])


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_same_options_and_seed_give_the_same_metrics():
    dataset = _digits_subset()
    cfg = core_config.make_config("cnn", "digits", epochs=2, batch_size=32)
    first = core_fit.train(cfg, dataset, quiet=True)
    second = core_fit.train(cfg, dataset, quiet=True)
    assert first.metrics == second.metrics and first.history == second.history
    other = core_fit.train(core_config.make_config("cnn", "digits", epochs=2, batch_size=32, seed=7),
                           dataset, quiet=True)
    assert other.history != first.history


def test_run_directory_holds_every_artifact_and_is_marked_complete(tmp_path):
    dataset = _digits_subset()
    cfg = core_config.make_config("logreg", "digits", epochs=2, plot=True, out=str(tmp_path))
    run_dir = RunDir.create(tmp_path, "logreg-digits").path
    assert not RunDir(run_dir).is_complete
    result = core_fit.train(cfg, dataset, run_dir=run_dir, quiet=True)
    assert RunDir(run_dir).is_complete
    names = {p.name for p in run_dir.iterdir()}
    assert {"model.h5", "config.json", "metrics.json", "history.csv", "learning_curves.png",
            "confusion_matrix.png"} <= names
    assert not [n for n in names if ".tmp-" in n]
    for png in ("learning_curves.png", "confusion_matrix.png"):
        assert (run_dir / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((run_dir / "config.json").read_text())
    assert record["config"]["epochs"] == 2
    # one run seed and one split seed, each recorded once, in the config
    assert (record["config"]["seed"], record["config"]["data"]["split_seed"]) == (42, 42)
    assert "split_seed" not in record["config"] and record["version"] == 4
    assert "seed" not in record and set(record["load_options"]) == {"path"}
    assert record["dataset"]["source"].startswith("scikit-learn") and record["background"] == "dark"
    assert {"python", "keras", "tensorflow"} <= set(record["versions"])
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["metrics"] == result.metrics
    rows = list(csv.DictReader((run_dir / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2"] and "val_accuracy" in rows[0]


def test_evaluate_arrays_agrees_with_train(tmp_path):
    dataset = _digits_subset()
    result = core_fit.train(core_config.make_config("mlp", "digits", epochs=1), dataset, quiet=True)
    again = core_metrics.evaluate(result.model, dataset)
    assert again == result.metrics


def test_series_validation_is_the_latest_windows():
    from kerascli.datasets import Dataset
    x = np.arange(20, dtype="float32").reshape(20, 1, 1)
    series = Dataset(name="s", task="regression", kind="series", x_train=x, y_train=x[:, 0, 0],
                     x_test=x[:2], y_test=x[:2, 0, 0], input_shape=(1, 1), source="generated")
    x_fit, _, x_val, _ = core_data.validation_split(series, 0.25, seed=0)
    assert x_fit[:, 0, 0].tolist() == list(range(15)) and x_val[:, 0, 0].tolist() == list(range(15, 20))


def test_a_version_2_config_json_still_reads_with_the_split_seed_it_used():
    """config.json before split_seed (version 2: the seed also at the top and in
    load_options, the split's fixed at 42) still reads; its test split seed was 42."""
    from kerascli.core import config as core_config
    record = {"version": 2, "command": "train", "seed": 7,
              "load_options": {"seed": 42, "path": None},
              "config": {"model": "logreg", "dataset": "iris", "epochs": 1, "batch_size": 8,
                         "learning_rate": 0.05, "seed": 7, "params": {}}}
    cfg = core_config.from_dict(record)
    assert (cfg.seed, cfg.data.split_seed) == (7, 42) and cfg.spec.name == "logreg"
