"""The one owner of a run directory, for train, compare and forecast alike.

A :class:`RunDir` is created fresh (``out/NAME-YYYYmmdd-HHMMSS``) and marked ``INCOMPLETE``
while work is under way; ``config.json`` is written once (:mod:`kerascli.core.config`'s
record plus what the data and runtime turned out to be); results are written atomically;
the model (``model.h5``) is saved last and then the run is marked complete. ``--resume``
reopens one with :meth:`RunDir.reopen`, reading its config back through ``config.from_dict``.
"""
import contextlib
import csv
import datetime
import io
import json
import os
from pathlib import Path

from kerascli import artifacts
from kerascli.core import config as config_mod
from kerascli.errors import UserError

CONFIG = "config.json"
MODEL = "model.h5"
INCOMPLETE = "INCOMPLETE"  # present, holding the reason, until the run is complete


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
        for n in range(1000):
            run = cls(out / (f"{name}-{stamp}" if n == 0 else f"{name}-{stamp}-{n}"))
            try:
                run.path.mkdir()
            except FileExistsError:
                continue
            run.mark("running")
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
        run.mark("running")
        return run, cfg

    def read_config(self):
        return config_mod.from_dict(json.loads((self.path / CONFIG).read_text(encoding="utf-8")))

    def write_config(self, cfg, **facts):
        """config.json: how to remake the run (``config.from_dict`` reads it back) and what
        it ran on (``facts``: the dataset, the runtime, the input shape ...)."""
        from kerascli import __version__, runtime
        record = {"kerascli": __version__,
                  "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                  **config_mod.to_record(cfg), **facts, "versions": runtime.versions()}
        return artifacts.write_json(self.path / CONFIG, record)

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
        """Mark the run incomplete, saying why (running, interrupted, diverged, failed: ...)."""
        artifacts.write_text(self.path / INCOMPLETE, reason + "\n")

    def complete(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path / INCOMPLETE)

    @property
    def is_complete(self):
        return not (self.path / INCOMPLETE).exists()
