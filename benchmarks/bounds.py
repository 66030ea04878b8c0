"""What bounds each default's training speed: its images per second against plain ``model.fit``
and against the arithmetic the network does per image on these cores.

For cnn, alexnet and mlp on MNIST and cifar on CIFAR-10, each built and compiled exactly as
``kerascli train MODEL`` builds it (``config.make_config`` + ``data.load_data`` +
``fit.build_model`` / ``fit.compile_model``, as recipes/plain_fit.py), in one process:

1. arithmetic per image: the multiply-adds of one forward pass counted from the built model's
   layers (Conv2D: out_h*out_w*k_h*k_w*c_in*c_out/groups; Dense: in*out per position;
   depthwise and separable convolutions likewise). Batch norm, pooling, activations,
   augmentation, dropout and LRN do no multiply-adds: their output values per image are
   counted apart and not in the FLOPs. Training FLOPs per image = 3 x 2 x forward
   multiply-adds (2 FLOPs per multiply-add; the backward pass taken as twice the forward);
2. what the cores reach: a float32 2048x2048 @ 2048x2048 matmul in TensorFlow (best of 5 per
   repeat) and each model's biggest layer alone at its training batch size, forward plus its
   two backward products (a Conv2D with its input- and filter-gradient convolutions, or a
   Dense layer's three matmuls; best of 5);
3. training images per second, steady state: kerascli's loop (``fit.train`` with a run
   directory, so with its callbacks, epoch backups and tf.data feed) and a plain
   ``model.fit(x, y, batch_size, validation_data, shuffle=True)`` on the same model, settings
   and 10% validation split, both on the first STEPS x batch training images (plus their
   validation share), 3 epochs: epoch 1 traces and is left out, epochs 2-3 are timed from
   each epoch's start to its validation's start (training steps only; a callback with epoch
   hooks only, so Keras' asynchronous batch dispatch stays as it is). The whole epoch
   (validation and epoch-end work included) is timed too;
4. the ratios: kerascli / plain fit images per second; achieved training GFLOP/s = images/s x
   training FLOPs per image, as a share of the matmul rate and of the biggest layer's rate.

Each measurement is repeated (``--repeats``, default 3), the sides interleaved (their order
alternating from repeat to repeat); ratios are taken within a repeat. Writes the section
"What bounds each default: ..." of benchmarks/RESULTS.md.

    python benchmarks/bounds.py [--repeats 3] [--only cnn,mlp]
"""
import argparse
import contextlib
import dataclasses
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

TITLE = "What bounds each default: images per second against plain fit and the arithmetic"
# model, dataset, training steps per epoch of the subset: each timed epoch a few seconds on
# 2 cores, so the whole script stays near 10 minutes
# (multiples of kerascli's 8 steps per graph call: no short call in the timed epochs)
MODELS = [("cnn", "mnist", 120), ("alexnet", "mnist", 16), ("mlp", "mnist", 400),
          ("cifar", "cifar10", 32)]
EPOCHS = 3  # epoch 1 traces the step functions; 2..EPOCHS are timed
N_TEST = 500  # kerascli scores a test part after training (not timed): keep it small
MATMUL_N = 2048
BEST_OF = 5
LOADED = 3.0  # load average above which the section says the figures are inflated


def log(text):
    print(text, file=sys.stderr, flush=True)


stats = _common.mean_range  # 'mean (min-max)' over the repeats


# ---------------------------------------------------------------- arithmetic per image

def layer_macs(layer):
    """Multiply-adds of ``layer`` for one image's forward pass; None for a layer that does
    none (normalisation, pooling, activation, augmentation, reshaping)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    kl = keras.layers
    out_shape = tuple(layer.output.shape[1:])
    in_shape = tuple(layer.input.shape[1:])
    if isinstance(layer, kl.SeparableConv2D):
        positions = math.prod(out_shape[:-1])
        depthwise = math.prod(layer.depthwise_kernel.shape)
        # the depthwise part runs at the output's positions (strides apply to it)
        return positions * depthwise + positions * math.prod(layer.pointwise_kernel.shape)
    if isinstance(layer, kl.DepthwiseConv2D):
        return math.prod(out_shape[:-1]) * math.prod(layer.kernel.shape)
    if isinstance(layer, (kl.Conv1DTranspose, kl.Conv2DTranspose, kl.Conv3DTranspose)):
        return math.prod(in_shape[:-1]) * math.prod(layer.kernel.shape)
    if isinstance(layer, (kl.Conv1D, kl.Conv2D, kl.Conv3D)):
        # kernel (k_h, k_w, c_in/groups, c_out): out_h*out_w*k_h*k_w*c_in*c_out/groups
        return math.prod(out_shape[:-1]) * math.prod(layer.kernel.shape)
    if isinstance(layer, kl.Dense):
        return math.prod(in_shape[:-1]) * math.prod(layer.kernel.shape)
    if layer.trainable_weights and not isinstance(layer, (kl.BatchNormalization,
                                                          kl.LayerNormalization)):
        raise SystemExit(f"bounds.py: no multiply-add count for {type(layer).__name__} "
                         f"({layer.name}); add one to layer_macs().")
    return None


def arithmetic(model):
    """{'macs', 'other_values', 'biggest': (layer, macs), 'params'} per image."""
    macs, other, biggest = 0, 0, (None, -1)
    for layer in model.layers:
        n = layer_macs(layer)
        if n is None:
            other += math.prod(layer.output.shape[1:])
            continue
        macs += n
        if n > biggest[1]:
            biggest = (layer, n)
    return {"macs": macs, "other_values": other, "biggest": biggest,
            "params": int(model.count_params())}


def describe(layer):
    """A layer by its shape (Keras' names depend on what was built before it)."""
    kernel = tuple(layer.kernel.shape)
    if len(kernel) == 2:
        return f"Dense {kernel[0]}->{kernel[1]}"
    size = "x".join(map(str, kernel[:-2]))
    at = "x".join(map(str, layer.output.shape[1:-1]))
    return f"{type(layer).__name__} {size} {kernel[-2]}->{kernel[-1]} at {at}"


# ---------------------------------------------------------------- what the cores reach

def best_rate(step, flops_per_call, target_seconds=0.25):
    """Best GFLOP/s of ``step()`` over BEST_OF timings of enough calls to take about
    ``target_seconds`` (after a first, tracing call)."""
    step()
    t0 = time.perf_counter()
    step()
    calls = max(1, round(target_seconds / max(time.perf_counter() - t0, 1e-6)))
    best = math.inf
    for _ in range(BEST_OF):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        best = min(best, (time.perf_counter() - t0) / calls)
    return flops_per_call / best / 1e9


def matmul_rate():
    import tensorflow as tf
    a = tf.random.normal((MATMUL_N, MATMUL_N))
    b = tf.random.normal((MATMUL_N, MATMUL_N))
    mm = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)[:1, :1]))
    return best_rate(lambda: mm().numpy(), 2 * MATMUL_N ** 3)


def layer_rate(layer, macs, batch):
    """GFLOP/s of ``layer``'s forward product and its two backward products alone (the
    training step's arithmetic for this layer: 3 x 2 x ``macs`` x ``batch`` FLOPs)."""
    import tensorflow as tf
    from kerascli.runtime import keras_module
    keras = keras_module()
    in_shape = (batch, *layer.input.shape[1:])
    out_shape = (batch, *layer.output.shape[1:])
    x = tf.random.normal(in_shape)
    dy = tf.random.normal(out_shape)
    if isinstance(layer, keras.layers.Dense):
        w = tf.random.normal(tuple(layer.kernel.shape))
        x2, dy2 = tf.reshape(x, (-1, w.shape[0])), tf.reshape(dy, (-1, w.shape[1]))

        @tf.function
        def step():
            y = tf.matmul(x2, w)
            dx = tf.matmul(dy2, w, transpose_b=True)
            dw = tf.matmul(x2, dy2, transpose_a=True)
            return tf.reduce_sum(y[:1, :1]) + tf.reduce_sum(dx[:1, :1]) + tf.reduce_sum(dw[:1, :1])
    elif type(layer) is keras.layers.Conv2D and layer.groups == 1:
        w = tf.random.normal(tuple(layer.kernel.shape))
        strides = (1, *layer.strides, 1)
        dilations = (1, *layer.dilation_rate, 1)
        padding = layer.padding.upper()

        @tf.function
        def step():
            y = tf.nn.conv2d(x, w, strides, padding, dilations=dilations)
            dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=in_shape, filter=w, out_backprop=dy,
                                                strides=strides, padding=padding,
                                                dilations=dilations)
            dw = tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=w.shape, out_backprop=dy,
                                                 strides=strides, padding=padding,
                                                 dilations=dilations)
            return (tf.reduce_sum(y[:1, :1, :1]) + tf.reduce_sum(dx[:1, :1, :1])
                    + tf.reduce_sum(dw[:1, :1, :1]))
    else:
        raise SystemExit(f"bounds.py: no single-layer benchmark for {type(layer).__name__}")
    return best_rate(lambda: step().numpy(), 6 * macs * batch)


# ---------------------------------------------------------------- images per second

def epoch_timer():
    """A callback with epoch hooks only (so Keras keeps its asynchronous batch dispatch):
    per epoch, seconds from its start to its validation's start, and to its end."""
    from kerascli.runtime import keras_module
    keras = keras_module()

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.whole, self._t0, self._train_end = [], [], None, None

        def on_epoch_begin(self, epoch, logs=None):
            self._t0, self._train_end = time.perf_counter(), None

        def on_test_begin(self, logs=None):
            if self._t0 is not None and self._train_end is None:
                self._train_end = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            end = time.perf_counter()
            self.train.append((self._train_end or end) - self._t0)
            self.whole.append(end - self._t0)
            self._t0 = None

    return EpochTimer()


def subset(dataset, n_fit, fraction):
    """``dataset`` cut to its first images: exactly ``n_fit`` left for training after the
    validation share ``fraction`` is held out (as data.validation_split rounds it)."""
    n = n_fit
    while n - int(round(fraction * n)) < n_fit:
        n += 1
    return dataclasses.replace(dataset, x_train=dataset.x_train[:n], y_train=dataset.y_train[:n],
                               x_test=dataset.x_test[:N_TEST], y_test=dataset.y_test[:N_TEST])


def images_per_second(timer, n_fit):
    """(training steps, whole epochs) images per second over epochs 2..EPOCHS."""
    return (n_fit * (EPOCHS - 1) / sum(timer.train[1:]),
            n_fit * (EPOCHS - 1) / sum(timer.whole[1:]))


def run_kerascli(cfg, dataset, n_fit, out):
    """kerascli's loop: fit.train with a run directory (config, epoch backups), its progress
    written to a non-terminal stderr (one line an epoch, as under ``2>log``)."""
    from kerascli.core import fit
    from kerascli.core.rundir import RunDir
    timer = epoch_timer()
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        fit.train(cfg, dataset, run_dir=RunDir.create(out, f"bounds-{cfg.model}"),
                  callbacks=[timer], finish=False)
    return images_per_second(timer, n_fit)


def run_plain(cfg, dataset, n_fit):
    """Plain ``model.fit`` on kerascli's model and settings (recipes/plain_fit.py's call)."""
    from kerascli import runtime
    from kerascli.core import data, fit
    runtime.seed_everything(cfg.seed)
    x_fit, y_fit, x_val, y_val = data.validation_split(dataset, cfg.validation_split, cfg.seed)
    model = fit.build_model(cfg, dataset, x_fit, y_fit)
    fit.compile_model(model, cfg, dataset.task, -(-len(x_fit) // cfg.batch_size))
    timer = epoch_timer()
    model.fit(x_fit, y_fit, batch_size=cfg.batch_size, epochs=cfg.epochs,
              validation_data=(x_val, y_val), shuffle=True, verbose=0, callbacks=[timer])
    return images_per_second(timer, n_fit)


# ---------------------------------------------------------------- the section

def verdict(name, row, steps_per_call):
    """One line: what bounds this model's images per second, from its figures."""
    mean = statistics.fmean
    share = mean(row["of_layer"])
    step_ms = row["batch"] / mean(row["kerascli"]) * 1e3
    floor_ms = row["train_flops"] * row["batch"] / (mean(row["layer_rate"]) * 1e9) * 1e3
    layer_of_matmul = mean(v / m for v, m in zip(row["layer_rate"], row["matmul"]))
    kind = ("mostly its arithmetic" if share >= 0.6 else
            "its arithmetic and the rest about equally" if share >= 0.4 else
            "mostly not its arithmetic")
    low, high = min(row["ratio"]), max(row["ratio"])
    spread = f"x{mean(row['ratio']):.2f}, range {low:.2f}-{high:.2f}"
    if low <= 1 <= high:
        loop = f"level with plain fit within the repeats' spread ({spread})"
    elif low > 1:
        loop = (f"faster than plain fit ({spread}; it runs {steps_per_call} steps per graph "
                "call, plain fit 1)")
    else:
        loop = f"slower than plain fit ({spread})"
    return (f"- {name}: {kind}. A step of {row['batch']} images takes {step_ms:.1f} ms; its "
            f"multiply-adds at the rate its biggest layer ({row['biggest']}) reaches alone would "
            f"take {floor_ms:.1f} ms ({share:.0%}), and that layer alone reaches "
            f"{layer_of_matmul:.0%} of the matmul rate. The other {1 - share:.0%} goes to the "
            f"layers without multiply-adds ({row['other_values'] / 1e3:.0f}k values per image), "
            f"the optimizer's update ({row['params'] / 1e3:.0f}k parameters a step) and per-step "
            f"overhead. Its images per second in kerascli's loop: {loop}.")


def prepare(chosen):
    """Per model: its config (EPOCHS epochs), training subset and arithmetic per image."""
    from kerascli.core import config, data, fit
    setups, loaded = {}, {}
    for name, dataset_name, steps in chosen:
        cfg = dataclasses.replace(config.make_config(name, dataset_name, out=None), epochs=EPOCHS)
        if dataset_name not in loaded:
            loaded[dataset_name] = data.load_data(cfg)
        n_fit = steps * cfg.batch_size
        part = subset(loaded[dataset_name], n_fit, cfg.validation_split)
        counts = arithmetic(fit.build_model(cfg, part))
        layer, macs = counts["biggest"]
        setups[name] = dict(
            cfg=cfg, dataset=part, n_fit=n_fit, steps=steps, layer=layer, layer_macs=macs,
            macs=counts["macs"], train_flops=6 * counts["macs"],
            other_values=counts["other_values"],
            params=counts["params"], biggest=describe(layer),
            batch=cfg.batch_size, **{k: [] for k in MEASURED})
        log(f"{name}: {counts['macs'] / 1e6:.2f} M multiply-adds/image, biggest {describe(layer)} "
            f"({macs / 1e6:.2f} M), {n_fit} training images an epoch")
    return setups


# what each repeat appends to a model's setup
MEASURED = ("kerascli", "plain", "ratio", "ratio_whole", "matmul", "layer_rate", "achieved",
            "of_matmul", "of_layer")


def measure(s, repeat, out):
    """One repeat for one model: the matmul and biggest-layer rates, then both sides (their
    order alternating from repeat to repeat); appends to ``s``."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    keras.backend.clear_session()
    # measured next to each model: the load of a shared machine moves within minutes
    matmul = matmul_rate()
    rate = layer_rate(s["layer"], s["layer_macs"], s["batch"])
    got = {}
    for side in (("kerascli", "plain") if repeat % 2 == 0 else ("plain", "kerascli")):
        keras.backend.clear_session()
        got[side] = (run_kerascli(s["cfg"], s["dataset"], s["n_fit"], out) if side == "kerascli"
                     else run_plain(s["cfg"], s["dataset"], s["n_fit"]))
    achieved = got["kerascli"][0] * s["train_flops"] / 1e9
    for key, value in (("kerascli", got["kerascli"][0]), ("plain", got["plain"][0]),
                       ("ratio", got["kerascli"][0] / got["plain"][0]),
                       ("ratio_whole", got["kerascli"][1] / got["plain"][1]),
                       ("matmul", matmul), ("layer_rate", rate), ("achieved", achieved),
                       ("of_matmul", achieved / matmul), ("of_layer", achieved / rate)):
        s[key].append(value)
    log(f"  {s['cfg'].model}: matmul {matmul:.1f}, layer {rate:.1f} GFLOP/s; images/s kerascli "
        f"{got['kerascli'][0]:.0f}, plain {got['plain'][0]:.0f} (x{s['ratio'][-1]:.2f}); "
        f"achieved {achieved:.1f} GFLOP/s")


def section(setups, chosen, command, loads, seconds, repeats):
    from kerascli.core import devices
    rows = []
    for name, dataset_name, _ in chosen:
        s = setups[name]
        rows.append(
            f"| {name} | {dataset_name} | {s['batch']} | {s['macs'] / 1e6:.2f} | "
            f"{s['train_flops'] / 1e9:.4f} | {stats(s['kerascli'], '{:.0f}')} | "
            f"{stats(s['plain'], '{:.0f}')} | {stats(s['ratio'], '{:.2f}')} | "
            f"{stats(s['ratio_whole'], '{:.2f}')} | {stats(s['achieved'], '{:.1f}')} | "
            f"{stats([100 * v for v in s['of_matmul']], '{:.0f}')} | "
            f"{s['biggest']}: {stats(s['layer_rate'], '{:.0f}')} | "
            f"{stats([100 * v for v in s['of_layer']], '{:.0f}')} |")
    matmuls = [m for name, _, _ in chosen for m in setups[name]["matmul"]]
    sizes = ", ".join(f"{name} {setups[name]['steps']} steps of {setups[name]['batch']}"
                      for name, _, _ in chosen)
    busy = max(loads) > LOADED
    return (
        f"Command: `{command}`. Machine: {_common.machine()}. Load average {loads[0]:.1f} at "
        f"start, {loads[1]:.1f} at the end"
        + (f" (above {LOADED:g} on {os.cpu_count()} cores: other processes shared them, so "
           "absolute rates are low and move from one measurement to the next; read the ratios, "
           "each taken within one repeat)" if busy else "") + f"; whole run {seconds:.0f} s.\n\n"
        f"Each model is built and compiled as `kerascli train MODEL` builds it and trained for "
        f"{EPOCHS} epochs on the first training images ({sizes} an epoch, plus their "
        f"validation share); epoch 1 (tracing) is left out and epochs 2-{EPOCHS} are timed from "
        f"each epoch's start to its validation's start. kerascli: `fit.train` with a run "
        f"directory (its callbacks, epoch backups, tf.data feed and "
        f"{devices.STEPS_PER_EXECUTION} steps per graph call), progress on a non-terminal "
        f"stderr; plain fit: `model.fit(x, y, batch_size, validation_data, shuffle=True)` on "
        f"the same model, settings and split. Figures are the mean (range) of {repeats} "
        f"repeats, the two sides interleaved (order alternating). Multiply-adds are counted "
        f"from the built model's Conv2D and Dense layers (one forward pass); batch norm, "
        f"pooling, activations, augmentation, dropout and LRN do none and are left out of the "
        f"FLOPs. Training FLOPs per image = 3 x 2 x forward multiply-adds (2 FLOPs per "
        f"multiply-add, the backward pass taken as 2x the forward). Achieved GFLOP/s = "
        f"kerascli's images/s x training FLOPs per image. The matmul rate: float32 "
        f"{MATMUL_N}x{MATMUL_N} @ {MATMUL_N}x{MATMUL_N} in TensorFlow, best of {BEST_OF}, "
        f"measured next to each model in each repeat (each share is of the rate measured next "
        f"to it): {stats(matmuls, '{:.0f}')} GFLOP/s over all. \"Biggest layer alone\": the "
        f"model's largest layer by multiply-adds at its training batch, forward plus its two "
        f"backward products (input and weight gradients), best of {BEST_OF}. The whole-epoch "
        f"ratio also counts validation and epoch-end work (backups).\n\n"
        "| model | dataset | batch | forward MMAC/image | training GFLOP/image | kerascli img/s "
        "| plain fit img/s | kerascli / plain | same, whole epoch | achieved GFLOP/s | "
        "% of matmul rate | biggest layer alone, GFLOP/s | % of that layer's rate |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
        + "\n\nWhat bounds each (derived from the figures above by the script):\n\n"
        + "\n".join(verdict(name, setups[name], devices.STEPS_PER_EXECUTION)
                    for name, _, _ in chosen))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", help="comma-separated models: "
                        + ",".join(m for m, _, _ in MODELS))
    args = parser.parse_args()
    if args.repeats < 1:
        raise SystemExit("--repeats: must be at least 1.")
    wanted = set(args.only.split(",")) if args.only else None
    chosen = [m for m in MODELS if not wanted or m[0] in wanted]
    if not chosen:
        raise SystemExit(f"--only {args.only}: none of " + ",".join(m for m, _, _ in MODELS))
    os.environ.setdefault("KERASCLI_DATA_DIR", str(_common.data_dir()))
    load_start, started = os.getloadavg()[0], time.perf_counter()
    log(f"load average at start: {load_start:.1f}")
    setups = prepare(chosen)
    with tempfile.TemporaryDirectory(prefix="kerascli-bounds-") as out:
        for repeat in range(args.repeats):
            log(f"repeat {repeat + 1}")
            for name, _, _ in chosen:
                measure(setups[name], repeat, out)
    load_end = os.getloadavg()[0]
    log(f"load average at the end: {load_end:.1f}")
    command = (f"python benchmarks/bounds.py --repeats {args.repeats}"
               + (f" --only {args.only}" if args.only else ""))
    body = section(setups, chosen, command, (load_start, load_end),
                   time.perf_counter() - started, args.repeats)
    _common.write_section(TITLE + (f" (subset: {args.only})" if args.only else ""), body)
    print(body)


if __name__ == "__main__":
    main()
