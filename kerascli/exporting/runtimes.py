"""Running an export with its own runtime: TensorFlow for the SavedModel, ONNX Runtime for
ONNX, the LiteRT interpreter (``ai-edge-litert``, else TensorFlow's ``tf.lite``) for LiteRT."""
from kerascli.errors import UserError
from kerascli.exporting.formats import FORMATS, SERVING_SIGNATURE
from kerascli.exporting.quiet import quiet_converters


def runner(fmt, target):
    """A function: a batch of raw inputs (numpy) -> the exported model's outputs (numpy),
    computed by the format's own runtime, loaded from ``target``."""
    import numpy as np

    if fmt == "saved_model":
        import tensorflow as tf
        serve = tf.saved_model.load(str(target)).signatures[SERVING_SIGNATURE]
        (name, spec), = serve.structured_input_signature[1].items()

        def run(x):
            out = serve(**{name: tf.constant(np.asarray(x), dtype=spec.dtype)})
            return next(iter(out.values())).numpy()
        return run
    if fmt == "onnx":
        import onnxruntime
        session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        first = session.get_inputs()[0]
        dtype = np.float32 if "float" in first.type else object

        def run(x):
            return session.run(None, {first.name: np.asarray(x).astype(dtype)})[0]
        return run
    interpreter = litert_interpreter(target)
    detail = interpreter.get_input_details()[0]
    out_index = interpreter.get_output_details()[0]["index"]

    def run(x):
        x = np.asarray(x).astype(detail["dtype"])
        interpreter.resize_tensor_input(detail["index"], list(x.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(out_index)
    return run


def litert_interpreter(target):
    """The LiteRT interpreter on ``target``: ai-edge-litert's, else TensorFlow's tf.lite."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            with quiet_converters():
                import tensorflow as tf
            Interpreter = tf.lite.Interpreter
        except (ImportError, AttributeError):
            raise UserError("--format litert needs a LiteRT interpreter (ai-edge-litert, or "
                            f"TensorFlow's tf.lite); install it with: "
                            f"{FORMATS['litert'].install}") from None
    with quiet_converters():
        return Interpreter(model_path=str(target))
