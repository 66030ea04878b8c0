"""The one owner of a run directory, for train, compare and forecast alike.

A :class:`RunDir` is created fresh (``out/NAME-YYYYmmdd-HHMMSS``) and marked ``INCOMPLETE``
while work is under way; ``config.json`` is written by :meth:`RunDir.write_config` only (:mod:`kerascli.core.config`'s
record plus what the data and runtime turned out to be; again when a run makes a choice); results are written atomically;
the model (``model.h5``) is saved last and then the run is marked complete. ``--resume``
reopens one with :meth:`RunDir.reopen`, reading its config back through ``config.from_dict``.
"""
import contextlib
import csv
import datetime
import io
import json
import os
import re
import shutil
import socket
from pathlib import Path

from kerascli import artifacts
from kerascli.core import config as config_mod
from kerascli.errors import UserError

CONFIG = "config.json"
MODEL = "model.h5"
INCOMPLETE = "INCOMPLETE"  # present, holding the reason, until the run is complete
RUNNING = "running"  # the reason while the run's process works on it
# what a run keeps only while it is incomplete (kerascli.core.resume reads and writes them):
# deleted by :meth:`RunDir.complete`, once the final files are written, never before
BACKUP_DIR = "backup"
PARTIAL_HISTORY = "history.partial.json"
# bytes INCOMPLETE is created with, so that :meth:`RunDir.mark` can still say why a run
# stopped on a disk too full for a new file: it overwrites those bytes in place
MARK_RESERVE = 512
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name):
    """``name`` as a run directory name: runs of characters outside ``[A-Za-z0-9._-]`` (spaces,
    ``&``, quotes, slashes from a folder's name) become one ``-``, so a path printed in a
    command to copy needs no quoting."""
    return _UNSAFE.sub("-", str(name)).strip("-.") or "run"


class RunDir:
    """A run directory and the files kerascli writes into it."""

    def __init__(self, path):
        self.path = Path(path)

    def __str__(self):
        return str(self.path)

    def __fspath__(self):
        return str(self.path)

    def __truediv__(self, name):
        return self.path / name

    @classmethod
    def create(cls, out, name):
        """A fresh ``out/name-YYYYmmdd-HHMMSS[-N]`` marked incomplete; two runs aimed at the
        same ``--out`` never share one (creation is exclusive)."""
        out = Path(out)
        artifacts.check_writable_dir(out)
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = safe_name(name)
        for n in range(1000):
            run = cls(out / (f"{name}-{stamp}" if n == 0 else f"{name}-{stamp}-{n}"))
            try:
                run.path.mkdir()
            except FileExistsError:
                continue
            run.mark(RUNNING)
            return run
        raise UserError(f"--out {out}: could not create a fresh run directory; clean it up.")

    @classmethod
    def reopen(cls, path, command):
        """(RunDir, config) of an unfinished run of ``command`` to resume; one line if the
        directory cannot be resumed."""
        path = Path(path)
        option = f"--resume {path}"
        if not path.is_dir():
            raise UserError(f"{option}: no such run directory.")
        try:
            record = json.loads((path / CONFIG).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{option}: no config.json there (the run stopped before training "
                            "began); start it again without --resume.") from None
        except (OSError, ValueError) as exc:
            raise UserError(f"{option}: config.json is unreadable ({exc}).") from None
        if cls(path).is_complete:
            raise UserError(f"{option}: this run already finished; nothing to resume.")
        try:
            cfg = config_mod.from_dict(record, command=command)
        except UserError as exc:
            raise UserError(f"{option}: {exc}") from None
        run = cls(path)
        run.mark(RUNNING)
        run.remove_stale_temporaries()  # of writes a SIGKILL cut short
        return run, cfg

    def read_config(self):
        return config_mod.from_dict(json.loads((self.path / CONFIG).read_text(encoding="utf-8")))

    def write_config(self, cfg, **facts):
        """config.json: how to remake the run (``config.from_dict`` reads it back) and what
        it ran on (``facts``: the dataset, the runtime, the input shape ...). The one writer
        of config.json: called again when the run has made a choice (forecast's strategy and
        highway), it records the new config and keeps the facts already written."""
        from kerascli import __version__, runtime
        path = self.path / CONFIG
        earlier = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        record = {"kerascli": __version__,
                  "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                  **earlier, **config_mod.to_record(cfg), **facts,
                  "versions": runtime.versions()}
        return artifacts.write_json(path, record)

    def write_json(self, name, obj):
        return artifacts.write_json(self.path / name, obj)

    def write_text(self, name, text):
        return artifacts.write_text(self.path / name, text)

    def write_history(self, history):
        """history.csv: one row per epoch, one column per metric."""
        rows = io.StringIO()
        writer = csv.writer(rows, lineterminator="\n")
        keys = list(history)
        writer.writerow(["epoch", *keys])
        for i in range(len(history[keys[0]]) if keys else 0):
            writer.writerow([i + 1, *(repr(history[k][i]) for k in keys)])
        return self.write_text("history.csv", rows.getvalue())

    def save_model(self, model, name=MODEL, facts=None):
        """Save the model as .h5, atomically; do it last (saving .h5 alters the model's
        compile config, see KERAS_NOTES.md). ``facts``: kept inside the .h5 file."""
        return artifacts.save_model_h5(model, self.path / name, facts=facts)

    def mark(self, reason):
        """Mark the run incomplete, saying why (running, interrupted, diverged, failed: ...).

        Atomic when the disk has room; on a full disk (no room for the temporary file) the
        reason overwrites the bytes INCOMPLETE already holds, which needs no new space: a run
        stopped by a full disk says "failed: ... No space left on device", not "running".
        "running" is followed by a line naming the process and host, so that ``kerascli runs``
        tells a live run from one whose process was killed (SIGKILL leaves "running")."""
        text = reason + "\n"
        if reason == RUNNING:
            text += f"pid {os.getpid()} {socket.gethostname()}\n"
        try:
            artifacts.write_text(self.path / INCOMPLETE, text.ljust(MARK_RESERVE))
        except OSError:
            data = text.encode("utf-8")[:MARK_RESERVE]
            artifacts.overwrite_in_place(self.path / INCOMPLETE, data.ljust(MARK_RESERVE))

    @property
    def reason(self):
        """Why the run is incomplete (what :meth:`mark` wrote), or None when it is complete."""
        try:
            text = (self.path / INCOMPLETE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text.splitlines()[0] if text else ""

    @property
    def owner(self):
        """(pid, host) of the process that marked the run "running", or None."""
        try:
            lines = (self.path / INCOMPLETE).read_text(encoding="utf-8").split("\n")
        except (OSError, ValueError):
            return None
        words = lines[1].split() if len(lines) > 1 else []
        if len(words) == 3 and words[0] == "pid" and words[1].isdigit():
            return int(words[1]), words[2]
        return None

    def complete(self):
        """Mark the run complete, once all its final files are written; only then delete
        what a resume needed (the epoch backups, the partial history) and the temporary
        files of writes that a kill cut short."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path / INCOMPLETE)
        shutil.rmtree(self.path / BACKUP_DIR, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path / PARTIAL_HISTORY)
        self.remove_stale_temporaries()

    def remove_stale_temporaries(self):
        """Delete the temporary files ``.NAME.tmp-*`` of atomic writes (kerascli.artifacts)
        that a SIGKILL left behind; call only when no write of this run is under way."""
        for tmp in self.path.glob(".*.tmp-*"):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    @property
    def is_complete(self):
        return not (self.path / INCOMPLETE).exists()
