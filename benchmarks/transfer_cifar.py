"""train transfer --weights none vs train cnn on the CIFAR-10 JPEG folder, same time budget.

The folder is ../shared/datasets' CIFAR-10 as JPEGs (train/ and test/ class folders,
/tmp/kerascli-data/cifar10-images), read through kerascli's image-folder loader (streamed,
32x32). Each model trains with its kerascli defaults (transfer: mobilenetv2, batch 32,
Adam 1e-3; cnn: batch 128, Adam 1e-3) until ``--budget`` seconds of training have passed
(a callback stops it after the batch that crosses the budget), then is scored on the 10,000
test images. ``--seeds`` seeds each; mean and standard deviation are reported.

The point of transfer learning, ImageNet weights, cannot be measured here: they cannot be
downloaded offline. ``--weights none`` trains mobilenetv2 from scratch, so this row only
says what the architecture does on this CPU within the budget.

    python benchmarks/transfer_cifar.py [--budget 120] [--seeds 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

FOLDER = Path("/tmp/kerascli-data/cifar10-images")


def budget_callback(seconds):
    from kerascli.runtime import keras_module
    keras = keras_module()

    class Budget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.started = getattr(self, "started", None) or time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - self.started > seconds:
                self.model.stop_training = True

    return Budget()


def run(model, seed, budget):
    from kerascli.core import config, data, fit
    params = {"weights": "none"} if model == "transfer" else {}
    cfg = config.make_config(model, str(FOLDER), epochs=1000, seed=seed, params=params)
    dataset = data.load_data(cfg)
    result = fit.train(cfg, dataset, callbacks=[budget_callback(budget)], quiet=True)
    return result.metrics["accuracy"], result.train_seconds, result.epochs_run, cfg.batch_size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=120)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = {}
    for seed in range(args.seeds):
        for model in ("transfer", "cnn"):
            accuracy, seconds, epochs, batch = run(model, seed, args.budget)
            print(f"{model} seed {seed}: {accuracy:.4f} after {seconds:.0f} s, {epochs} epochs",
                  file=sys.stderr)
            rows.setdefault(model, []).append((accuracy, seconds, epochs, batch))
    lines = [f"`python benchmarks/transfer_cifar.py --budget {args.budget:g} --seeds {args.seeds}`",
             "", _common.machine() + "; 2 cores shared with other jobs.", "",
             f"CIFAR-10 JPEG folder (train/ minus kerascli's validation hold-out; the "
             f"10,000 images of test/), 32x32, each model stopped after {args.budget:g} s of "
             f"training; seeds 0..{args.seeds - 1}. ImageNet weights could not be fetched "
             "offline, so the gain of pretraining is NOT measured here: transfer runs with "
             "--weights none (mobilenetv2 from scratch, trained whole). 'epochs reached' "
             "counts the epoch the budget cut short.", "",
             "| model | test accuracy (mean ± std) | epochs reached | batch |",
             "|---|---:|---:|---:|"]
    for model, label in (("transfer", "train transfer --base mobilenetv2 --weights none"),
                         ("cnn", "train cnn")):
        acc = [r[0] for r in rows[model]]
        std = statistics.stdev(acc) if len(acc) > 1 else 0.0
        epochs = "/".join(str(r[2]) for r in rows[model])
        lines.append(f"| {label} | {statistics.mean(acc):.4f} ± {std:.4f} | {epochs} | "
                     f"{rows[model][0][3]} |")
    body = "\n".join(lines)
    print(body)
    _common.write_section("Transfer vs cnn on the CIFAR-10 JPEG folder, fixed time budget", body)


if __name__ == "__main__":
    main()
