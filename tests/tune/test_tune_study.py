"""`kerascli tune` end to end on Iris, tiny: trials are normal runs scored on the validation
split, best.json trains again, a study resumes with a killed trial failed, and two processes
on one journal file run exactly the requested trials together."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# one epoch (the default run's too: iris' own default is 100), two sizes, two batch sizes
TINY = ["--dataset", "iris", "--epochs", "1", "--param", "hidden=8,4",
        "--param", "batch_size=16,32"]


@pytest.mark.slow  # a trial, the default run, two scorings and a retraining: seconds
def test_tune_trials_are_runs_scored_on_validation_and_best_json_trains(invoke, tmp_path):
    result = invoke("tune", "mlp", *TINY, "--trials", "1", "--study", "s", "--out", tmp_path,
                    "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    study = tmp_path / "s"
    assert [t["state"] for t in out["trials"]] == ["complete"]
    for t in out["trials"]:
        record = json.loads((Path(t["run_dir"]) / "config.json").read_text())
        assert record["command"] == "train" and (Path(t["run_dir"]) / "model.h5").exists()
        # the trial's "test" part is the 12-row validation split of Iris' 120 training rows:
        # the real test set (30 rows) never reaches the search
        assert record["dataset"]["n_test"] == 12 and record["dataset"]["n_train"] == 120
    assert out["best"]["value"] == max(t["value"] for t in out["trials"])
    assert set(out["best_test"]) == {"accuracy", "macro_f1", "loss"}
    assert out["default_test"] and (study / "default" / "model.h5").exists()
    assert (study / "journal.log").exists() and (study / "tune.json").exists()
    again = invoke("train", "mlp", "--config", study / "best.json", "--out", tmp_path / "r",
                   "--json")
    assert again.exit_code == 0, again.output
    retrained = json.loads(again.stdout)
    chosen = str(out["best"]["params"]["hidden"])  # Optuna keeps sizes as "8,4"
    assert retrained["config"]["params"]["hidden"] == [int(n) for n in chosen.split(",")]
    assert retrained["metrics"]["accuracy"] == pytest.approx(out["best_test"]["accuracy"])


@pytest.mark.slow  # three trainings and a default run: seconds
def test_resume_keeps_finished_trials_and_fails_a_killed_one(invoke, tmp_path):
    import optuna
    from kerascli import tuning

    first = invoke("tune", "mlp", *TINY, "--trials", "1", "--study", "s", "--out", tmp_path)
    assert first.exit_code == 0, first.output
    study_dir = tmp_path / "s"
    # a trial whose process was killed mid-way: RUNNING in the journal, its pid gone
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    study = optuna.load_study(study_name="s", storage=tuning.open_storage(None, study_dir))
    trial = study.ask()
    trial.set_user_attr("host", __import__("socket").gethostname())
    trial.set_user_attr("pid", dead.pid)
    result = invoke("tune", "--resume", study_dir, "--trials", "2", "--json")
    assert result.exit_code == 0, result.output
    states = [t["state"] for t in json.loads(result.stdout)["trials"]]
    assert states == ["complete", "failed", "complete"]  # the killed one does not count
    assert "marked failed" in result.stderr


@pytest.mark.slow
def test_two_processes_on_one_journal_run_exactly_the_requested_trials(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    cmd = [sys.executable, "-m", "kerascli", "tune", "mlp", *TINY, "--no-prune", "--trials", "3", "--study", "shared", "--out", str(tmp_path), "--json"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=500) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    # the study as both left it (a process's own output may show the other's last trial
    # still running)
    import optuna
    from kerascli import tuning
    study = optuna.load_study(study_name="shared",
                              storage=tuning.open_storage(None, tmp_path / "shared"))
    states = [t.state.name for t in study.trials if not t.user_attrs.get("surplus")]
    assert states.count("COMPLETE") == 3 and set(states) == {"COMPLETE"}
    assert {json.loads(o)["study"] for o, _ in outs} == {"shared"}
    assert len(list((tmp_path / "shared").glob("trial-*"))) == 3


def test_pruning_stops_training_cleanly_at_the_epoch_the_pruner_says():
    import numpy as np
    from kerascli import tuning
    from kerascli.runtime import keras_module
    keras = keras_module()

    class Trial:
        reports = []

        def report(self, value, step):
            self.reports.append((step, value))

        def should_prune(self):
            return len(self.reports) >= 2

    callback = tuning.pruning_callback(Trial(), "val_loss", prune=True)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 2), "float32")
    history = model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=5, verbose=0,
                        callbacks=[callback])
    assert callback.pruned_at == 2 and len(history.history["loss"]) == 2
    assert [s for s, _ in Trial.reports] == [1, 2]
