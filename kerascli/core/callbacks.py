"""The callbacks every training run gets: progress on stderr and the divergence guard.

Progress: a bar with ETA on a terminal, one line per epoch when piped. Keras' own progress
bar writes to stdout, which carries results; kerascli always fits with ``verbose=0`` and
reports through :func:`progress_callback` instead.

:func:`divergence_guard` stops training at the end of the first epoch whose loss is NaN or
infinite, before that epoch's weights are backed up or saved, and raises
:class:`kerascli.errors.Diverged` (one line, exit code 2) naming the epoch and the learning rate.
"""
import math
import sys
import time

from kerascli.errors import Diverged
from kerascli.runtime import keras_module


def divergence_guard(epochs, learning_rate=None, option="--learning-rate"):
    """A Keras callback raising :class:`Diverged` when an epoch ends with a non-finite loss.

    Put it before BackupAndRestore and checkpoints in the callback list, so the diverged
    weights are never written. Checked once per epoch (the logs are host floats then), which
    costs nothing per step.
    """
    keras = keras_module()

    class DivergenceGuard(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            bad = {k: v for k, v in (logs or {}).items()
                   if k in ("loss", "val_loss") and not math.isfinite(float(v))}
            if bad:
                key, value = next(iter(bad.items()))
                lr = f" (now {learning_rate:g})" if learning_rate is not None else ""
                raise Diverged(f"training diverged at epoch {epoch + 1}/{epochs}: {key} is "
                               f"{float(value)}; the model was not saved; lower {option}{lr}, "
                               "e.g. by 10x.", epoch=epoch + 1)

    return DivergenceGuard()


def epoch_clock():
    """A Keras callback noting, per epoch, its seconds, its first training step's, its training
    steps' and its step count in the stage report (:mod:`kerascli.stages`, ``epochs``): the
    first step's excess over the others is the graph tracing, the first epoch's validation
    excess the evaluation step's. Its batch hook only reads the clock, so it is safe off the
    training thread: Keras keeps dispatching batches asynchronously."""
    from kerascli import stages
    keras = keras_module()
    epochs = []

    class EpochClock(keras.callbacks.Callback):
        async_safe = True

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()
            self._steps, self._first, self._last = 0, None, None

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()
            self._steps += 1
            self._last = now
            if self._first is None:
                self._first = now

        def on_epoch_end(self, epoch, logs=None):
            now, t0 = time.perf_counter(), self._t0
            epochs.append({"seconds": round(now - t0, 4), "steps": self._steps,
                           "first_step": round((self._first or now) - t0, 4),
                           "train": round((self._last or now) - t0, 4)})
            stages.note("epochs", epochs)

    return EpochClock()


def _fmt(logs):
    parts = []
    for key, value in logs.items():
        if key == "learning_rate":
            parts.append(f"lr {value:.2e}")
        elif isinstance(value, (int, float)):
            parts.append(f"{key} {value:.4f}")
    return "  ".join(parts)


def progress_callback(epochs, steps=None, stream=None, label="epoch"):
    """A Keras callback reporting progress on ``stream`` (stderr by default)."""
    keras = keras_module()
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False

    class Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self._t0 = time.perf_counter()
            self._bar = None
            if tty:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar,
                                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
                self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                                TextColumn("{task.fields[metrics]}"),
                                console=Console(file=stream), transient=False)
                self._bar.start()
                self._task = None

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch_t0 = time.perf_counter()
            if self._bar is not None:
                self._task = self._bar.add_task(f"{label} {epoch + 1}/{epochs}", total=steps or None,
                                                metrics="")

        def on_train_batch_end(self, batch, logs=None):
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=batch + 1,
                                 metrics=f"loss {logs.get('loss', float('nan')):.4f}" if logs else "")

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self._epoch_t0
            text = _fmt(logs or {})
            if self._bar is not None:
                self._bar.update(self._task, metrics=f"{text}  {seconds:.1f}s")
            else:
                print(f"{label} {epoch + 1}/{epochs}  {text}  {seconds:.1f}s", file=stream, flush=True)

        def on_train_end(self, logs=None):
            if self._bar is not None:
                self._bar.stop()

    return Progress()
