"""What a search ends with: the table of trials, the best trial's model and the model's
default run scored once on the test set, ``best.json`` (a train config record:
``kerascli train MODEL --config best.json``) and ``results.json``."""
import dataclasses
import json
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from kerascli import artifacts
from kerascli.tuning.settings import TuneConfig
from kerascli.tuning.storage import JOURNAL, shown_url
from kerascli.tuning.study import alive

BEST_FILE = "best.json"
RESULTS_FILE = "results.json"
DEFAULT_RUN = "default"


@dataclass
class TrialRow:
    number: int
    state: str  # complete, pruned, failed, running
    params: dict
    value: Optional[float]
    epochs: Optional[int]
    seconds: Optional[float]
    run_dir: Optional[str]
    note: str = ""


@dataclass
class TuneResult:
    """What :func:`kerascli.tuning.run` returns; the command decides how to show it."""

    config: TuneConfig
    study_dir: Path
    metric: str
    direction: str
    rows: list
    best: Optional[TrialRow]
    best_test: Optional[dict] = None  # the best trial's model on the test set
    default_val: Optional[dict] = None  # the default run's validation metrics
    default_test: Optional[dict] = None
    default_epochs: Optional[int] = None
    seconds: float = 0.0
    files: dict = field(default_factory=dict)

    def to_dict(self):
        return {"study": self.config.study, "study_dir": str(self.study_dir),
                "storage": shown_url(self.config.storage) if self.config.storage else
                str(self.study_dir / JOURNAL),
                "model": self.config.train.model, "dataset": self.config.train.dataset,
                "metric": self.metric, "direction": self.direction,
                "space": {k: d.to_dict() for k, d in self.config.space.items()},
                "trials": [dataclasses.asdict(r) for r in self.rows],
                "best": dataclasses.asdict(self.best) if self.best else None,
                "best_test": self.best_test, "default_validation": self.default_val,
                "default_test": self.default_test, "default_epochs": self.default_epochs,
                "seconds": round(self.seconds, 3), "files": self.files}


def rows_of(study):
    """The study's trials as table rows (the surplus ones, never run, left out)."""
    from optuna.trial import TrialState
    names = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned",
             TrialState.FAIL: "failed", TrialState.RUNNING: "running",
             TrialState.WAITING: "waiting"}
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("surplus"):
            continue
        note = t.system_attrs.get("fail_reason") or t.user_attrs.get("note", "")
        rows.append(TrialRow(t.number, names.get(t.state, str(t.state)), dict(t.params),
                             t.value if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
                             else None, t.user_attrs.get("epochs"), t.user_attrs.get("seconds"),
                             t.user_attrs.get("run_dir"), note))
    return rows


def best_row(rows, direction):
    """The best complete trial, or None when none completed."""
    done = [r for r in rows if r.state == "complete" and r.value is not None]
    if not done:
        return None
    return (max if direction == "maximize" else min)(done, key=lambda r: r.value)


def score_on_test(result, best_cfg, dataset, view, *, watch=None, log=print):
    """Fill ``result``: the best trial's own model scored once on the test set, beside the
    model's default run (trained on ``view`` once per study directory), and write best.json."""
    from kerascli import safety
    from kerascli.core import config, fit, metrics

    tcfg, best = result.config, result.best
    if watch is not None:
        watch.stage = "scoring the best trial on the test set"
    result.best_test = metrics.evaluate(safety.load_model(Path(best.run_dir) / "model.h5"),
                                        dataset)
    default_dir = claim_default_run(result.study_dir)
    if default_dir is not None:
        if watch is not None:
            watch.run_dir = default_dir.path
        log(f"default run: {tcfg.train.model} with its default settings, for comparison")
        callbacks = [watch.callback(tcfg.train.epochs)] if watch is not None else []
        fit.train(tcfg.train, view, run_dir=default_dir, callbacks=callbacks, quiet=True)
        if watch is not None:
            watch.run_dir = None
    default_path = default_dir.path if default_dir else result.study_dir / DEFAULT_RUN
    record = json.loads((default_path / "metrics.json").read_text(encoding="utf-8"))
    result.default_val = record["metrics"]
    result.default_epochs = record.get("epochs_run")
    result.default_test = metrics.evaluate(safety.load_model(default_path / "model.h5"), dataset)

    best_record = config.to_record(dataclasses.replace(best_cfg, out="runs"))
    best_record["tune"] = {"study": tcfg.study, "trial": best.number,
                           "validation": {result.metric: best.value}, "test": result.best_test}
    result.files["best"] = str(artifacts.write_json(result.study_dir / BEST_FILE, best_record))


def write_results(result):
    """``results.json``: what ``--json`` shows, kept beside the study."""
    result.files["results"] = str(artifacts.write_json(result.study_dir / RESULTS_FILE,
                                                       result.to_dict()))


def claim_default_run(study_dir):
    """The default run's directory for this process to train, or None when a finished one is
    there. Several processes share a study: the first claims ``default`` (``owner`` holds its
    pid); one that finds it claimed by a live process trains its own ``default-PID``; a claim
    left by a dead process is taken over."""
    from kerascli.core.rundir import RunDir
    path = Path(study_dir) / DEFAULT_RUN
    if (path / "model.h5").exists() and RunDir(path).is_complete:
        return None
    try:
        path.mkdir()
    except FileExistsError:
        try:
            owner = int((path / "owner").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            owner = None
        if owner not in (None, os.getpid()) and alive(socket.gethostname(), owner):
            path = Path(study_dir) / f"{DEFAULT_RUN}-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
    artifacts.write_text(path / "owner", f"{os.getpid()}\n")
    run = RunDir(path)
    run.mark("running")
    return run

