"""Ctrl-C and SIGTERM during train, compare and forecast: stop within seconds, say in one line
what was kept, exit 130 (143 for SIGTERM).

A command wraps its work in :func:`guard` and tells the returned :class:`Watch` where its run
directory is; the watch's Keras callback counts finished epochs. On an interruption the run
directory is marked incomplete (``INCOMPLETE`` holding "interrupted"), never left looking
finished; files already saved (they are written atomically) stay intact, and the epoch backup
(``RUN_DIR/backup``) stays for ``--resume``. Any other failure marks the run "failed: ..." and
propagates as usual (a :class:`kerascli.errors.UserError` becomes one line and exit code 2).

No Click here: the one line goes to stderr, the exit is :class:`SystemExit`.
"""
import contextlib
import signal
import sys
import threading
from pathlib import Path

from kerascli.core.rundir import RunDir

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives, so it unwinds exactly like Ctrl-C."""


class Watch:
    """What a guarded command has done so far (set by the command, counted by callbacks)."""

    def __init__(self, command):
        self.command = command
        self.run_dir = None  # set once the run directory exists
        self.epochs = None  # planned epochs, when training
        self.epoch = 0  # epochs completed in this process (plus the resumed ones)
        self.resume = None  # the command line that resumes this run, if it can be resumed
        self.stage = "starting"

    def callback(self, epochs=None, label="epoch"):
        """A Keras callback keeping :attr:`epoch` up to date."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        watch = self
        if epochs is not None:
            self.epochs = epochs
        self.stage = "training"

        class EpochCounter(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                from kerascli.core.resume import initial_epoch
                watch.epoch = initial_epoch(self.model)

            def on_epoch_end(self, epoch, logs=None):
                watch.epoch = epoch + 1

        return EpochCounter()

    def message(self, how="interrupted"):
        """The one line printed on an interruption."""
        where = ""
        if self.stage == "training" and self.epochs:
            where = f" during epoch {min(self.epoch + 1, self.epochs)}/{self.epochs}"
        elif self.stage != "starting":
            where = f" while {self.stage}"
        if self.run_dir is None:
            return f"{self.command} {how}{where}; nothing was written."
        run_dir = Path(self.run_dir)
        saved = sorted(p.name for p in run_dir.glob("*.h5"))
        kept = (f"{', '.join(saved)} kept as saved" if saved else "nothing saved as final")
        line = (f"{self.command} {how}{where} ({self.epoch} completed); {kept}; the run "
                f"directory {run_dir} is marked incomplete" if self.stage == "training" else
                f"{self.command} {how}{where}; {kept}; the run directory {run_dir} is marked "
                "incomplete")
        if self.resume:
            line += f"; resume with: {self.resume}"
        return line + "."


def _on_sigterm(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def guard(command):
    """Run the block with SIGTERM turned into an interruption; on one, mark the run directory
    incomplete, print one line on stderr and exit 130 (143 for SIGTERM)."""
    watch = Watch(command)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        yield watch
    except KeyboardInterrupt as exc:
        if main_thread:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            how = "terminated" if isinstance(exc, Terminated) else "interrupted"
            if watch.run_dir is not None:
                with contextlib.suppress(OSError):
                    RunDir(watch.run_dir).mark(how)
            print(watch.message(how), file=sys.stderr, flush=True)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, signal.default_int_handler)
        raise SystemExit(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED) \
            from None
    except Exception as exc:
        if watch.run_dir is not None and not getattr(exc, "marked", False):
            from kerascli.errors import Diverged
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            with contextlib.suppress(OSError):
                RunDir(watch.run_dir).mark("diverged" if isinstance(exc, Diverged)
                                          else f"failed: {first}")
        raise
    finally:
        if main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)
