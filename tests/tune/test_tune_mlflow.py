"""``tune --mlflow``: every trial's run directory and the default run are logged once the study
ends, through the same mechanism as train's (commands.options.track); MLflow missing or a
tracking server that is down is said once for the whole study, never once per trial, and the
study stays saved."""
import json
from pathlib import Path

import pytest

DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens
TINY = ("--dataset", "iris", "--epochs", "1", "--batch-size", "32")


@pytest.mark.slow  # a real (tiny) study: two trials and the default run
def test_tune_with_mlflow_unavailable_says_so_once_and_keeps_the_study(invoke, tmp_path):
    result = invoke("tune", "logreg", *TINY, "--trials", "2", "--no-prune", "--study", "s",
                    "--out", tmp_path, "--mlflow", DOWN, "--json")
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if line.startswith("--mlflow:")]
    assert len(said) == 1, said
    assert "saved in" in said[0] and "only" in said[0]
    trials = json.loads(result.stdout)["trials"]
    assert [t["state"] for t in trials] == ["complete", "complete"]
    assert (tmp_path / "s" / "best.json").is_file()


@pytest.mark.slow  # a real study, then MLflow's SQLite schema
@pytest.mark.needs_extra("mlflow")
def test_tune_with_mlflow_logs_every_trial_and_the_default_run(invoke, tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = invoke("tune", "logreg", *TINY, "--trials", "2", "--no-prune", "--study", "s",
                    "--out", tmp_path / "runs", "--mlflow", uri, "--json")
    assert result.exit_code == 0, result.output
    client = MlflowClient(uri)
    logged = client.search_runs([e.experiment_id for e in client.search_experiments()])
    dirs = sorted(r.data.tags["kerascli.run_dir"] for r in logged)
    trials = [t["run_dir"] for t in json.loads(result.stdout)["trials"]]
    default = tmp_path / "runs" / "s" / "default"
    assert dirs == sorted(str(Path(p).resolve()) for p in trials + [default])
