"""``--mlflow [URI]``: log a finished run directory to MLflow (optional; imported only then).

One mechanism for train, compare and forecast: once a command has written its run
directory, :func:`log_run` reads it back (:mod:`kerascli.runs.record`) and logs the
configuration as parameters, history.csv as per-epoch metrics, the test metrics, and the
files (model.h5, config.json, plots) as artifacts. The URI: the one given, else
``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` (MLflow's own default since 3.7; never
the deprecated ``./mlruns`` file store). A tracking server that cannot be reached costs one
line on stderr: the run itself is already complete and saved locally.
"""
import csv
import os
from pathlib import Path

DEFAULT_URI = "sqlite:///mlflow.db"
EXPERIMENT = "kerascli"
ARTIFACTS = ("model.h5", "config.json", "metrics.json", "results.json", "history.csv",
             "predictions.csv", "learning_curves.png", "confusion_matrix.png",
             "comparison.png", "forecast.png")
MAX_PARAM = 500  # MLflow's limit on a parameter value's length (6000 since 2.x; stay short)


def resolve_uri(uri):
    """The tracking URI to use for ``--mlflow URI`` (``""``: a bare --mlflow)."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI


def log_run(run_dir, uri, say):
    """Log the run in ``run_dir`` to MLflow at ``uri``; ``say`` prints the one line of the
    outcome (or of the failure) on stderr. Returns the MLflow run id, or None."""
    from kerascli.runs import record

    uri = resolve_uri(uri)
    if not installed():
        say('--mlflow: MLflow is not installed (pip install "kerascli[mlflow]"); the run is '
            f"saved in {run_dir} only.")
        return None
    run = record.read(run_dir)
    if run.status == "unreadable":
        say(f"--mlflow: {run_dir} cannot be read back ({run.problem}); nothing logged.")
        return None
    # asked before importing MLflow (seconds): a server that is down costs a refused connection
    if uri.startswith(("http://", "https://")) and not reachable(uri):
        say(f"--mlflow: no tracking server answers at {uri}; the run is saved in {run_dir} "
            "only (log it later: start the server and run the command again).")
        return None
    import mlflow
    try:
        return _log(mlflow, uri, run)
    except Exception as exc:  # a store that refuses: one line, the local run stands
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        say(f"--mlflow: logging to {uri} failed ({first}); the run is saved in {run_dir} only.")
        return None


def installed():
    """Whether MLflow can be imported (without importing it)."""
    import importlib.util
    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError):  # sys.modules["mlflow"] is None: hidden
        return False


def reachable(uri, timeout=3.0):
    """Whether an HTTP tracking server answers (MLflow itself retries for minutes)."""
    import urllib.error
    import urllib.request
    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout).close()
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False
    return True


def _log(mlflow, uri, run):
    from kerascli.runs import record
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        experiment_id = experiment.experiment_id
    else:  # a local store keeps its files beside the database, not in ./mlruns
        local = uri.startswith("sqlite:///")
        where = ((Path(uri[len("sqlite:///"):]).resolve().parent / "mlartifacts").as_uri()
                 if local else None)
        experiment_id = client.create_experiment(EXPERIMENT, artifact_location=where)
    tags = {"kerascli.command": run.command or "", "kerascli.model": run.model or "",
            "kerascli.dataset": run.dataset or "", "kerascli.run_dir": str(run.path.resolve()),
            "kerascli.status": run.status}
    created = client.create_run(experiment_id, run_name=run.path.name, tags=tags)
    run_id = created.info.run_id
    from mlflow.entities import Metric, Param
    params = [Param(k, _param(v)) for k, v in sorted(run.options.items())]
    params += [Param("model", str(run.model)), Param("dataset", str(run.dataset)),
               Param("command", str(run.command))]
    metrics = [Metric(f"test_{k}", float(v), 0, 0) for k, v in run.metrics.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for epoch, row in enumerate(_history(run.path), start=1):
        metrics += [Metric(k, v, 0, epoch) for k, v in row.items()]
    for start in range(0, len(params), 100):  # the store's batch limits
        client.log_batch(run_id, params=params[start:start + 100])
    for start in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[start:start + 1000])
    for sub in ("", *record.OWN_SUBRUNS):  # compare's Keras model lives in keras/
        for name in ARTIFACTS:
            if (run.path / sub / name).is_file():
                client.log_artifact(run_id, str(run.path / sub / name), sub or None)
    client.set_terminated(run_id, "FINISHED" if run.status == "complete" else "FAILED")
    return run_id


def _param(value):
    text = "" if value is None else str(value)
    return text[:MAX_PARAM]


def _history(path):
    """history.csv's rows as {metric: float} (the run's own, or compare's keras/)."""
    for candidate in (path / "history.csv", path / "keras" / "history.csv"):
        if candidate.is_file():
            with open(candidate, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    out = {}
                    for k, v in row.items():
                        if k == "epoch" or v in (None, ""):
                            continue
                        try:
                            out[k] = float(v)
                        except ValueError:
                            pass
                    yield out
            return
