"""Training progress on stderr: a bar with ETA on a terminal, one line per epoch when piped.

Keras' own progress bar writes to stdout, which carries results; kerascli always fits with
``verbose=0`` and reports through this callback instead.
"""
import sys
import time

from kerascli.runtime import keras_module


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
