"""A user's CSV gets defaults from its size and trains to convergence: compare never makes the
network look bad through under-training, linreg matches OLS, and a run that stops while the
loss still falls says so in one line."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.core import config, convergence


def _orchard_csv(path, rows=180, seed=3):
    """Apples, pears and plums by weight, sugar, diameter (classes separable, not trivially)."""
    rng = np.random.default_rng(seed)
    lines = ["weight_g,sugar_brix,diameter_mm,fruit"]
    for i in range(rows):
        fruit = ("apple", "pear", "plum")[i % 3]
        weight = {"apple": 180, "pear": 210, "plum": 60}[fruit] + rng.normal(0, 25)
        sugar = {"apple": 12, "pear": 14.5, "plum": 11}[fruit] + rng.normal(0, 1.0)
        diameter = {"apple": 75, "pear": 65, "plum": 45}[fruit] + rng.normal(0, 5)
        lines.append(f"{weight:.1f},{sugar:.2f},{diameter:.1f},{fruit}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _rent_csv(path, rows=160, seed=5):
    """Monthly rent from floor area, floor and age: linear plus noise, correlated features."""
    rng = np.random.default_rng(seed)
    lines = ["area,floor,age,balcony_area,rent"]
    for _ in range(rows):
        area = rng.uniform(25, 140)
        floor = int(rng.integers(0, 9))
        age = rng.uniform(0, 80)
        balcony = 0.08 * area + rng.normal(0, 1.5)
        rent = 9.5 * area + 15 * floor - 2.2 * age + 6 * balcony + 150 + rng.normal(0, 60)
        lines.append(f"{area:.1f},{floor},{age:.1f},{balcony:.2f},{rent:.0f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _compare(tmp_path, *args):
    result = CliRunner().invoke(cli, ["compare", *map(str, args), "--out", str(tmp_path / "runs"),
                                      "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    doc = json.loads(result.stdout)
    return {m["name"]: m for m in doc["models"]}, doc, result.stderr


def test_a_csv_gets_batch_size_epoch_cap_and_patience_from_its_size(tmp_path):
    csv = _orchard_csv(tmp_path / "orchard.csv")
    cfg = config.make_config("logreg", str(csv), label="fruit")
    assert set(cfg.auto) == {"batch_size", "epochs"}
    small = config.derive_from_data(cfg, 240)
    assert small.auto == () and small.batch_size == 8  # >= 16 steps per epoch
    assert small.epochs >= 500 and 5 <= small.patience <= 25  # a generous cap, early stopping
    large = config.derive_from_data(cfg, 100_000)
    assert large.batch_size == 128 and large.epochs < small.epochs
    # given values are kept; a built-in dataset keeps its measured defaults
    assert config.make_config("logreg", str(csv), label="fruit", epochs=7, batch_size=4).auto == ()
    assert config.make_config("logreg", "iris").auto == ()


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_compare_logreg_on_a_small_csv_is_not_under_trained(tmp_path):
    csv = _orchard_csv(tmp_path / "orchard.csv")
    models, doc, _ = _compare(tmp_path, "logreg", "--dataset", csv, "--label", "fruit")
    keras = models["keras:logreg"]["metrics"]["accuracy"]["mean"]
    sklearn = models["sklearn:logistic-regression"]["metrics"]["accuracy"]["mean"]
    one_row = 1 / doc["split"]["n_test"]
    assert keras >= sklearn - one_row - 1e-9, (keras, sklearn)
    run = json.loads((tmp_path / "runs").glob("compare-*/keras/metrics.json").__next__()
                     .read_text())
    assert run["convergence"]["monitor"] == "loss"  # no validation part in compare
    assert run["convergence"]["stopped_early"] and run["convergence"]["note"] is None


def test_compare_linreg_on_a_csv_matches_ordinary_least_squares(tmp_path):
    csv = _rent_csv(tmp_path / "rent.csv")
    models, _, _ = _compare(tmp_path, "linreg", "--dataset", csv, "--label", "rent")
    keras = models["keras:linreg"]["metrics"]
    ols = models["sklearn:linear-regression"]["metrics"]
    assert keras["rmse"]["mean"] == pytest.approx(ols["rmse"]["mean"], rel=1e-3)
    assert keras["r2"]["mean"] == pytest.approx(ols["r2"]["mean"], abs=1e-3)


def test_train_on_a_csv_stops_early_on_validation_loss(tmp_path):
    csv = _orchard_csv(tmp_path / "orchard.csv")
    result = CliRunner().invoke(cli, ["train", "logreg", "--dataset", str(csv), "--label", "fruit",
                                      "--out", str(tmp_path / "runs"), "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    doc = json.loads(result.stdout)
    assert "up to" in result.stderr and "stops after" in result.stderr
    assert doc["convergence"]["monitor"] == "val_loss" and doc["convergence"]["stopped_early"]
    assert doc["epochs_run"] < doc["config"]["epochs"]
    assert doc["metrics"]["accuracy"] > 0.8


def test_a_run_stopped_while_the_loss_still_falls_says_so_in_one_line(tmp_path):
    csv = _orchard_csv(tmp_path / "orchard.csv")
    result = CliRunner().invoke(cli, ["train", "logreg", "--dataset", str(csv), "--label", "fruit",
                                      "--epochs", "4", "--lr", "0.002",
                                      "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output + result.stderr
    notes = [line for line in result.stderr.splitlines() if "not converged" in line]
    assert len(notes) == 1 and "epoch 4/4" in notes[0] and "--epochs" in notes[0]
    assert "4 epochs" in result.stdout


def test_convergence_report_reads_the_history():
    falling = {"loss": [2.0, 1.5, 1.1, 0.8, 0.6], "val_loss": [2.0, 1.6, 1.2, 0.9, 0.7]}
    report = convergence.report(falling, epochs=5)
    assert report["monitor"] == "val_loss" and report["note"].startswith("not converged")
    flat = {"loss": [1.0, 0.5, 0.40, 0.399, 0.3989]}
    assert convergence.report(flat, epochs=5)["note"] is None
    stopped = convergence.report({"loss": [1.0, 0.9, 0.8]}, epochs=100, patience=5)
    assert stopped["stopped_early"] and stopped["note"] is None
    assert convergence.report({"loss": [3.0]}, epochs=1)["note"] is None  # too few to tell


def test_compare_says_when_the_network_stopped_short(tmp_path):
    csv = _orchard_csv(tmp_path / "orchard.csv")
    models, _, stderr = _compare(tmp_path, "logreg", "--dataset", csv, "--label", "fruit",
                                 "--epochs", "3", "--lr", "0.002")
    assert any(w.startswith("not converged") for w in models["keras:logreg"]["warnings"])
    assert "not converged" in stderr
