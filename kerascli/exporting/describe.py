"""export.json: what goes in, what comes out, which runtime, and three lines calling it."""
from pathlib import Path

from kerascli.exporting.formats import FORMATS, SERVING_SIGNATURE, runtime_version


def describe(run, dataset, fmt, out, check):
    """export.json's content for ``run`` exported as ``fmt`` into ``out``, with its ``check``."""
    from kerascli import __version__, datasets
    from kerascli.runtime import versions

    model = run.model
    spec = FORMATS[fmt]
    input_name = model.inputs[0].name
    dtype = str(model.inputs[0].dtype)
    shape = [None] + [int(d) if d is not None else None for d in model.input_shape[1:]]
    record = run.record or {}
    ds = record.get("dataset") or {}
    if dataset.kind == datasets.IMAGE:
        what = (f"raw images, pixels 0-255 as {dtype}, {shape[1]}x{shape[2]} with "
                f"{shape[3]} channel(s) (scaling is inside the model)")
    elif dataset.kind == datasets.SERIES:
        what = series_input(dataset.extra, shape)
    else:
        names = ds.get("feature_names") or getattr(dataset, "feature_names", None)
        what = ("raw table rows, one value per column in this order"
                + (f": {', '.join(map(str, names))}" if names else "")
                + (" (as text, as the CSV holds them)" if dtype == "string" else "")
                + " (scaling and encoding are inside the model)")
    if dataset.task == datasets.CLASSIFICATION:
        meaning = f"probabilities of the {model.output_shape[-1]} classes, in class_names order"
    elif dataset.kind == datasets.SERIES:
        meaning = (f"the next {model.output_shape[-1]} value(s) on the input's scale: times "
                   f"{dataset.extra.get('scaler_scale'):.6g} plus "
                   f"{dataset.extra.get('scaler_mean'):.6g}, then the "
                   f"{dataset.extra.get('target')!r} target undone, gives the series' units")
    else:
        meaning = f"the predicted {ds.get('label') or 'value'}, in its own units"
    file = str(out / spec.filename) if spec.filename else str(out)
    return {
        "format": fmt, "file": file, "source_model": str(run.model_path),
        "input": {"name": input_name, "shape": shape, "dtype": dtype, "is": what},
        "output": {"shape": [None] + list(model.output_shape[1:]), "is": meaning,
                   "class_names": run.class_names or getattr(dataset, "class_names", None)},
        "serving_signature": SERVING_SIGNATURE if fmt != "onnx" else None,
        "runtime": {"package": spec.runtime, "version": runtime_version(fmt)},
        "exported_with": {"kerascli": __version__, **{k: v for k, v in versions().items()
                                                      if k in ("keras", "tensorflow")}},
        "check": {k: v for k, v in check.items() if k != "passed"},
        "example": example(fmt, file, input_name),
    }


def series_input(extra, shape):
    """A series model's input, as it is: the series provider scales the windows before the
    model (kerascli.datasets.series), so, like model.h5, the export takes scaled windows."""
    return (f"windows of {shape[1]} past values of {extra.get('label') or 'the series'} "
            f"({shape[2]} per step) on the scale the model was trained on: the "
            f"{extra.get('target')!r} target (config.json), then (value - "
            f"{extra.get('scaler_mean'):.6g}) / {extra.get('scaler_scale'):.6g}; the scaling is "
            "not inside the model")


def example(fmt, file, input_name):
    """Three lines of Python calling the export on ``x`` (a numpy batch of raw inputs)."""
    if fmt == "saved_model":
        return ["import tensorflow as tf",
                f"serve = tf.saved_model.load({file!r}).signatures[{SERVING_SIGNATURE!r}]",
                f"y = serve({input_name}=tf.constant(x))['output_0'].numpy()"]
    if fmt == "onnx":
        return ["import onnxruntime",
                f"session = onnxruntime.InferenceSession({file!r})",
                f"y = session.run(None, {{{input_name!r}: x.astype('float32')}})[0]"]
    return ["from ai_edge_litert.interpreter import Interpreter",
            f"runner = Interpreter(model_path={file!r}).get_signature_runner()",
            f"y = runner({input_name}=x.astype('float32'))['output_0']"]


def size(path):
    """Bytes of a file, or of every file under a folder (a SavedModel)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
