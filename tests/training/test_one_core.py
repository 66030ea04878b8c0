"""One core under every command: one config reader, one training path, one run directory."""
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.core import config
from kerascli.core.rundir import RunDir

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "forecast"))
from _forecast_data import noisy_sine, write_series_csv  # noqa: E402
import crashing  # noqa: E402


def run_json(args, tmp_path):
    result = CliRunner().invoke(cli, [*args, "--json", "-o", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sine_csv(tmp_path_factory):
    return write_series_csv(tmp_path_factory.mktemp("series") / "sine.csv", noisy_sine(300))


SERIES_OPTIONS = ["--lags", "12", "--horizon", "2", "-e", "3", "-b", "32", "--units", "8",
                  "--seed", "3", "--target", "levels"]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_train_lstm_and_forecast_build_the_same_model_and_score_the_same_windows(sine_csv, tmp_path):
    trained = run_json(["train", "lstm", "-d", str(sine_csv), *SERIES_OPTIONS], tmp_path)
    # --strategy-h direct: train lstm's model (auto may keep the recursive one-step model);
    # --highway linear: its default (without it forecast may keep the LSTM alone, or both)
    forecast = run_json(["forecast", str(sine_csv), *SERIES_OPTIONS, "--strategy-h", "direct",
                         "--highway", "linear"], tmp_path)
    assert set(trained["metrics"]) >= {"rmse", "mae", "mape", "mase"}
    for name in ("rmse", "mae", "mape", "mase"):
        assert forecast["metrics"]["lstm"][name] == pytest.approx(trained["metrics"][name],
                                                                  rel=1e-6), name
    run_t, run_f = RunDir(trained["run_dir"]), RunDir(forecast["run_dir"])
    assert run_f.read_config().train == run_t.read_config()  # the same TrainConfig, field by field
    n_test = json.loads((run_t / "config.json").read_text())["dataset"]["n_test"]
    assert forecast["split"]["n_test_windows"] == n_test


def test_config_json_of_every_command_reads_back_into_the_same_config(tmp_path, sine_csv):
    train = config.make_config("mlp", "iris", epochs=2, params={"hidden": (8, 4)},
                               features=("sepal_length", "petal_length"), label="species",
                               out=str(tmp_path))
    compare = config.CompareConfig(train=train, baselines=("knn",), repeats=3, n_jobs=1,
                                   plot_file="x.png")
    forecast = config.ForecastConfig(train=config.make_config(
        "lstm", str(sine_csv), lags=7, horizon=3, target="diff", fill="ffill"))
    for cfg in (train, compare, forecast):
        run = RunDir(tmp_path / cfg.COMMAND)
        run.write_config(cfg, extra="facts are kept beside")
        assert run.read_config() == cfg
        record = json.loads((run / "config.json").read_text())
        assert record["version"] == config.SCHEMA_VERSION and record["command"] == cfg.COMMAND


def test_a_version_1_train_config_still_reads():
    record = {"config": {"model": "mlp", "dataset": "iris", "epochs": 3, "batch_size": 8,
                         "learning_rate": 0.01, "params": {"hidden": [4], "dropout": 0.0}}}
    cfg = config.from_dict(record)
    assert cfg.model == "mlp" and cfg.params_dict == {"hidden": (4,), "dropout": 0.0}


def test_a_run_of_one_command_is_not_resumed_by_another(tmp_path):
    run = RunDir(tmp_path / "r")
    run.write_config(config.make_config("mlp", "iris", epochs=2))
    run.mark("interrupted")
    from kerascli.errors import UserError
    with pytest.raises(UserError, match="holds a train run, not a forecast run"):
        RunDir.reopen(run.path, "forecast")


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_forecast_resumes_after_a_kill_like_train(sine_csv, tmp_path):
    """SIGKILL once epoch 2's backup exists; --resume ends with the uninterrupted metrics."""
    args = [sys.executable, "-m", "kerascli", "forecast", str(sine_csv), "--lags", "12", "-e", "6",
            "-b", "8", "--units", "8", "--json"]
    full = subprocess.Popen([*args, "-o", str(tmp_path / "full")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = subprocess.Popen([*args, "-o", str(tmp_path / "killed")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    deadline, metadata = time.monotonic() + 120, None
    while time.monotonic() < deadline and metadata is None:
        for found in (tmp_path / "killed").glob("*/backup/epoch-*/training_metadata.json"):
            try:
                if json.loads(found.read_text())["epoch"] >= 2:
                    metadata = found
            except (ValueError, OSError):
                pass  # caught mid-write
        time.sleep(0.01)
    killed.kill()
    killed.communicate()
    assert metadata is not None and killed.returncode == -signal.SIGKILL
    run_dir = metadata.parent.parent.parent
    assert not RunDir(run_dir).is_complete
    resumed = subprocess.run([sys.executable, "-m", "kerascli", "forecast", "--resume",
                              str(run_dir), "--json"], capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {run_dir} after epoch" in resumed.stderr
    after, before = json.loads(resumed.stdout), json.loads(full.communicate(timeout=180)[0])
    for name in ("rmse", "mae", "mase"):
        assert after["metrics"]["lstm"][name] == pytest.approx(before["metrics"]["lstm"][name],
                                                               rel=1e-5), name
    assert RunDir(run_dir).is_complete and (run_dir / "model.h5").is_file()


def test_keras_internals_that_resume_relies_on_still_exist(tmp_path):
    """If this fails after a Keras upgrade, exact resume is broken: kerascli/core/resume.py
    reads the epoch BackupAndRestore restores and the layers' seed generators."""
    from kerascli.core import resume
    from kerascli.runtime import keras_module

    keras = keras_module()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dropout(0.5)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    generators = resume.seed_generators(model)
    assert len(generators) == 1 and np.asarray(generators[0].state.numpy()).shape == (2,)
    x, y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")


    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = resume.initial_epoch(self.model)

    with pytest.raises(crashing.Crash):
        model.fit(x, y, epochs=4, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(str(tmp_path)), crashing.after_epoch(2)])
    probe = Probe()
    model.fit(x, y, epochs=4, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path)), probe])
    assert probe.start == 2, "BackupAndRestore no longer sets model._initial_epoch"
