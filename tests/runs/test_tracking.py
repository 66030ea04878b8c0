"""--mlflow: the finished run directory logged to MLflow; a server that is down costs one
line and the run stays saved locally. MLflow is an extra outside the test extra (it would
change what the other tests resolve to): its tests carry needs_extra("mlflow") and run in
.ci/run's mlflow job. The end-to-end test starts a real ``mlflow server`` on 127.0.0.1 and
reads the run back with MlflowClient."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runfiles import make_compare_run, make_run

from kerascli import tracking

DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def test_the_default_store_is_sqlite_never_mlruns(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking.resolve_uri("") == "sqlite:///mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://team:5000")
    assert tracking.resolve_uri("") == "http://team:5000"
    assert tracking.resolve_uri("sqlite:///x.db") == "sqlite:///x.db"


def test_without_mlflow_installed_it_is_one_line_and_the_run_stays(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow raises ImportError
    run = make_run(tmp_path / "runs", "a")
    before = sorted(p.name for p in run.iterdir())
    said = []
    assert tracking.log_run(run, "", said.append) is None
    assert said == [f'--mlflow: MLflow is not installed (pip install "kerascli[mlflow]"); '
                    f"the run is saved in {run} only."]
    assert sorted(p.name for p in run.iterdir()) == before


@pytest.mark.needs_extra("mlflow")
def test_a_tracking_server_that_is_down_is_one_line_and_the_run_stays(tmp_path):
    run = make_run(tmp_path / "runs", "a")
    before = sorted(p.name for p in run.iterdir())
    said = []
    started = time.monotonic()
    assert tracking.log_run(run, DOWN, said.append) is None
    assert time.monotonic() - started < 2  # not MLflow's minutes of retries, nor its import
    assert len(said) == 1 and "no tracking server answers at http://127.0.0.1:9" in said[0]
    assert str(run) in said[0]
    assert sorted(p.name for p in run.iterdir()) == before
    assert not Path("mlruns").exists() and not Path("mlflow.db").exists()


@pytest.mark.slow  # a real training
@pytest.mark.needs_extra("mlflow")
def test_train_with_mlflow_at_a_dead_server_still_completes(tmp_path, invoke):
    result = invoke("train", "logreg", "--epochs", "1", "--out", tmp_path, "--mlflow", DOWN,
                    "--json")
    assert result.exit_code == 0, result.output
    run = Path(json.loads(result.stdout)["run_dir"])
    assert (run / "model.h5").is_file() and not (run / "INCOMPLETE").exists()
    lines = [line for line in result.stderr.splitlines() if "mlflow" in line.lower()]
    assert len(lines) == 1 and lines[0].startswith("--mlflow: no tracking server answers")


@pytest.mark.slow  # MLflow creates its SQLite schema (its migrations): seconds
@pytest.mark.needs_extra("mlflow")
def test_a_bare_mlflow_logs_to_sqlite_mlflow_db_never_mlruns(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    run = make_run(tmp_path / "runs", "a", model="mlp", params={"dropout": 0.25},
                   metrics={"accuracy": 0.875, "loss": 0.3})
    said = []
    run_id = tracking.log_run(run, "", said.append)  # --mlflow with no URI
    assert run_id, said
    assert Path("mlflow.db").is_file() and not Path("mlruns").exists()
    got = MlflowClient("sqlite:///mlflow.db").get_run(run_id)
    assert got.data.params["dropout"] == "0.25" and got.data.metrics["test_accuracy"] == 0.875
    assert got.info.artifact_uri.startswith((Path.cwd() / "mlartifacts").as_uri())
    assert (Path("mlartifacts") / run_id / "artifacts" / "config.json").is_file()
    # a compare run: its Keras model's files (in keras/) go too, under keras/
    compare = make_compare_run(tmp_path / "runs", "c")
    compare_id = tracking.log_run(compare, "", said.append)
    kept = Path("mlartifacts") / compare_id / "artifacts"
    assert (kept / "results.json").is_file() and (kept / "keras" / "metrics.json").is_file()
    assert (kept / "keras" / "history.csv").is_file()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    """A real ``mlflow server`` on 127.0.0.1 (its own SQLite store); yields its URI."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1",
         "--port", str(port), "--backend-store-uri", f"sqlite:///{tmp_path}/server.db",
         "--default-artifact-root", str(tmp_path / "artifacts"), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
        start_new_session=True)  # its own process group: the server and its workers
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not tracking.reachable(uri, timeout=1):
            if server.poll() is not None:
                pytest.fail(f"mlflow server exited: {server.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("mlflow server did not answer in 120 s")
            time.sleep(0.5)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:  # its workers shut down slowly: the test is over
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.mark.slow  # starts a real mlflow server
@pytest.mark.needs_extra("mlflow")
def test_a_run_logged_to_a_real_mlflow_server_reads_back(tmp_path, mlflow_server):
    from mlflow import MlflowClient

    run = make_run(tmp_path / "runs", "a", model="mlp", params={"dropout": 0.25},
                   metrics={"accuracy": 0.875, "loss": 0.3})
    said = []
    run_id = tracking.log_run(run, mlflow_server, said.append)
    assert run_id, said
    client = MlflowClient(mlflow_server)
    got = client.get_run(run_id)
    assert got.data.params["dropout"] == "0.25" and got.data.params["model"] == "mlp"
    assert got.data.metrics["test_accuracy"] == 0.875
    assert got.data.tags["kerascli.command"] == "train"
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")] == [
        (1, 1.0), (2, 0.6), (3, 0.3)]
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"config.json", "metrics.json", "history.csv"} <= artifacts
    assert got.info.status == "FINISHED"
    assert not Path("mlruns").exists() and not (tmp_path / "mlruns").exists()
