"""Transfer learning: a pretrained ``keras.applications`` network with a new head.

``kerascli train transfer --base mobilenetv2 --dataset photos/`` builds::

    raw pixels 0-255 -> the base's own input preprocessing (a fixed 1x1 conv: scaling,
    RGB->BGR and mean subtraction as the base was trained; grayscale repeated to RGB)
    -> [Resizing up to the base's smallest input] -> base (ImageNet weights, no top)
    -> global average pooling -> dropout -> dense softmax

so the saved model.h5 takes raw images like every kerascli model and reloads with plain
``keras.models.load_model`` (only built-in layers). Training is the Keras guide's recipe
(keras.io/guides/transfer_learning): the head is trained with the base frozen (``--epochs``
at ``--learning-rate``), then the top ``--fine-tune-layers`` layers of the base are unfrozen
and trained on for ``--fine-tune-epochs`` at ``--fine-tune-lr``. Batch-norm layers stay
frozen, so they run in inference mode and keep their ImageNet statistics while fine-tuning.
The second phase is driven by :mod:`kerascli.core.fit` through this file's ``fine_tune``
and ``unfreeze`` hooks.

Weights (``--weights``): ``imagenet`` uses the file in Keras' cache (``~/.keras/models`` or
``$KERAS_HOME/models``), else downloads it with Keras' own URL and hash; ``none`` trains
from scratch; a path loads that weights file into the base.

The defaults (5 head epochs at 1e-3, then the top 20 layers for 5 epochs at 1e-5) follow
the Keras guide for a few hundred images per class; they have not been tuned here, since
the ImageNet weights cannot be fetched offline (benchmarks/RESULTS.md).
"""
from kerascli.models.spec import ModelSpec, Param

# name -> (keras.applications class, preprocessing mode, smallest input side)
BASES = {
    "mobilenetv2": ("MobileNetV2", "tf", 32),
    "efficientnetb0": ("EfficientNetB0", "inside", 32),  # rescales inside the network
    "resnet50": ("ResNet50", "caffe", 32),
    "vgg16": ("VGG16", "caffe", 32),
    "inceptionv3": ("InceptionV3", "tf", 75),
}
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # keras.applications.imagenet_utils, mode "caffe"
# Keras' download location of each no-top ImageNet weights file (the base's own code)
_ROOT = "https://storage.googleapis.com/"
WEIGHT_URLS = {
    "resnet50": _ROOT + "tensorflow/keras-applications/resnet/"
                        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "vgg16": _ROOT + "tensorflow/keras-applications/vgg16/"
                     "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "inceptionv3": _ROOT + "tensorflow/keras-applications/inception_v3/"
                           "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "efficientnetb0": _ROOT + "keras-applications/efficientnetb0_notop.h5",
    "mobilenetv2": _ROOT + "tensorflow/keras-applications/mobilenet_v2/"
                           "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5",
}
MOBILENET_ROWS = (96, 128, 160, 192, 224)


class Transfer(ModelSpec):
    summary = ("a pretrained keras.applications network (--base) with a new head: head first, "
            "then the top layers fine-tuned")
    accepts = frozenset({"image"})
    tasks = frozenset({"classification"})
    default_dataset = "cifar10"
    epochs = 5
    batch_size = 32
    learning_rate = 1e-3
    optimizer_name = "adam"
    params = (
        Param("base", "choice", "mobilenetv2", "The pretrained network.",
              choices=tuple(BASES)),
        Param("weights", "str", "imagenet",
              "imagenet (Keras' cache, else downloaded with Keras' URL and hash), none (train "
              "from scratch) or a weights file FILE.h5 for the base."),
        Param("fine_tune_layers", "int", 20,
              "Layers at the top of the base unfrozen after the head is trained (0: keep the "
              "base frozen). Batch norm layers stay frozen.", low=0, build=False),
        Param("fine_tune_epochs", "int", 5,
              "Epochs of fine-tuning after --epochs of training the head alone (0: none).",
              low=0, build=False),
        Param("fine_tune_lr", "float", 1e-5, "Learning rate while fine-tuning.",
              low=0.0, log=True, build=False),
        Param("dropout", "float", 0.2, "Dropout before the new classification layer.",
              low=0.0, high=1.0, high_open=True),
    )
    datasets = ("cifar10", "image folders")

    def fine_tune(self, cfg):
        """The second training phase, as (epochs, learning rate), or None (kerascli.core.fit)."""
        params = cfg.params_dict
        if params.get("weights") in ("none", "", None):  # from scratch: all of it trains at once
            return None
        if params.get("fine_tune_epochs", 0) > 0 and params.get("fine_tune_layers", 0) > 0:
            return params["fine_tune_epochs"], params["fine_tune_lr"]
        return None

    def unfreeze(self, model, cfg):
        """Unfreeze the top ``fine_tune_layers`` layers of the base, batch norm excepted."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        base = model.get_layer("base")
        base.trainable = True
        top = max(0, int(cfg.params_dict["fine_tune_layers"]))
        for i, layer in enumerate(base.layers):
            layer.trainable = (i >= len(base.layers) - top
                               and not isinstance(layer, keras.layers.BatchNormalization))

    def build(self, input_shape, task, n_outputs, *, base="mobilenetv2", weights="imagenet",
              dropout=0.2,
              preprocess=(), postprocess=()):
        """``preprocess`` (kerascli's Rescaling(1/255)) is replaced by the base's own."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        layers = keras.layers
        height, width, channels = input_shape
        network = make_base(base, input_shape, weights)
        prep, kernel, bias = preprocess_layer(keras, base, channels)
        target = _base_input(input_shape, base)
        resize = ([layers.Resizing(target[0], target[1], name="resize_to_base")]
                  if target[:2] != (height, width) else [])
        model = keras.Sequential([
            keras.Input(shape=input_shape),
            prep,
            *resize,
            network,
            layers.GlobalAveragePooling2D(name="pool"),
            layers.Dropout(dropout, name="head_dropout"),
            layers.Dense(n_outputs, activation="softmax", name="head"),
        ], name=f"transfer_{base}")
        prep.set_weights([kernel, bias])
        return model

    def feature_extractor(self, model):
        """The frozen part of a built transfer model, up to the pooled base features: what
        ``compare transfer`` fits its scikit-learn baselines on (logistic regression on these
        is the classic strong baseline)."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        return keras.Model(model.inputs, model.get_layer("pool").output)


def keras_models_dir():
    """Where Keras caches application weights (``keras.utils.get_file``'s choice)."""
    import os
    from pathlib import Path
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if os.path.isdir(home) and not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return Path(home) / "models"


def weights_url(base, input_shape):
    """Keras' URL of the ImageNet no-top weights for ``base`` at ``input_shape``."""
    rows = input_shape[0] if input_shape[0] == input_shape[1] and \
        input_shape[0] in MOBILENET_ROWS else 224
    return WEIGHT_URLS[base].format(rows=rows)


def _base_input(input_shape, base):
    height, width = input_shape[:2]
    smallest = BASES[base][2]
    return (max(height, smallest), max(width, smallest), 3)


def make_base(base, input_shape, weights="imagenet"):
    """The ``keras.applications`` network without its top, named "base", frozen, with the
    weights ``weights`` asks for; one-line errors for weights it cannot have."""
    from pathlib import Path
    from kerascli.errors import DataError, UserError
    from kerascli.runtime import keras_module
    keras = keras_module()
    if base not in BASES:
        raise UserError(f"--base {base}: choose one of {', '.join(BASES)}.")
    constructor = getattr(keras.applications, BASES[base][0])
    shape = _base_input(input_shape, base)

    def build(w):
        import contextlib
        import sys
        import warnings
        # Keras prints "Downloading data from ..." on stdout, which carries only results;
        # MobileNetV2 warns that sizes other than 96..224 get the 224 weights (they fit any size)
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Weights for input shape")
            return constructor(include_top=False, weights=w, input_shape=shape, name="base")

    if weights == "imagenet":
        url = weights_url(base, shape)
        name = url.rsplit("/", 1)[1]
        cached = keras_models_dir() / name
        try:
            network = build("imagenet")
        except Exception as exc:  # noqa: BLE001  (get_file raises plain Exception offline)
            if cached.is_file():
                raise DataError(cached, f"cannot be read as {base} weights ({exc}); delete it to "
                                        "download it again.") from None
            n_weights = build(None).count_params()
            raise UserError(
                f"--weights imagenet: {name} (about {n_weights * 4 / 1e6:.0f} MB: "
                f"{n_weights:,} float32 weights) is not in Keras' cache and could not be "
                f"downloaded ({str(exc).splitlines()[0].split(' on http')[0][:80]}); download {url} and place it in "
                f"{cached.parent}/, or use --weights none (train from scratch) or --weights "
                "FILE.h5.") from None
    elif weights in ("none", "", None):
        network = build(None)
    else:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise UserError(f"--weights {weights}: no such file; give imagenet, none or a "
                            "weights file (.h5).")
        network = build(None)
        try:
            network.load_weights(str(path))
        except Exception as exc:  # noqa: BLE001  (h5py and Keras raise many kinds)
            raise DataError(path, f"cannot be loaded as {base} weights without its top "
                                  f"({str(exc).splitlines()[0][:120]}).") from None
    # pretrained weights are frozen for the head's phase; from scratch, everything trains
    network.trainable = weights in ("none", "", None)
    return network


def preprocess_layer(keras, base, channels):
    """The base's input preprocessing as a fixed (non-trainable) 1x1 convolution on raw
    0-255 pixels: built-in, so the saved model reloads without custom code. Returns (layer,
    kernel, bias); set the weights once the layer is built."""
    import numpy as np
    mode = BASES[base][1]
    kernel = np.zeros((1, 1, channels, 3), dtype=np.float32)
    bias = np.zeros(3, dtype=np.float32)
    for out in range(3):
        source = out if channels == 3 else 0
        if mode == "caffe":  # RGB -> BGR, minus the ImageNet mean
            source = (2 - out) if channels == 3 else 0
            kernel[0, 0, source, out] = 1.0
            bias[out] = -CAFFE_MEAN_BGR[out]
        elif mode == "tf":  # -1..1
            kernel[0, 0, source, out] = 1 / 127.5
            bias[out] = -1.0
        else:  # the network rescales itself
            kernel[0, 0, source, out] = 1.0
    layer = keras.layers.Conv2D(3, 1, trainable=False, name="base_preprocess")
    return layer, kernel, bias
