"""`kerascli forecast` through the CLI: stdout, JSON schema, run directory, plot, saved model."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli

FAST = ["--lags", "12", "--epochs", "2", "--batch-size", "32", "--units", "8", "--target", "levels"]


@pytest.fixture(scope="module")
def json_run(tmp_path_factory):
    from _forecast_data import noisy_sine, write_series_csv
    tmp = tmp_path_factory.mktemp("forecast")
    csv = write_series_csv(tmp / "sine.csv", noisy_sine())
    result = CliRunner().invoke(cli, ["forecast", str(csv), *FAST, "--horizon", "3", "--plot",
                                      "--out", str(tmp / "runs"), "--json"])
    return result, tmp


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_json_is_the_only_stdout_and_has_the_schema(json_run):
    result, _ = json_run
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # nothing but JSON on stdout
    assert {"series", "target", "lags", "horizon", "split", "scaler", "metrics", "best",
            "lstm_vs_naive_rmse", "lstm_beats_naive", "verdict", "forecast", "run_dir",
            "files", "train_seconds"} <= set(payload)
    # daily dates: season 7, so seasonal naive joins the baselines
    assert payload["season"] == 7 and payload["series"]["frequency"] == "daily"
    assert set(payload["metrics"]) == {"lstm", "linear", "naive", "seasonal-naive", "drift"}
    for scores in payload["metrics"].values():
        assert set(scores) == {"rmse", "mae", "mape", "mase"}
        assert all(isinstance(v, float) for v in scores.values())
    assert payload["best"] in payload["metrics"] and payload["target"] == "levels"
    assert [row["step"] for row in payload["forecast"]] == [1, 2, 3]
    assert payload["forecast"][0]["date"] == "2020-12-26"  # the day after the last row (daily)
    assert payload["split"]["n_test_windows"] == 72 - 3 + 1
    assert payload["scaler"]["fit_on"] == "training part only"
    assert payload["series"]["column"] == "Value" and payload["series"]["n_rows"] == 360
    assert "epoch 2/2" in result.stderr  # progress on stderr


def test_run_directory_holds_model_config_metrics_predictions_and_plot(json_run):
    result, _ = json_run
    payload = json.loads(result.stdout)
    from pathlib import Path
    run_dir = Path(payload["run_dir"])
    assert run_dir.name.startswith("forecast-sine-")
    assert not (run_dir / "INCOMPLETE").exists()
    for name in ("model.h5", "config.json", "metrics.json", "predictions.csv", "forecast.png"):
        assert (run_dir / name).stat().st_size > 0, name
    assert (run_dir / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((run_dir / "config.json").read_text())
    train = record["config"]["train"]
    assert record["command"] == "forecast" and train["model"] == "lstm"
    assert train["data"]["lags"] == 12 and train["data"]["horizon"] == 3 and record["dataset"]["target"] == "levels"
    assert "keras" in record["versions"]
    assert json.loads((run_dir / "metrics.json").read_text())["metrics"] == payload["metrics"]
    header = (run_dir / "predictions.csv").read_text().splitlines()[0]
    assert header == ("date,step,actual,lstm,linear,naive,seasonal-naive,drift,"
                      "lstm_lo80,lstm_hi80,lstm_lo95,lstm_hi95")


def test_saved_model_reloads_with_plain_keras_and_predicts_three_steps(json_run):
    result, _ = json_run
    from pathlib import Path
    from kerascli.runtime import keras_module
    keras = keras_module()
    model = keras.models.load_model(Path(json.loads(result.stdout)["run_dir"]) / "model.h5")
    assert model.predict(np.zeros((2, 12, 1), "float32"), verbose=0).shape == (2, 3)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_table_marks_the_best_and_states_the_verdict(sine_csv, tmp_path):
    result = CliRunner().invoke(cli, ["forecast", str(sine_csv), *FAST, "--no-plot",
                                      "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for word in ("lstm", "linear", "naive", "drift", "RMSE", "MASE", "best", "next 1 value"):
        assert word in out, word
    assert "The LSTM beats naive" in out or "The LSTM does not beat naive" in out
    run_dir = next((tmp_path / "runs").iterdir())
    assert not (run_dir / "forecast.png").exists()  # --no-plot
    assert (run_dir / "model.h5").exists()


@pytest.mark.slow
def test_default_forecast_on_the_shipped_sp500(tmp_path):
    result = CliRunner().invoke(cli, ["forecast", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["series"]["n_rows"] == 17587
    # the target: chosen by validation RMSE among the log-scale ones only (returns, log
    # differences, seasonal log differences), since the S&P grows far over
    # series.LOG_SCALE_RANGE times in its training part
    stored = json.loads((Path(payload["run_dir"]) / "config.json").read_text())["config"]
    scores = dict(map(tuple, stored["target_scores"]))
    assert {"returns", "log-diff", "log-sdiff"} <= set(scores)
    assert not {"diff", "sdiff", "sdiff-diff"} & set(scores)
    assert payload["target"] == min(scores, key=scores.get) == stored["train"]["data"]["target"]
    assert 0.9 < payload["lstm_vs_naive_rmse"] < 1.2
    # the default: a backtest from 5 origins, horizon 1, conformal 80/95% intervals
    assert len(payload["backtest"]["origins"]) == 5 and payload["horizon"] == 1
    for level in (80, 95):
        assert abs(payload["coverage"]["lstm"][str(level)]["overall"] - level) < 5


def _long_csv(path):
    import pandas as pd
    from _forecast_data import noisy_sine
    days = pd.date_range("2020-01-01", periods=120, freq="D")
    rows = [f"{sym},{d.date()},{v:.4f}" for sym, shift in (("AAA", 0), ("BBB", 50))
            for d, v in zip(days, noisy_sine(120) + shift)]
    path.write_text("symbol,date,price\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_long_table_is_refused_in_one_line_then_forecast_per_series(tmp_path):
    csv = _long_csv(tmp_path / "stocks.csv")
    refused = CliRunner().invoke(cli, ["forecast", str(csv), *FAST, "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "holds 2 series in column 'symbol'" in refused.stderr
    assert "--series-column symbol --series AAA" in refused.stderr
    result = CliRunner().invoke(cli, ["forecast", str(csv), *FAST, "--series-column", "symbol",
                                      "--series", "BBB", "--backtest", "1", "--no-plot",
                                      "--out", str(tmp_path / "runs"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["series"]["series_id"] == "BBB" and payload["series"]["n_rows"] == 120
    assert payload["series"]["n_duplicates"] == 0
    assert payload["forecast"][0]["naive"] > 55  # BBB's level (about 60), not AAA's (10)
