"""The model being served: loaded once, described for the page and ``GET /model``, predicting
one request at a time through the same code path as ``kerascli predict``."""
import io
import threading

from kerascli.errors import UserError
from kerascli.inference import predictions
from kerascli.inference.evaluate import test_dataset
from kerascli.inference.predictions import blank_input, model_outputs


class Served:
    """The model being served (loaded once) and what the page and /model say about it."""

    def __init__(self, run, name):
        self.run = run
        self.name = name  # the MODEL argument as typed: predict --json echoes it as "model"
        self.lock = threading.Lock()
        self.description = describe(run, name)

    def predict(self, inputs, top_k, show_input=False):
        """The JSON ``kerascli predict --json`` prints for ``inputs`` (one at a time)."""
        try:
            with self.lock:
                entries, batch = predictions.predict(self.run, inputs, top_k=top_k,
                                                               with_inputs=True)
        finally:
            release_memory()
        if show_input:
            for entry, x in zip(entries, batch):
                if "inverted" in entry:  # an image: show what the model saw
                    entry["model_input"] = png_data_url(x)
        return {"model": self.name, "predictions": entries}

    def warm_up(self):
        """One prediction on a blank input, so the first request does not pay for tracing."""
        with self.lock:  # through the call requests use, with the input kind the model takes
            model_outputs(self.run.model, blank_input(self.run))


def release_memory():
    """Hand freed memory back to the system after a request: glibc keeps the arenas a large
    decode grew, so the server's RSS would stay at its peak (benchmarks/serve_load.py)."""
    import ctypes
    import ctypes.util

    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            _libc = ctypes.CDLL(name) if name else False
            _libc.malloc_trim  # glibc only
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None


def describe(run, name):
    """What the page and ``GET /model`` show: the input kind, shape, classes, features."""
    record = run.record or {}
    shape = list(run.input_shape)
    kind = "image" if len(shape) == 3 else "table" if len(shape) == 1 else "other"
    info = {"model": name, "model_path": str(run.model_path), "kind": kind, "input_shape": shape,
            "task": run.task, "class_names": run.class_names,
            "dataset": record.get("dataset_name") or (record.get("dataset") or {}).get("name"),
            "architecture": (record.get("config") or {}).get("model"),
            "background": record.get("background"),
            "test_metrics": (run.metrics or {}).get("metrics")}
    if kind == "table":
        names = (record.get("dataset") or {}).get("feature_names")
        kinds = (record.get("dataset") or {}).get("column_kinds") or ["numeric"] * shape[0]
        info["features"] = [{"name": n, "kind": k, "min": lo, "max": hi} for n, k, lo, hi in
                            zip(names or [f"x{i + 1}" for i in range(shape[0])], kinds,
                                *training_ranges(run, shape[0]))]
        info["named_features"] = bool(names)
        info["text_cells"] = bool((record.get("dataset") or {}).get("column_kinds"))
    return info


def training_ranges(run, n_features):
    """Per feature (min, max) over the training rows, when the run's data can still be read
    (None for a column that is not numeric)."""
    import pandas as pd

    none = [None] * n_features
    if not run.record:
        return none, none
    try:
        x = test_dataset(run).x_train
    except UserError:  # the data moved or is gone: the form still works, without ranges
        return none, none
    frame = pd.DataFrame(x).apply(pd.to_numeric, errors="coerce")

    def shown(v):  # without float32 noise: 4.3, not 4.300000190734863
        return None if pd.isna(v) else float(f"{v:.6g}")
    return [shown(v) for v in frame.min()], [shown(v) for v in frame.max()]


def png_data_url(x):
    """An HxWxC uint8 array as a ``data:image/png;base64,...`` URL."""
    import base64

    import numpy as np
    from PIL import Image

    x = np.asarray(x)
    image = Image.fromarray(x[:, :, 0] if x.shape[-1] == 1 else x)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
