"""The three export formats: what Keras calls each, the file it writes, the runtime that runs
it, the optional extra it needs, and that runtime's version for export.json."""
import importlib.util
from dataclasses import dataclass

from kerascli.errors import UserError

SERVING_SIGNATURE = "serving_default"  # the signature TF Serving (and LiteRT) call by default


@dataclass(frozen=True)
class Format:
    name: str  # as the user types it
    keras_format: str  # model.export(format=...)
    filename: str  # inside the export folder ("" for the SavedModel: the folder itself)
    runtime: str  # the package that runs it
    modules: tuple  # imported to export and check it: missing ones mean a missing extra
    install: str


FORMATS = {
    "saved_model": Format("saved_model", "tf_saved_model", "", "tensorflow", (), ""),
    "onnx": Format("onnx", "onnx", "model.onnx", "onnxruntime",
                   ("onnx", "tf2onnx", "onnxruntime"), 'pip install "kerascli[onnx]"'),
    # LiteRT converts with TensorFlow's own converter; ai-edge-litert runs it (else TensorFlow's
    # tf.lite.Interpreter, see kerascli.exporting.runtimes)
    "litert": Format("litert", "litert", "model.tflite", "ai-edge-litert", (),
                     'pip install "kerascli[litert]"'),
}


def check_extra(fmt):
    """One line naming the ``pip install`` when the format's optional part is missing."""
    spec = FORMATS[fmt]
    missing = [m for m in spec.modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"--format {fmt} needs {', '.join(missing)} (the {fmt} extra); "
                        f"install it with: {spec.install}")


def runtime_version(fmt):
    """The installed version of the package that runs ``fmt`` (None when it is missing)."""
    from importlib import metadata
    package = {"saved_model": "tensorflow", "onnx": "onnxruntime", "litert": "ai-edge-litert"}[fmt]
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        if fmt == "litert":  # run by tf.lite.Interpreter
            return f"tensorflow {metadata.version('tensorflow')} (tf.lite)"
        return None
