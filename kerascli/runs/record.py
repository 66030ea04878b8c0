"""One run directory as a row: what made it, how it ended, what it scored.

:func:`read` never raises for a damaged directory: a missing or garbled config.json, a
metrics file that is not JSON, a folder kerascli did not write, each gives a :class:`Run`
whose ``status`` is ``unreadable`` and whose ``problem`` says why. :func:`find` walks the
folders given (``./runs`` by default) one level down, and into a folder that only holds run
directories (a ``tune`` study's trials).
"""
import datetime
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from kerascli.core import config as config_mod
from kerascli.core.rundir import CONFIG, INCOMPLETE, MODEL, RUNNING, RunDir
from kerascli.errors import UserError

# files whose presence makes a folder a run directory (written by train, compare, forecast)
MARKERS = (CONFIG, INCOMPLETE, "metrics.json", "results.json")
STATUSES = ("complete", "running", "interrupted", "diverged", "failed", "unreadable")
# fields of a run's configuration that say where files went, not how the model was made:
# never listed as a difference between runs
NOT_OPTIONS = frozenset({"out", "plot", "plot_file", "tensorboard", "data_dir", "cache_dir",
                         "path", "download", "color_mode", "model", "dataset", "auto"})
# a run's own nested run (compare's first-seed Keras run): part of it, not a row of its own
OWN_SUBRUNS = ("keras",)
MAX_DEPTH = 3  # folders of folders of runs (a study of studies) and no deeper


@dataclass
class Run:
    """What ``kerascli runs`` shows of one run directory."""

    path: Path
    id: str  # the directory's path relative to the folder listed
    status: str  # one of STATUSES
    command: Optional[str] = None  # train, compare, forecast
    model: Optional[str] = None
    dataset: Optional[str] = None
    task: Optional[str] = None  # classification, regression, forecast
    reason: Optional[str] = None  # the INCOMPLETE marker's first line
    problem: Optional[str] = None  # why it is unreadable
    started: Optional[str] = None  # ISO time, from config.json "created"
    duration: Optional[float] = None  # seconds from start to the last file written
    options: dict = field(default_factory=dict)  # flat: name -> value
    metrics: dict = field(default_factory=dict)  # the test metrics: name -> number
    record: dict = field(default_factory=dict)  # config.json as written
    config: object = None  # the config object config.from_dict made of it

    def to_dict(self):
        return {"id": self.id, "path": str(self.path), "status": self.status,
                "command": self.command, "model": self.model, "dataset": self.dataset,
                "task": self.task, "reason": self.reason, "problem": self.problem,
                "started": self.started, "duration_s": self.duration,
                "options": self.options, "metrics": self.metrics}


def is_run_dir(path, entries=None):
    entries = _entries(path) if entries is None else entries
    return any(name in entries for name in MARKERS)


def _entries(path):
    """name -> os.DirEntry of a folder's files (one scandir: its stat results are cached,
    which keeps a thousand runs under a second); {} when it cannot be listed."""
    try:
        with os.scandir(path) as it:
            return {e.name: e for e in it}
    except OSError:
        return {}


def find(folders):
    """(Run, ...) of every run directory in ``folders``, in path order. A folder given that
    does not exist is one line (UserError); a foreign folder inside one is an unreadable row."""
    runs = []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            raise UserError(f"{folder}: no such folder; give the --out folder the runs were "
                            "written to (default ./runs).")
        if is_run_dir(folder):  # a run directory given by name
            runs.append(read(folder, folder.name))
            continue
        if not folder.is_dir():
            raise UserError(f"{folder}: not a folder of run directories.")
        runs.extend(_walk(folder, "", 0))
    return runs


def _walk(folder, prefix, depth):
    try:
        with os.scandir(folder) as it:
            children = sorted(e.name for e in it
                              if not e.name.startswith(".") and e.is_dir())
    except OSError as exc:
        return [Run(folder, prefix or folder.name, "unreadable",
                    problem=f"cannot list it ({exc.strerror or exc})")]
    runs = []
    for name in children:
        child, rel = folder / name, prefix + name
        entries = _entries(child)
        # a study (tune's: tune.json, results.json, trial-NNNN/) holds runs and is not one
        # itself, though its results.json is a run's marker: no config.json tells them apart
        if CONFIG not in entries and depth + 1 < MAX_DEPTH and _holds_runs(child):
            runs.extend(_walk(child, rel + "/", depth + 1))
        elif is_run_dir(child, entries):
            runs.append(read(child, rel, entries))
        else:
            runs.append(Run(child, rel, "unreadable",
                            problem="not a kerascli run directory (no config.json)"))
    return runs


def _holds_runs(folder):
    """Whether ``folder`` holds run directories other than a run's own (compare's keras/)."""
    try:
        return any(p.name not in OWN_SUBRUNS and p.is_dir() and is_run_dir(p)
                   for p in folder.iterdir())
    except OSError:
        return False


def read(path, run_id=None, entries=None):
    """The :class:`Run` of one directory; never raises for a damaged one."""
    path = Path(path)
    entries = _entries(path) if entries is None else entries
    run = Run(path, run_id or path.name, "unreadable")
    try:
        _read_status(run, entries)
        _read_config(run)
        _read_results(run, entries)
        _read_times(run, entries)
    except _Unreadable as exc:
        run.status, run.problem = "unreadable", str(exc)
    return run


class _Unreadable(Exception):
    pass


def _load_json(path, what):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _Unreadable(f"no {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"{what} cannot be read ({exc})") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise _Unreadable(f"{what} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _Unreadable(f"{what} is not a JSON object")
    return doc


def _read_status(run, entries):
    if INCOMPLETE not in entries:
        run.status = "complete"
        return
    rd = RunDir(run.path)
    try:
        reason = rd.reason
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"{INCOMPLETE} cannot be read ({exc})") from None
    if reason is None:
        run.status = "complete"
        return
    run.reason = reason or "unknown"
    if reason.startswith(RUNNING):
        owner = rd.owner
        if owner is None or is_alive(*owner):
            run.status = "running"  # no pid recorded (an older run): cannot tell
        else:
            run.status = "interrupted"
            run.reason = f"its process {owner[0]} is gone (killed?)"
    elif reason.startswith("diverged"):
        run.status = "diverged"
    elif reason.startswith("failed"):
        run.status = "failed"
    else:  # interrupted, terminated, not resumed: ...
        run.status = "interrupted"


def is_alive(pid, host):
    """Whether process ``pid`` on ``host`` still runs (a run on another host: assumed so)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_config(run):
    record = _load_json(run.path / CONFIG, CONFIG)
    try:
        cfg = config_mod.from_dict(record)
    except UserError as exc:  # its message may name the file already
        text = str(exc)
        raise _Unreadable(text if text.startswith(CONFIG) else f"{CONFIG}: {text}") from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise _Unreadable(f"{CONFIG}: not a kerascli record ({type(exc).__name__}: {exc})") \
            from None
    train = getattr(cfg, "train", cfg)
    run.record, run.config = record, cfg
    run.command, run.model = cfg.COMMAND, train.model
    described = record.get("dataset") if isinstance(record.get("dataset"), dict) else {}
    run.dataset = described.get("name") or train.dataset
    run.task = described.get("task")
    run.options = options_of(cfg)
    created = record.get("created")
    run.started = created if isinstance(created, str) else None


def options_of(cfg):
    """The config as one flat dict of option name -> value (a wrapped TrainConfig's fields,
    its data options and the model's own options at the top, beside compare's or forecast's
    own)."""
    train = getattr(cfg, "train", cfg)
    own = {} if train is cfg else {k: v for k, v in cfg.to_dict().items() if k != "train"}
    return {k: v for k, v in {**train.options(), **own}.items() if k not in NOT_OPTIONS}


def _read_results(run, entries):
    if run.command == "compare":
        path = run.path / "results.json"
        if "results.json" not in entries:
            return  # an incomplete compare run: no results yet
        doc = _load_json(path, "results.json")
        for entry in doc.get("models") or ():
            if entry.get("kind") == "keras":
                run.metrics = {k: v.get("mean") for k, v in (entry.get("metrics") or {}).items()
                               if isinstance(v, dict)}
        best = (doc.get("verdict") or {}).get("best")
        if best:
            run.metrics["best"] = best
        return
    path = run.path / "metrics.json"
    if "metrics.json" not in entries:
        if run.status == "complete":
            raise _Unreadable("no metrics.json in a run not marked incomplete")
        return
    doc = _load_json(path, "metrics.json")
    if run.command == "forecast":
        run.task = run.task or "forecast"
        run.metrics = forecast_metrics(doc)
    else:
        metrics = doc.get("metrics")
        if not isinstance(metrics, dict):
            raise _Unreadable("metrics.json has no 'metrics' section")
        run.metrics = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        run.task = run.task or doc.get("task")


def forecast_metrics(doc):
    """The LSTM's test metrics from forecast's metrics.json (``metrics``: model -> metrics),
    and which model was best."""
    metrics = doc.get("metrics")
    if not isinstance(metrics, dict):
        return {}
    lstm = metrics.get("lstm") if isinstance(metrics.get("lstm"), dict) else metrics
    out = {k: v for k, v in lstm.items() if isinstance(v, (int, float))}
    if isinstance(doc.get("best"), str):
        out["best"] = doc["best"]
    return out


def _read_times(run, entries):
    """Duration: from config.json's "created" to the last file written (now, if running)."""
    start = parse_time(run.started)
    if start is None:
        return
    if run.status == "running":
        end = datetime.datetime.now().timestamp()
    else:
        stamps = []
        for name in ("metrics.json", "results.json", MODEL, "history.csv", INCOMPLETE, CONFIG):
            if name in entries:
                try:
                    stamps.append(entries[name].stat().st_mtime)
                except OSError:
                    pass
        end = max(stamps, default=None)
    if end is not None:
        run.duration = max(0.0, round(end - start, 1))


def parse_time(text):
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return None
