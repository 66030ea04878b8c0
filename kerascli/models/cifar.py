"""The CIFAR-10 CNN, in three recipes (``--recipe``).

small (default): cifar10-airbench's design scaled down for a laptop CPU. A 2x2 stem conv
(``--stem whiten``, the default: airbench's patch whitening, fixed, below), then three blocks
of conv 3x3 -> max-pool 2 -> batch norm -> ReLU -> conv 3x3 -> batch norm -> ReLU at widths
``--widths`` (32/64/128 by default: half airbench94's 64/256/256 in the first block, an
eighth in the others), each conv starting as the identity on its input channels
(airbench's implicit residual, below), global max-pool, a bias-free dense layer scaled by
1/9, softmax; label smoothing 0.2; random flips and 2-pixel translations; Adam, batch 256,
14 epochs, a linear warm-up then cosine decay (one cycle); at inference, test-time flip averaging
(``--test-time``: the mean of the logits of each image and its mirror image, airbench's
test-time augmentation without its translations; a pair of weightless layers, FlipPair and
AverageFlipPair, so evaluate, predict and serve all do it and the saved model keeps it).
Widths, epochs, learning rate, the stem and the flip averaging were chosen on the validation
split (benchmarks/defaults.py, benchmarks/RESULTS.md): issue 30's 85% in 10 minutes on 2
cores. The patch whitening: the stem's filters are the eigenvectors of the covariance of
the training images' 2x2 patches, each scaled by 1/sqrt(eigenvalue + eps), and their
negatives (24 filters for colour images, 8 for grey), with a bias that centres them; the
kernel stays fixed while its bias trains (airbench's init_whitening_conv, computed on 5,000
training images by the model's ``initialize`` hook). ``--stem learned`` is a plain 2x2 conv
of the first width, trained.

classic: conv 5x5x32, max-pool, conv 5x5x32, batch norm, max-pool, dropout 0.3,
dense 240 ELU, softmax; Adam, batch 64, 40 epochs, cosine learning-rate decay (the default
before "small"; compared with it in benchmarks/defaults.py). What makes so
small a network train well: random horizontal flips and small shifts of the training images
(augmentation layers, inactive at inference) and the decay over the run.

fast: a Keras port of the parts of airbench94 (Keller Jordan, github.com/KellerJordan/
cifar10-airbench: 94% in 3.83 s on an A100, in PyTorch) that map onto a Sequential model:

- a 2x2 stem conv (24 filters, GELU), then three blocks of conv 3x3 -> max-pool 2 -> batch
  norm -> GELU -> conv 3x3 -> batch norm -> GELU, widths 64/256/256, global max-pool, a
  bias-free dense layer scaled by 1/9, softmax (about 1.97M parameters);
- residual blocks, airbench's way: each 3x3 conv starts as the identity on its input channels
  (its first filters are Dirac deltas), so each block initially passes its input through and
  learns a correction to it. A Sequential model cannot hold an explicit skip connection, and
  kerascli needs Sequential (mixed precision appends a layer; synchronized batch norm walks
  ``model.layers``);
- batch norm without a learned scale, momentum 0.6 (airbench's "0.4" in PyTorch's convention);
- label smoothing 0.2 (:class:`kerascli.models.layers.SmoothedSparseCategoricalCrossentropy`);
- random horizontal flips and translations of up to 2 pixels (reflected borders);
- SGD, Nesterov momentum 0.85, batch 1024, 10 epochs, a one-cycle schedule (linear warm-up
  from 0.2x to the peak over the first 23% of steps, then down to 0.07x: airbench's triangle,
  with a cosine descent since that is what Keras' CosineDecay offers), peak learning rate 1.5
  and decoupled weight decay 0.01: airbench's lr 11.5 and weight decay 0.0153 "per 1024
  examples" converted to Keras' mean-reduced loss and decoupled decay.

Not ported: the whitening initialisation of the stem (data-dependent; here it is a plain
learned conv), the 64x learning rate of batch-norm biases, lookahead/EMA of the weights and
the translated half of airbench's test-time augmentation (the flips are ported). kerascli
also holds 10% of the training set out for validation (``--validation-split 0`` trains on
all 50,000 images).

The fast recipe is UNMEASURED: it has not been run on a GPU nor on full CIFAR-10, so it makes
no claim of accuracy or time. The target (issue 8) is 93% test accuracy in 15 s on one H100,
e.g. ``kerascli train cifar --recipe fast --precision mixed --jit``.
"""
from kerascli.models._schedules import one_cycle
from kerascli.models.spec import ModelSpec, Param

# each recipe's training settings; an explicit --epochs/--batch-size/--lr/--optimizer wins
FAST = {"epochs": 10, "batch_size": 1024, "learning_rate": 1.5, "optimizer": "sgd"}
SMALL = {"epochs": 14, "batch_size": 256, "learning_rate": 4e-3, "optimizer": "adam"}
CLASSIC = {"epochs": 40, "batch_size": 64, "learning_rate": 2e-3, "optimizer": "adam"}
SMALL_WIDTHS = (32, 64, 128)
FAST_MOMENTUM = 0.85
FAST_WEIGHT_DECAY = 0.01  # decoupled: each step multiplies the weights by 1 - lr * decay
FAST_LABEL_SMOOTHING = 0.2
FAST_WIDTHS = (64, 256, 256)
FAST_TRANSLATE = 2 / 32  # 2 pixels of a 32-pixel image
# one cycle: start at 0.2x the peak, reach it after 23% of the steps, end at 0.07x
WARMUP_START, WARMUP_FRACTION, FINAL_FRACTION = 0.2, 0.23, 0.07


class Cifar(ModelSpec):
    summary = ("CIFAR-10 CNN: airbench's residual design at 32/64/128 with a whitened stem, "
            "augmentation, one cycle (--recipe classic: 2 convs, dense 240; --recipe fast: "
            "64/256/256 for GPUs)")
    accepts = frozenset({"image"})
    tasks = frozenset({"classification"})
    default_dataset = "cifar10"
    epochs = SMALL["epochs"]
    batch_size = SMALL["batch_size"]
    learning_rate = SMALL["learning_rate"]
    optimizer_name = SMALL["optimizer"]
    params = (
        Param("recipe", "choice", "small",
              "small: airbench's residual design at --widths with batch norm, label smoothing "
              "0.2, flips and 2-pixel shifts, Adam with one cycle (14 epochs, batch 256, lr "
              "4e-3). classic: two convs and dense 240 with Adam (40 epochs, batch 64, lr "
              "2e-3). fast: airbench94's 64/256/256 net, SGD Nesterov, one cycle (10 epochs, "
              "batch 1024, lr 1.5; for GPUs, unmeasured there).",
              choices=("small", "classic", "fast")),
        Param("widths", "ints", SMALL_WIDTHS,
              "Widths of the three blocks of --recipe small, comma-separated."),
        Param("augment", "choice", "flip-shift",
              "Training-time augmentation: random horizontal flips and shifts (2 pixels; 10% "
              "with --recipe classic), shifts only (for digits and letters), or none.",
              choices=("flip-shift", "shift", "none")),
        Param("stem", "choice", "whiten",
              "The 2x2 stem of --recipe small and fast: whiten starts it as airbench's "
              "patch whitening (the eigenvectors of the training images' 2x2-patch covariance, "
              "scaled to unit variance, and their negatives; kept fixed while the bias trains); "
              "learned starts it at random and trains it.", choices=("learned", "whiten"),
              absent="learned"),
        Param("test_time", "choice", "auto",
              "Test-time augmentation of --recipe small and fast: flip predicts the mean of "
              "each image's and its mirror image's logits; auto does so when training "
              "flips (--augment flip-shift); none predicts each image once.",
              choices=("auto", "flip", "none")),
    )
    per_dataset = {"digits": {"recipe": "classic", "augment": "none"},
                 "mnist": {"augment": "shift"}, "fashion-mnist": {"augment": "flip-shift"}}
    datasets = ("cifar10", "mnist", "fashion-mnist", "digits")
    counterparts = {"classification": ("logistic-regression", "random-forest")}

    def training_defaults(self, params):
        """Epochs, batch size, learning rate and optimizer the chosen recipe trains with by default."""
        return dict({"fast": FAST, "classic": CLASSIC}.get(params.get("recipe"), {}))

    def learning_rate_schedule(self, learning_rate, epochs, steps_per_epoch):
        """Cosine decay from ``learning_rate`` to 0 over the whole run (classic recipe; the other
        recipes' :func:`optimizer` replaces it)."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)

    def optimizer(self, cfg, steps_per_epoch):
        """The small and fast recipes' optimizer: a one-cycle schedule; for fast, SGD with Nesterov
        momentum and weight decay (or the optimizer given with --optimizer); None for classic."""
        if cfg.params_dict.get("recipe") not in ("fast", "small"):
            return None
        from kerascli.runtime import keras_module
        keras = keras_module()
        schedule = one_cycle_schedule(cfg.learning_rate, cfg.epochs * steps_per_epoch)
        if cfg.optimizer == "sgd" and cfg.params_dict.get("recipe") == "fast":
            return keras.optimizers.SGD(learning_rate=schedule, momentum=FAST_MOMENTUM, nesterov=True,
                                        weight_decay=FAST_WEIGHT_DECAY)
        from kerascli.models import make_optimizer
        return make_optimizer(cfg.optimizer, schedule)

    def loss(self, task, params):
        """Label-smoothed cross-entropy for the small and fast recipes; None (the default loss)
        for classic."""
        if params.get("recipe") not in ("fast", "small"):
            return None
        from kerascli.models import smoothed_cross_entropy
        return smoothed_cross_entropy(FAST_LABEL_SMOOTHING)

    def initialize(self, model, x_fit, y_fit):
        """With ``--stem whiten``: set the stem to the training images' patch whitening."""
        stem = next((layer for layer in model.layers if layer.name == "stem_whiten"), None)
        if stem is not None:
            whiten_stem(model, stem, x_fit)

    def build(self, input_shape, task, n_outputs, *, recipe="small", augment="flip-shift",
              widths=SMALL_WIDTHS, test_time="auto", stem="whiten", preprocess=(),
              postprocess=()):
        from kerascli.runtime import keras_module
        keras = keras_module()
        layers = keras.layers
        shift = 0.1 if recipe == "classic" else FAST_TRANSLATE
        augmentation = []
        if augment == "flip-shift":
            augmentation.append(layers.RandomFlip("horizontal"))
        if augment in ("flip-shift", "shift"):
            augmentation.append(layers.RandomTranslation(shift, shift, fill_mode="reflect"))
        if recipe in ("fast", "small"):
            flip_average = test_time == "flip" or (test_time == "auto" and augment == "flip-shift")
            if min(input_shape[:2]) < 16:  # the stem and three poolings need 16x16 at least
                from kerascli.errors import UserError
                raise UserError(f"--recipe {recipe}: images of {input_shape[0]}x{input_shape[1]} "
                                "pixels are too small (at least 16x16); use --recipe classic (or, "
                                "for an image folder, --image-size 32).")
            if recipe == "small":
                if len(widths) != 3:
                    from kerascli.errors import UserError
                    raise UserError(f"--widths {','.join(map(str, widths))}: give three widths, "
                                    "one per block (e.g. --widths 32,64,128).")
                return _build_fast(keras, input_shape, n_outputs, [*augmentation, *preprocess],
                                   widths=tuple(widths), activation="relu", name="cifar_small",
                                   flip_average=flip_average, whiten=stem == "whiten")
            return _build_fast(keras, input_shape, n_outputs, [*augmentation, *preprocess],
                               flip_average=flip_average, whiten=stem == "whiten")
        return keras.Sequential([
            keras.Input(shape=input_shape),
            *augmentation,
            *preprocess,
            layers.Conv2D(32, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(32, 5, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2, padding="same"),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(240, activation="elu"),
            layers.Dense(n_outputs, activation="softmax"),
        ], name="cifar")


def one_cycle_schedule(peak, total_steps):
    """airbench's one cycle over ``total_steps``: linear rise from 0.2x ``peak`` to ``peak``
    over the first 23% of the steps, cosine descent to 0.07x ``peak``."""
    return one_cycle(peak, total_steps, start=WARMUP_START, warmup=WARMUP_FRACTION,
                     final=FINAL_FRACTION)


def _build_fast(keras, input_shape, n_outputs, first_layers, widths=FAST_WIDTHS,
                activation="gelu", name="cifar_fast", flip_average=False, whiten=False):
    layers = keras.layers
    from kerascli.models.layers import AverageFlipPair, FlipPair

    def conv(width, name):
        return layers.Conv2D(width, 3, padding="same", use_bias=False, name=name)

    def norm(name):
        return layers.BatchNormalization(momentum=0.6, epsilon=1e-5, scale=False, name=name)

    blocks = []
    for i, width in enumerate(widths, start=1):
        blocks += [conv(width, f"block{i}_conv1"), layers.MaxPooling2D(2, name=f"block{i}_pool"),
                   norm(f"block{i}_norm1"),
                   layers.Activation(activation, name=f"block{i}_{activation}1"),
                   conv(width, f"block{i}_conv2"), norm(f"block{i}_norm2"),
                   layers.Activation(activation, name=f"block{i}_{activation}2")]
    if whiten:  # one filter per eigenvector of the 2x2-patch covariance, and its negative;
        # the kernel stays fixed, as airbench keeps the whitening; the bias trains
        from kerascli.models.layers import FixedKernelConv2D
        stem_layer = FixedKernelConv2D(2 * 2 * 2 * input_shape[-1], 2, padding="valid",
                                       activation=activation, name="stem_whiten")
    else:  # airbench's 24 filters; the first width if scaled
        stem_layer = layers.Conv2D(24 if widths == FAST_WIDTHS else widths[0], 2,
                                   padding="valid", activation=activation, name="stem")
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        *first_layers,
        *([FlipPair(name="flip_pair")] if flip_average else []),
        stem_layer,
        *blocks,
        layers.GlobalMaxPooling2D(name="pool"),
        layers.Dense(n_outputs, use_bias=False, name="logits"),
        layers.Rescaling(1 / 9, name="scale_logits"),  # airbench's output scaling
        *([AverageFlipPair(name="average_flip_pair")] if flip_average else []),
        layers.Activation("softmax", name="probabilities"),
    ], name=name)
    for layer in model.layers:
        if layer.name.startswith("block") and "_conv" in layer.name:
            _dirac_init(layer)
    return model


WHITEN_IMAGES = 5000  # airbench estimates the patch covariance on 5,000 training images
WHITEN_EPS = 5e-4  # airbench's, relative to inputs of unit variance per pixel


def whiten_stem(model, stem, x_fit, n_images=WHITEN_IMAGES):
    """airbench's patch-whitening start for the 2x2 ``stem``: the covariance of all 2x2
    patches of up to ``n_images`` training images (spread over ``x_fit``, as the layers
    before the stem present them at inference), its eigenvectors scaled by 1/sqrt(eigenvalue
    + eps) as the first half of the filters and their negatives as the second (so a ReLU or
    GELU after it keeps both signs), and a bias that centres each output on the mean patch."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    step = max(1, len(x_fit) // n_images)
    sample = np.asarray(x_fit[::step][:n_images], dtype=np.float32)
    before = model.layers[:model.layers.index(stem)]
    k = stem.kernel.shape  # (2, 2, channels, filters)
    dims = k[0] * k[1] * k[2]
    total, outer, count = np.zeros(dims), np.zeros((dims, dims)), 0
    for start in range(0, len(sample), 250):
        out = sample[start:start + 250]
        for layer in before:
            out = layer(out, training=False)
        windows = sliding_window_view(np.asarray(out, dtype=np.float64), k[:2], axis=(1, 2))
        patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, dims)  # (h, w, c) order
        total += patches.sum(axis=0)
        outer += patches.T @ patches
        count += len(patches)
    mean = total / count
    covariance = outer / count - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(covariance)  # ascending
    values, vectors = values[::-1], vectors[:, ::-1]
    eps = WHITEN_EPS * float(np.trace(covariance)) / dims
    scaled = vectors / np.sqrt(np.maximum(values, 0.0) + eps)  # columns: filters
    kernel = np.concatenate([scaled, -scaled], axis=1)
    bias = -(mean @ kernel)
    stem.kernel.assign(kernel.reshape(k).astype(np.float32))
    stem.bias.assign(bias.astype(np.float32))


def _dirac_init(conv):
    """Make the first filters of a 3x3 conv the identity on its input channels (airbench's
    implicit residual: the block starts by passing its input through)."""
    kernel = conv.get_weights()[0]  # (3, 3, in, out)
    n = min(kernel.shape[2], kernel.shape[3])
    kernel[:, :, :, :n] = 0.0
    for c in range(n):
        kernel[1, 1, c, c] = 1.0
    conv.set_weights([kernel])
