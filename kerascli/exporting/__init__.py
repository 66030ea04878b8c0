"""Exporting a trained run out of the .h5 world: a TensorFlow SavedModel (TF Serving), an
ONNX file (ONNX Runtime) or a LiteRT flatbuffer (TFLite: Android, microcontrollers).

One path for every format (:func:`export_run`): the run is read by
:func:`kerascli.inference.saved_run.load_run` (safely), a model the format is known not to hold
is refused in one line, the rest is exported with Keras 3's own ``model.export``
(:mod:`.convert`), then **checked** (:mod:`.check`): the exported file is loaded by its own
runtime (:mod:`.runtimes`) and run on up to :data:`CHECK_LIMIT` of the run's test inputs
(rebuilt as training split them). The export is written in a temporary folder renamed into
place only once it passed (:func:`kerascli.artifacts.atomic_dir`): a failed check leaves
nothing behind.

The exported model takes the same raw inputs as ``model.h5`` (pixels 0-255, raw CSV values:
the scaling, encoding and a base network's preprocessing are layers of the model). Beside it,
``export.json`` (:mod:`.describe`) says what goes in and what comes out, and how to call it.

No Click here (the ``export`` command is thin); TensorFlow is imported only once a run is
being exported, ONNX and LiteRT only by their own format.
"""
import time
from pathlib import Path

from kerascli import artifacts
from kerascli.errors import UserError
from kerascli.exporting.check import (CHECK_LIMIT, MIN_AGREEMENT, TOLERANCE, ExportCheckFailed,
                                      check_export, keras_outputs)
from kerascli.exporting.convert import REFUSALS, convert, refuse_unexportable
from kerascli.exporting.describe import describe, size
from kerascli.exporting.formats import FORMATS, SERVING_SIGNATURE, check_extra
from kerascli.exporting.runtimes import runner

__all__ = ["CHECK_LIMIT", "FORMATS", "MIN_AGREEMENT", "REFUSALS", "SERVING_SIGNATURE",
           "TOLERANCE", "ExportCheckFailed", "check_export", "check_extra", "default_out",
           "export_run", "keras_outputs", "runner"]


def default_out(run_dir, fmt):
    """Where an export goes without --output: beside the run's model.h5, one folder per format."""
    return Path(run_dir) / "export" / fmt


def export_run(path, fmt="saved_model", out=None, unsafe=False, allow_incomplete=False,
               data_dir=None, cache_dir=None, log=None, check_limit=CHECK_LIMIT):
    """Export the run at ``path`` in format ``fmt`` to the folder ``out`` (default
    :func:`default_out`) and check it (see the module's doc). Returns a JSON-ready dict: the
    paths, the input and output, the check's figures. Raises :class:`UserError` (one line)
    for a missing extra, a refused model, an existing ``out`` or a failed check; then
    nothing is written."""
    from kerascli.inference.evaluate import test_dataset
    from kerascli.inference.saved_run import load_run, tell

    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: not one of {', '.join(FORMATS)}.")
    check_extra(fmt)
    run = load_run(path, unsafe=unsafe, allow_incomplete=allow_incomplete)
    tell(run, log)
    out = Path(out) if out else default_out(run.model_path.parent, fmt)
    if out.exists():
        raise UserError(f"{out}: already exists; give another --output, or delete it to export "
                        "again.")
    refuse_unexportable(run, fmt)
    dataset = test_dataset(run, data_dir=data_dir, cache_dir=cache_dir)
    inputs = dataset.x_test[:check_limit]
    if len(inputs) == 0:
        raise UserError(f"{run.model_path.parent}: the run's test split is empty; nothing to "
                        "check the export on.")
    artifacts.check_writable_dir(out.parent, option="--output")
    spec = FORMATS[fmt]
    if log:
        log(f"exporting {run.model_path} as {fmt} ...")
    with artifacts.atomic_dir(out) as tmp:
        target = tmp / spec.filename if spec.filename else tmp
        # Keras first: ONNX export needs a model that has been called once
        expected = keras_outputs(run.model, inputs)
        started = time.perf_counter()
        convert(run, fmt, target)
        seconds = time.perf_counter() - started
        check = check_export(expected, fmt, target, inputs, dataset.task)
        info = describe(run, dataset, fmt, out, check)
        artifacts.write_json(tmp / "export.json", info)
        if not check["passed"]:
            failed = ("does not run in its own runtime" if "runtime_error" in check
                      else "does not match Keras on the run's test inputs")
            raise ExportCheckFailed(f"{out}: the exported model {failed} ({check['summary']}); "
                                    "nothing was written. Please report it with the run's "
                                    "config.json.", check)
    return {**info, "export_json": str(out / "export.json"), "seconds": round(seconds, 2),
            "size_bytes": size(out)}
