"""Series models (train lstm, forecast): their LSTM exported to every format, and export.json
saying that the windows go in on the model's own scale (the series provider scales them
before the model, so the export takes what model.h5 takes)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forecast"))
from _forecast_data import noisy_sine, write_series_csv  # noqa: E402


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory, train_run):
    csv = write_series_csv(tmp_path_factory.mktemp("series") / "sine.csv", noisy_sine(120))
    return train_run("lstm", str(csv), epochs=1, batch_size=32, lags=6,
                     params={"units": 4}, target="levels")


@pytest.mark.slow  # a series run trained and converted: about 10 s
@pytest.mark.needs_extra("litert")
def test_an_lstm_exports_to_litert_unrolled_in_builtin_ops(invoke, lstm_run, tmp_path):
    # rolled, the converter leaves the LSTM's while-loop as Select TF ops the interpreter lacks
    result = invoke("export", lstm_run.run_dir, "--format", "litert", "--output", tmp_path / "l")
    assert result.exit_code == 0, result.output
    assert "checked with ai-edge-litert" in result.stdout


def test_a_series_export_json_says_the_windows_are_scaled_outside():
    from kerascli.exporting.describe import series_input
    extra = {"label": "Close", "target": "log-diff", "scaler_mean": 0.0003, "scaler_scale": 0.01}
    what = series_input(extra, [None, 20, 1])
    assert what.startswith("windows of 20 past values of Close (1 per step)")
    assert "'log-diff'" in what and "(value - 0.0003) / 0.01" in what
    assert "not inside the model" in what and "raw" not in what
