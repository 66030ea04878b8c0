"""`kerascli evaluate` reloads model.h5 and reports the metrics train reported."""
import json

import pytest


def _metrics(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["metrics"]


@pytest.mark.parametrize("run", ["iris_run", "digits_run", "linreg_run"])
def test_evaluate_reports_the_metrics_train_reported(invoke, run, request):
    trained = request.getfixturevalue(run)
    metrics = _metrics(invoke("evaluate", trained.run_dir, "--json"))
    assert {k: round(v, 4) for k, v in metrics.items()} == \
        {k: round(v, 4) for k, v in trained.metrics.items()}


def test_evaluate_accepts_the_h5_file_and_prints_a_table(invoke, iris_run):
    result = invoke("evaluate", iris_run.run_dir / "model.h5")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and f"{iris_run.metrics['accuracy']:.4f}" in result.stdout


def test_evaluate_on_another_dataset_of_the_same_shape(invoke, digits_run):
    metrics = _metrics(invoke("evaluate", digits_run.run_dir, "--dataset", "digits", "--json"))
    assert round(metrics["accuracy"], 4) == round(digits_run.metrics["accuracy"], 4)


def test_evaluate_refuses_a_dataset_of_another_shape(invoke, digits_run):
    result = invoke("evaluate", digits_run.run_dir, "--dataset", "iris")
    assert result.exit_code == 2 and "shape" in result.stderr and "Traceback" not in result.output


def test_evaluate_a_bare_model_needs_a_dataset(invoke, iris_run, tmp_path):
    bare = tmp_path / "model.h5"
    bare.write_bytes((iris_run.run_dir / "model.h5").read_bytes())
    result = invoke("evaluate", bare)
    assert result.exit_code == 2 and "--dataset" in result.stderr
    assert "accuracy" in _metrics(invoke("evaluate", bare, "--dataset", "iris", "--json"))


@pytest.mark.parametrize("make,needle", [
    (lambda p: p, "no model.h5"),
    (lambda p: (p / "x.h5").write_text("not hdf5") and p / "x.h5", "cannot load"),
    (lambda p: p / "missing.h5", "no such file"),
])
def test_evaluate_refuses_what_is_not_a_model(invoke, tmp_path, make, needle):
    result = invoke("evaluate", make(tmp_path))
    assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.output
