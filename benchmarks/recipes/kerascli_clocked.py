"""``kerascli train MODEL`` with its defaults, plus a clock: the test accuracy after every epoch.

Runs what the CLI runs (``kerascli.core.fit.train`` on the config ``make_config`` gives for
the model's defaults, progress on stderr, no run directory) with one extra callback that
scores the test set after each epoch and leaves that scoring out of the training seconds:
the way to time "seconds to accuracy A" the same way as tf_cnn_tutorial.py. ``--stop-at A``
ends training at the first epoch that reaches A. Prints one JSON line.

    python benchmarks/recipes/kerascli_clocked.py cifar --dataset cifar10 --seed 1 --stop-at 0.67
"""
import argparse
import json
import time

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--dataset", required=True)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--stop-at", type=float, default=None)
args = parser.parse_args()

import numpy as np  # noqa: E402

from kerascli import runtime  # noqa: E402
from kerascli.core import config, data, fit  # noqa: E402

keras = runtime.keras_module()
cfg = config.make_config(args.model, args.dataset, out=None, seed=args.seed)
dataset = data.load_data(cfg)
y_test = np.asarray(dataset.y_test)


class Clock(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.t0, self.scoring, self.epochs = time.perf_counter(), 0.0, []

    def on_epoch_end(self, epoch, logs=None):
        s0 = time.perf_counter()
        proba = self.model.predict(dataset.x_test, batch_size=1000, verbose=0)
        accuracy = float(np.mean(np.argmax(proba, axis=-1) == y_test))
        self.scoring += time.perf_counter() - s0
        self.epochs.append({"epoch": epoch + 1, "test_accuracy": accuracy,
                            "seconds": time.perf_counter() - self.t0 - self.scoring})
        if args.stop_at is not None and accuracy >= args.stop_at:
            self.model.stop_training = True


clock = Clock()
result = fit.train(cfg, dataset, callbacks=[clock])
print(json.dumps({"test_accuracy": result.metrics.get("accuracy"), "epochs": clock.epochs,
                  "default_epochs": cfg.epochs}))
