"""How the defaults of cnn, alexnet and cifar were chosen: validation accuracy per second.

Each candidate is a model with some settings (epochs, batch size, learning rate, the model's
own options) trained by kerascli's own loop (``kerascli.core.fit.train``, the code behind
``kerascli train``) on the training part of the real data minus kerascli's 10% validation
split. The TEST SET IS WITHHELD: the dataset handed to ``train`` has its test part replaced
by one training image, so no test image is ever scored here. Reported per candidate: the
validation accuracy after the last epoch (mean and spread over the seeds), the first epoch
at which validation accuracy reached the model's bar, and the training seconds. The default
is the cheapest candidate that clears the bar on validation in the statistic its target
names: the mean over the seeds for cnn and cifar (issue 30's targets are mean test
accuracies), every seed for alexnet ("every seed, not the mean"); the test set is scored
once, by the final benchmarks (peers.py, models.py).

    python benchmarks/defaults.py --model cnn [--seeds 1] [--only LABEL,LABEL]

Seconds are wall clock on a machine that may be shared: compare candidates within one run.
"""
import argparse
import functools
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

FAST_MNIST = dict(batch_size=256, learning_rate=0.01, params={
    "filters": (24, 32), "kernel_sizes": (5, 3), "dense_units": 256, "dropout": 0.0,
    "schedule": "one-cycle"})


def _small(epochs, widths, stem="learned", **params):
    """cifar's small recipe, every setting explicit (batch 256, Adam at 4e-3 with one cycle)."""
    return dict(epochs=epochs, batch_size=256, learning_rate=4e-3,
                params={"recipe": "small", "widths": widths, "stem": stem, **params})


# model -> (dataset, validation bar, candidates); a candidate is (label, settings) where the
# settings are make_config keywords (epochs, batch_size, learning_rate, params)
CANDIDATES = {
    "cnn": ("mnist", 0.992, [
        ("padded 32/64, dense 1024, 4 epochs (the old default)",
         dict(epochs=4, learning_rate=1e-3,
              params={"filters": (32, 64), "dense_units": 1024, "padding": "same"})),
        ("valid 32/64, dense 256, 4 epochs", dict(epochs=4, learning_rate=1e-3)),
        ("valid 32/64, dense 256, 3 epochs", dict(epochs=3, learning_rate=1e-3)),
        ("valid 32/64, dense 256, 3 epochs, lr 2e-3", dict(epochs=3, learning_rate=2e-3)),
        ("valid 16/32, dense 128, 6 epochs",
         dict(epochs=6, learning_rate=1e-3, params={"filters": (16, 32), "dense_units": 128})),
        ("valid 16/32, dense 128, 6 epochs, lr 2e-3",
         dict(epochs=6, learning_rate=2e-3, params={"filters": (16, 32), "dense_units": 128})),
        ("valid 16/32, dense 256, 5 epochs, lr 2e-3",
         dict(epochs=5, learning_rate=2e-3, params={"filters": (16, 32), "dense_units": 256})),
        ("valid 32/64, dense 256, 4 epochs, batch 256, lr 2e-3",
         dict(epochs=4, batch_size=256, learning_rate=2e-3)),
        ("valid 32/64, dense 256, 5 epochs, lr 2e-3 (the default)", dict()),
        ("valid 32/64, dense 512, 4 epochs, lr 2e-3",
         dict(epochs=4, learning_rate=2e-3, params={"dense_units": 512})),
        ("valid 32/64, dense 1024, 4 epochs, lr 2e-3",
         dict(epochs=4, learning_rate=2e-3, params={"dense_units": 1024})),
        # Caffe's LeNet widths (20/50): half the multiply-adds of 32/64
        ("valid 20/50, dense 256, 5 epochs, lr 2e-3",
         dict(epochs=5, learning_rate=2e-3, params={"filters": (20, 50)})),
        ("valid 20/50, dense 500, 5 epochs, lr 2e-3",
         dict(epochs=5, learning_rate=2e-3, params={"filters": (20, 50), "dense_units": 500})),
        ("valid 24/48, dense 256, 5 epochs, lr 2e-3",
         dict(epochs=5, learning_rate=2e-3, params={"filters": (24, 48)})),
        ("valid 24/48, dense 256, 6 epochs, lr 2e-3",
         dict(epochs=6, learning_rate=2e-3, params={"filters": (24, 48)})),
        ("valid 20/50, dense 256, 6 epochs, lr 2e-3",
         dict(epochs=6, learning_rate=2e-3, params={"filters": (20, 50)})),
        # train_mnist_fast's net and schedule (benchmarks/recipes/train_mnist_fast.py): 5x5x24,
        # 3x3x32, dense 256, no dropout, one cycle with Adam betas 0.7/0.9
        ("fast: 24/32, kernels 5/3, no dropout, one cycle, batch 256, lr 0.01, 2 epochs",
         dict(epochs=2, **FAST_MNIST)),
        ("fast, 3 epochs", dict(epochs=3, **FAST_MNIST)),
        ("fast, 3 epochs, batch 512", dict(epochs=3, **{**FAST_MNIST, "batch_size": 512})),
        ("fast, 3 epochs, batch 512, lr 0.02",
         dict(epochs=3, **{**FAST_MNIST, "batch_size": 512, "learning_rate": 0.02})),
        ("fast, 2 epochs, batch 128", dict(epochs=2, **{**FAST_MNIST, "batch_size": 128})),
        ("fast, dropout 0.25, 3 epochs",
         dict(epochs=3, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dropout": 0.25}})),
        ("fast, batch norm, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "norm": "batch"}})),
        ("fast, batch norm, 2 epochs, batch 512, lr 0.02",
         dict(epochs=2, **{**FAST_MNIST, "batch_size": 512, "learning_rate": 0.02,
                           "params": {**FAST_MNIST["params"], "norm": "batch"}})),
        ("fast, batch norm, 3 epochs, batch 512, lr 0.02",
         dict(epochs=3, **{**FAST_MNIST, "batch_size": 512, "learning_rate": 0.02,
                           "params": {**FAST_MNIST["params"], "norm": "batch"}})),
        ("fast, dropout 0.5, 4 epochs",
         dict(epochs=4, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dropout": 0.5}})),
        ("fast, dropout 0.5, 3 epochs",
         dict(epochs=3, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dropout": 0.5}})),
        ("20/50, kernels 5/5, dropout 0.5, one cycle, batch 256, lr 0.01, 4 epochs",
         dict(epochs=4, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dropout": 0.5,
                                                    "filters": (20, 50),
                                                    "kernel_sizes": (5, 5)}})),
        # the recipe through kerascli runs in 0.9x the recipe's process time (peers.py) but
        # stays under the bar: what else at about its cost moves validation accuracy
        ("fast, dropout 0.25, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dropout": 0.25}})),
        ("fast, 2 epochs, lr 0.005", dict(epochs=2, **{**FAST_MNIST, "learning_rate": 0.005})),
        ("fast, widths 32/48, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"],
                                                    "filters": (32, 48)}})),
        ("fast, dropout 0.25, 3 epochs, lr 0.005",
         dict(epochs=3, **{**FAST_MNIST, "learning_rate": 0.005,
                           "params": {**FAST_MNIST["params"], "dropout": 0.25}})),
        # label smoothing (cifar's recipe has 0.2): a softer target at the recipe's high rate
        ("fast, label smoothing 0.1, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"],
                                                    "label_smoothing": 0.1}})),
        ("fast, label smoothing 0.2, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"],
                                                    "label_smoothing": 0.2}})),
        ("fast, label smoothing 0.1, 1 epoch",
         dict(epochs=1, **{**FAST_MNIST, "params": {**FAST_MNIST["params"],
                                                    "label_smoothing": 0.1}})),
        ("fast, label smoothing 0.2, widths 16/32, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "filters": (16, 32),
                                                    "label_smoothing": 0.2}})),
        ("fast, label smoothing 0.2, dense 128, 2 epochs",
         dict(epochs=2, **{**FAST_MNIST, "params": {**FAST_MNIST["params"], "dense_units": 128,
                                                    "label_smoothing": 0.2}})),
    ]),
    "alexnet": ("mnist", 0.992, [
        ("the old shape (64/128/192/192/128, dense 1024, stride 1), lr 5e-4, 1 epoch",
         dict(epochs=1, learning_rate=5e-4,
              params={"filters": (64, 128, 192, 192, 128), "dense_units": 1024,
                      "first_stride": 1})),
        ("32/64/96/96/64, dense 512, stride 2, 4 epochs",
         dict(epochs=4, learning_rate=1e-3, params={"first_stride": 2})),
        ("32/64/96/96/64, dense 512, stride 2, 6 epochs",
         dict(epochs=6, learning_rate=1e-3, params={"first_stride": 2})),
        ("32/64/96/96/64, dense 512, stride 2, 4 epochs, lr 2e-3",
         dict(epochs=4, params={"first_stride": 2})),
        ("64/128/192/192/128, dense 1024, stride 2, 3 epochs",
         dict(epochs=3, learning_rate=1e-3, params={"filters": (64, 128, 192, 192, 128),
                                                    "dense_units": 1024, "first_stride": 2})),
        ("32/64/96/96/64, dense 512, stride 1, 3 epochs, lr 2e-3", dict(epochs=3)),
        ("32/64/96/96/64, dense 512, stride 1, 4 epochs, lr 2e-3 (the default)", dict()),
        ("32/64/96/96/64, dense 512, stride 2, 8 epochs, lr 2e-3",
         dict(epochs=8, params={"first_stride": 2})),
        # narrower, same shape: the second convolution holds half the multiply-adds
        ("24/48/72/72/48, dense 384, stride 1, 4 epochs, lr 2e-3",
         dict(params={"filters": (24, 48, 72, 72, 48), "dense_units": 384})),
        ("16/32/48/48/32, dense 256, stride 1, 5 epochs, lr 2e-3",
         dict(epochs=5, params={"filters": (16, 32, 48, 48, 32), "dense_units": 256})),
    ]),
    # cifar's bar: issue 30's 85% (the first round's was 80%) plus the 1.0 point by which the
    # first round's default scored lower on test than on validation (0.8132 against 0.8234,
    # RESULTS.md), measured before this round: a candidate just at 85% on validation would
    # miss the target on test. Every setting is spelled out, so a later change of cifar's
    # defaults does not change what a candidate means.
    "cifar": ("cifar10", 0.86, [
        ("small 16/32/64, 20 epochs, batch 256, lr 4e-3", _small(20, (16, 32, 64))),
        ("small 32/64/128, 8 epochs, batch 256, lr 4e-3", _small(8, (32, 64, 128))),
        ("small 16/32/64, 24 epochs, batch 256, lr 4e-3",
         _small(24, (16, 32, 64), test_time="none")),
        ("classic (the old default), 40 epochs, batch 64, lr 2e-3",
         dict(params={"recipe": "classic"})),
        # test-time flip averaging changes no training step: the last column scores the same
        # trained models without it
        ("small 16/32/64, 24 epochs, batch 256, lr 4e-3, test-time flips (the first round's "
         "default)", _small(24, (16, 32, 64))),
        # issue 30: 85% in 10 minutes; wider blocks, fewer epochs
        ("small 32/64/128, 16 epochs, batch 256, lr 4e-3", _small(16, (32, 64, 128))),
        ("small 24/48/96, 20 epochs, batch 256, lr 4e-3", _small(20, (24, 48, 96))),
        ("small 32/64/128, 12 epochs, whitened stem", _small(12, (32, 64, 128), stem="whiten")),
        ("small 24/48/96, 16 epochs, whitened stem", _small(16, (24, 48, 96), stem="whiten")),
        ("small 32/64/128, 12 epochs", _small(12, (32, 64, 128))),
        ("small 32/64/128, 14 epochs, whitened stem", _small(14, (32, 64, 128), stem="whiten")),
    ]),
}


def validation_clock(keras, bar):
    """A callback noting each epoch's validation accuracy and the training time so far."""

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.t0, self.epochs = time.perf_counter(), []

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append((float(logs.get("val_accuracy", float("nan"))),
                                time.perf_counter() - self.t0))

    return Clock()


def without_flip_average(model, keras, x_val, y_val):
    """Validation accuracy of ``model`` with its test-time flip averaging (the FlipPair and
    AverageFlipPair layers) skipped: the same trained weights, each image predicted once.
    None for a model without them."""
    import numpy as np
    pair = ("FlipPair", "AverageFlipPair")
    if not any(type(layer).__name__ in pair for layer in model.layers):
        return None
    hits = 0
    for start in range(0, len(x_val), 500):
        out = keras.ops.convert_to_tensor(np.asarray(x_val[start:start + 500]))
        for layer in model.layers:
            if type(layer).__name__ not in pair:
                out = layer(out, training=False)
        hits += int(np.sum(np.argmax(np.asarray(out), axis=-1)
                           == np.asarray(y_val[start:start + 500])))
    return hits / len(x_val)


spread = functools.partial(_common.mean_range, fmt="{:.4f}", single=" (1 seed)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(CANDIDATES), required=True)
    parser.add_argument("--seeds", type=int, default=1, help="seeds 1..N per candidate")
    parser.add_argument("--only", help="comma-separated candidate numbers (1-based)")
    args = parser.parse_args()
    data_dir = _common.data_dir()
    os.environ["KERASCLI_DATA_DIR"] = str(data_dir)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    from kerascli import runtime
    from kerascli.core import config as core_config, data as core_data, fit as core_fit
    keras = runtime.keras_module()

    dataset_name, bar, candidates = CANDIDATES[args.model]
    chosen = ([candidates[int(i) - 1] for i in args.only.split(",")] if args.only
              else candidates)
    dataset = None
    load_start, started, rows = os.getloadavg()[0], time.perf_counter(), []
    for label, settings in chosen:
        finals, reached, seconds, once = [], [], [], []
        for seed in range(1, args.seeds + 1):
            cfg = core_config.make_config(args.model, dataset_name, out=None,
                                          data_dir=str(data_dir), seed=seed, **settings)
            if dataset is None:
                full = core_data.load_data(cfg)
                # withhold the test set: nothing here may score it
                dataset = dataclasses.replace(full, x_test=full.x_train[:1],
                                              y_test=full.y_train[:1])
                del full
            clock = validation_clock(keras, bar)
            trained = core_fit.train(cfg, dataset, callbacks=[clock], quiet=True)
            accuracies = [acc for acc, _ in clock.epochs]
            finals.append(accuracies[-1])
            _, _, x_val, y_val = core_data.validation_split(dataset, cfg.validation_split,
                                                            cfg.seed)
            plain = without_flip_average(trained.model, keras, x_val, y_val)
            if plain is not None:
                once.append(plain)
                log(f"{label}, seed {seed}: final validation without test-time flips "
                    f"{plain:.4f}")
            seconds.append(clock.epochs[-1][1])
            hit = next((i + 1 for i, acc in enumerate(accuracies) if acc >= bar), None)
            reached.append(str(hit) if hit else "-")
            log(f"{label}, seed {seed}: validation "
                + " ".join(f"{acc:.4f}" for acc in accuracies) + f" ({seconds[-1]:.0f} s)")
        cleared = sum(acc >= bar for acc in finals)
        rows.append(f"| {label} | {spread(finals)} | {cleared}/{len(finals)} | "
                    f"{', '.join(reached)} | {statistics.fmean(seconds):.0f} | "
                    f"{spread(once) if once else '-'} |")
        log(rows[-1])
    command = (f"python benchmarks/defaults.py --model {args.model} --seeds {args.seeds}"
               + (f" --only {args.only}" if args.only else ""))
    body = (f"Command: `{command}`. Machine: {_common.machine()}; load average "
            f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end; whole run "
            f"{time.perf_counter() - started:.0f} s. Trained by kerascli's loop on the training "
            f"part minus the 10% validation split (seeds 1..{args.seeds}, each seed its own "
            f"split); the test set is withheld. Bar: validation accuracy {bar:.1%}.\n\n"
            "| candidate | final validation accuracy (mean, range) | seeds at the bar | "
            "epoch reaching the bar | train s (mean) | the same models without test-time flip "
            "averaging |\n|---|---|---|---|---|---|\n"
            + "\n".join(rows))
    subset = f"; candidates {args.only}" if args.only else ""
    _common.write_section(f"Choosing the {args.model} defaults ({dataset_name}, validation "
                          f"split{subset})", body)
    print(body)


if __name__ == "__main__":
    main()
