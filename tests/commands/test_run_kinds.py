"""A run directory of one command handed to another: ``evaluate``/``predict`` say in one line
what kind of run it is and use it (compare: its Keras model; forecast: evaluate re-scores the
test windows) or point to the command that fits (predict on a series model)."""
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascli.cli import cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forecast"))
from _forecast_data import noisy_sine, write_series_csv  # noqa: E402

SERIES = ["--lags", "8", "--horizon", "1", "-e", "2", "-b", "32", "--units", "4",
          "--target", "levels", "--seed", "1"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_refusal(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory):
    return write_series_csv(tmp_path_factory.mktemp("series") / "sine.csv", noisy_sine(240))


@pytest.fixture(scope="module")
def forecast_run(series_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast-runs")
    result = invoke("forecast", series_csv, *SERIES, "-o", out, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    return Path(payload["run_dir"]), payload


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare-runs")
    result = invoke("compare", "logreg", "-e", "3", "-o", out, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    return Path(payload["run_dir"]), payload


def test_evaluate_on_a_forecast_run_rescores_its_test_windows(forecast_run):
    run_dir, payload = forecast_run
    result = invoke("evaluate", run_dir, "--json")
    assert result.exit_code == 0, result.output
    assert "is a forecast run" in result.stderr and "test windows" in result.stderr
    scored = json.loads(result.stdout)
    assert scored["run_command"] == "forecast"
    assert scored["n_test"] == payload["split"]["n_test_windows"]
    for name in ("rmse", "mae", "mape", "mase"):  # the LSTM's scores, as forecast reported
        assert scored["metrics"][name] == pytest.approx(payload["metrics"]["lstm"][name],
                                                        rel=1e-5), name
    assert scored["trained_metrics"] == payload["metrics"]["lstm"]


def test_predict_on_a_forecast_run_points_to_forecast(forecast_run, series_csv):
    run_dir, _ = forecast_run
    one_line_refusal(invoke("predict", run_dir, series_csv), "forecast run",
                     "not for series models", "kerascli forecast", "kerascli evaluate")
    # the model file itself, too (its config.json says what it is)
    one_line_refusal(invoke("predict", run_dir / "model.h5", series_csv), "forecast run")


def test_predict_on_a_train_lstm_run_points_to_forecast(series_csv, tmp_path):
    result = invoke("train", "lstm", "-d", series_csv, *SERIES, "-o", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    run_dir = json.loads(result.stdout)["run_dir"]
    one_line_refusal(invoke("predict", run_dir, series_csv), "series model",
                     "kerascli forecast")


def test_evaluate_on_a_compare_run_uses_its_keras_model(compare_run):
    run_dir, payload = compare_run
    result = invoke("evaluate", run_dir, "--json")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "compare run" in line]
    assert len(lines) == 1 and "keras" in lines[0]
    scored = json.loads(result.stdout)
    assert Path(scored["model_path"]) == run_dir / "keras" / "model.h5"
    keras_entry = next(m for m in payload["models"] if m["kind"] == "keras")
    assert scored["metrics"]["accuracy"] == pytest.approx(
        keras_entry["metrics"]["accuracy"]["values"][0])


def test_predict_on_a_compare_run_uses_its_keras_model(compare_run, tmp_path):
    run_dir, _ = compare_run
    rows = tmp_path / "flowers.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n"
                    "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    assert "compare run" in result.stderr
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["input"] for p in predictions] == [f"{rows} row 1", f"{rows} row 2"]
    assert all(p["top"][0]["class"] in ("setosa", "versicolor", "virginica")
               for p in predictions)


def test_resume_with_the_wrong_command_names_the_right_one(forecast_run, tmp_path):
    from kerascli.core.rundir import RunDir
    run_dir, _ = forecast_run
    copy = tmp_path / "unfinished"
    copy.mkdir()
    (copy / "config.json").write_bytes((run_dir / "config.json").read_bytes())
    RunDir(copy).mark("interrupted")
    one_line_refusal(invoke("train", "lstm", "--resume", copy), "holds a forecast run",
                     "kerascli forecast --resume")
