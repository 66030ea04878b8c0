"""Writing the export: Keras 3's own ``model.export`` (never ``tf.saved_model.save``, which
loses the input names and dtypes, keras#19458, nor ``TFLiteConverter.from_keras_model``, which
fails on Keras 3 models, tensorflow#63867), after refusing, in one line, a model the format is
known not to hold."""
from kerascli import artifacts
from kerascli.errors import UserError
from kerascli.exporting.formats import FORMATS
from kerascli.exporting.quiet import quiet_converters

# Measured refusals: (layer class, format) -> why that format cannot hold the model. Each has
# a test (tests/export/test_refusals.py) and a row in the README's export table.
REFUSALS = {
    ("TableEncoder", "onnx"): (
        "its TableEncoder parses raw CSV text inside the model (string input, tf.strings and "
        "lookup tables), which tf2onnx cannot convert to ONNX"),
    ("TableEncoder", "litert"): (
        "its TableEncoder parses raw CSV text inside the model (string input, tf.strings and "
        "lookup tables), which LiteRT's builtin ops do not hold (the converter leaves them as "
        "Select TensorFlow ops, which the LiteRT interpreter cannot run)"),
}


def refuse_unexportable(run, fmt):
    """One line for a model this format cannot hold (measured: :data:`REFUSALS`)."""
    for layer in all_layers(run.model):
        why = REFUSALS.get((type(layer).__name__, fmt))
        if why:
            raise UserError(f"{run.model_path.parent}: cannot export this model to {fmt}: {why}. "
                            "Export it as saved_model instead (kerascli export RUN --format "
                            "saved_model).")


def all_layers(model):
    """Every layer of ``model``, nested ones (a base network's) included."""
    seen = []
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        seen.append(layer)
        stack.extend(getattr(layer, "layers", []) or [])
        stack.extend(getattr(layer, "_layers", []) or [])
    return seen


def convert(run, fmt, target):
    """Write ``run``'s model to ``target`` in ``fmt``; a converter's failure is one line."""
    spec = FORMATS[fmt]
    try:
        with quiet_converters():
            model = inference_copy(run.model, unroll=fmt == "litert")
            model.export(str(target), format=spec.keras_format, verbose=False)
            if fmt == "onnx":
                fold_captured_constants(model, target)
    except Exception as exc:  # the converters raise many kinds; all mean "not convertible"
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:240]
        raise UserError(f"{run.model_path.parent}: cannot export this model to {fmt}: the "
                        f"converter failed ({type(exc).__name__}: {text}); export it as "
                        "saved_model instead, or report it.") from None


def inference_copy(model, unroll=False):
    """``model`` as it predicts, for a converter: Keras' random augmentation layers (RandomFlip,
    RandomTranslation: cifar's and mnist's training-time augmentation) replaced by identities,
    and with ``unroll`` its recurrent layers unrolled over their fixed window; the same weights.

    The converters trace the model without ``training=False``, and Keras' random layers
    default to training there: a cifar export flipped and shifted its inputs at random (the
    check measured 0.1 off Keras, 80% same top class; tf2onnx could not even build it).
    A rolled LSTM (lstm and forecast runs) becomes a TensorList while-loop that the LiteRT
    converter leaves as Select TensorFlow ops, which the LiteRT interpreter cannot run;
    unrolled, it is the same computation in builtin ops. The check compares the export with
    the original model. A model with neither is returned as it is."""
    from kerascli.runtime import keras_module
    keras = keras_module()

    def random(layer):
        return (type(layer).__name__.startswith("Random")
                and type(layer).__module__.startswith("keras."))

    def rolled(layer):
        return unroll and isinstance(layer, keras.layers.RNN) and not layer.unroll

    if not any(random(layer) or rolled(layer) for layer in all_layers(model)):
        return model

    def clone(layer):
        if random(layer):
            return keras.layers.Identity(name=layer.name)
        config = layer.get_config()
        if rolled(layer):
            config["unroll"] = True
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    for original, cloned in zip(model.layers, copy.layers):
        if not random(original):
            cloned.set_weights(original.get_weights())
    if str(model.inputs[0].dtype) != "string":  # the ONNX export wants a model called once
        copy(keras.ops.zeros((1, *model.input_shape[1:]), dtype=model.inputs[0].dtype))
    return copy


def fold_captured_constants(model, target):
    """Make the ONNX file take the model's input only. tf2onnx's ``from_function`` (which
    Keras' ONNX export calls) lists every tensor the traced function captures among the graph's
    inputs; it freezes the variables, but the constants a layer holds as tensors (Keras'
    Normalization given its mean and variance: kerascli's scaling of every table model) stay
    inputs that ONNX Runtime then demands ("Required inputs ... are missing"). They are
    written into the file as initializers, with the values the traced function captured (in
    the order tf2onnx lists them); the check after the export confirms the result."""
    import numpy as np
    import onnx
    import tensorflow as tf
    from keras.src.export.export_utils import get_input_signature, make_tf_tensor_spec

    graph = onnx.load(str(target))
    n_inputs = len(model.inputs)
    extra = list(graph.graph.input)[n_inputs:]
    if not extra:
        return
    signature = tf.nest.map_structure(make_tf_tensor_spec, get_input_signature(model))
    traced = tf.function(lambda *args: model(*args, training=False)).get_concrete_function(
        *signature)
    captured = [np.asarray(t) for t in traced.captured_inputs if t.dtype != tf.resource]
    shapes = [tuple(d.dim_value for d in i.type.tensor_type.shape.dim) for i in extra]
    if len(captured) != len(extra) or any(c.shape != s for c, s in zip(captured, shapes)):
        raise ValueError(f"tf2onnx left {len(extra)} captured constant(s) as inputs that "
                         "kerascli cannot match")
    for value_info, value in zip(extra, captured):
        graph.graph.initializer.append(onnx.numpy_helper.from_array(value, value_info.name))
        graph.graph.input.remove(value_info)
    artifacts.write_bytes(target, graph.SerializeToString())
