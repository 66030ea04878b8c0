"""`kerascli train MODEL` through the CLI: results on stdout (pure JSON under --json), the
summary and progress on stderr, a complete run directory, and one-line refusals (exit 2)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kerascli import datasets


def test_train_logreg_iris_json(invoke, tmp_path):
    result = invoke("train", "logreg", "--epochs", "2", "--out", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["model"] == "logreg" and payload["dataset"] == "iris"
    assert set(payload["metrics"]) == {"accuracy", "macro_f1", "loss"}
    run_dir = Path(payload["run_dir"])
    assert run_dir.parent == tmp_path / "runs" and run_dir.name.startswith("logreg-iris-")
    assert {"model.h5", "config.json", "metrics.json", "history.csv"} <= {p.name for p in run_dir.iterdir()}
    assert "epoch 2/2" in result.stderr and 'Model: "logreg"' in result.stderr


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_train_logreg_with_its_defaults_learns_iris(invoke, tmp_path):
    """The defaults (100 epochs, batch 16, lr 0.05 for iris) reach the published ~0.97 level;
    0.9 leaves room for noise, not for a broken loop (chance is 1/3)."""
    result = invoke("train", "logreg", "--out", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["accuracy"] >= 0.9


def test_train_prints_a_results_table_and_the_run_directory(invoke, tmp_path):
    result = invoke("train", "mlp", "--dataset", "iris", "--epochs", "1", "--hidden", "8,4",
                    "--dropout", "0.1", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and "macro-F1" in result.stdout
    assert "run directory:" in result.stdout and "model.h5" in result.stdout
    assert "epoch 1/1" not in result.stdout  # progress stays on stderr
    config = json.loads(next(tmp_path.glob("mlp-iris-*/config.json")).read_text())
    assert config["config"]["params"] == {"hidden": [8, 4], "dropout": 0.1}


def test_train_linreg_reports_regression_metrics(invoke, tmp_path):
    result = invoke("train", "linreg", "--epochs", "2", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["metrics"]) == {"rmse", "mae", "r2", "loss"}


def test_train_cnn_on_mnist_files_from_the_data_dir(invoke, tmp_path, mnist_files):
    result = invoke("train", "cnn", "--dataset", "mnist", "--epochs", "1", "--out", tmp_path,
                    "--json", "--plot")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "mnist" and "confusion_matrix" in payload["artifacts"]


def _one_line_refusal(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("Usage:"), result.stderr
    for needle in needles:
        assert needle in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_impossible_pair_is_refused_before_loading(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "load", lambda *a, **k: pytest.fail("data was loaded"))
    result = invoke("train", "cnn", "--dataset", "iris", "--out", tmp_path)
    _one_line_refusal(result, "cannot train on dataset 'iris'", "cnn accepts: mnist")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args,needle", [
    (["--epochs", "-1"], "--epochs"),
    (["--epochs", "0"], "--epochs"),
    (["--optimizer", "adamm"], "--optimizer"),
    (["--learning-rate", "0"], "--learning-rate"),
    (["--validation-split", "1.5"], "--validation-split"),
    (["--hidden", "64,x"], "--hidden"),
    (["--dropout", "1.5"], "--dropout"),
    (["--dataset", "no-such-dataset"], "unknown dataset"),
])
def test_bad_option_values_exit_2(invoke, tmp_path, args, needle):
    result = invoke("train", "mlp", "--dataset", "iris", *args, "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output


def test_unwritable_out_fails_before_loading(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "load", lambda *a, **k: pytest.fail("data was loaded"))
    (tmp_path / "file").write_text("x")
    result = invoke("train", "logreg", "--out", tmp_path / "file")
    _one_line_refusal(result, "--out")


def test_unknown_model_exits_2(invoke):
    result = invoke("train", "resnet")
    assert result.exit_code == 2 and "resnet" in result.stderr


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_end_to_end_in_a_real_process_keeps_stdout_pure_json(tmp_path):
    env = {**os.environ, "KERAS_HOME": str(tmp_path / ".keras"), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "kerascli", "train", "logreg", "--dataset", "digits",
                           "--epochs", "1", "--out", str(tmp_path / "runs"), "--json"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    payload = json.loads(proc.stdout)  # nothing but the JSON document
    assert payload["metrics"]["accuracy"] > 0.5
    assert "epoch 1/1" in proc.stderr and "loading dataset digits" in proc.stderr
    assert Path(payload["artifacts"]["model"]).is_file()
