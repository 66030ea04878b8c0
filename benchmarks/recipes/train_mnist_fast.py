"""tuomaso/train_mnist_fast's final recipe (8_Final_00s76.ipynb), the fastest published MNIST
recipe we know of, written in plain Keras.

As published: conv 5x5x24, max-pool 2, ReLU, conv 3x3x32, max-pool 2, ReLU, dense 256 ReLU,
dense 10 (log-softmax + NLL = softmax cross-entropy); inputs standardised with MNIST's mean and
standard deviation (0.1307, 0.3081); Adam at 0.01 with betas (0.7, 0.9) under PyTorch's
OneCycleLR (defaults: from 0.01/25, a cosine rise to 0.01 over the first 30% of the steps, a
cosine fall to 0.01/25/1e4; momentum not cycled), batch 256, the training images in their
file order (no shuffling), no validation. The original reports 99.04% after 1 epoch and
99.245% after 2 on a laptop GPU; ``--epochs`` defaults to 2.

Kept from Keras: its default weight initialisation (PyTorch's differs). The data is read from
the local copy (``_data.mnist()``). It prints one JSON line: test accuracy, training seconds.

    python benchmarks/recipes/train_mnist_fast.py --seed 1 [--epochs 2]
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import keras
from keras import layers, ops

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()
keras.utils.set_random_seed(args.seed)


class OneCycleLR(keras.optimizers.schedules.LearningRateSchedule):
    """PyTorch's OneCycleLR with its defaults (pct_start 0.3, cosine annealing, div_factor 25,
    final_div_factor 1e4), stepping once per batch."""

    def __init__(self, max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div=1e4):
        self.max_lr, self.total = max_lr, float(total_steps)
        self.initial = max_lr / div_factor
        self.final = self.initial / final_div
        self.rise = float(pct_start * total_steps) - 1.0

    def __call__(self, step):
        step = ops.cast(step, "float32")

        def cos(start, end, fraction):
            return end + (start - end) / 2.0 * (ops.cos(math.pi * fraction) + 1.0)

        up = cos(self.initial, self.max_lr, ops.minimum(step / self.rise, 1.0))
        down = cos(self.max_lr, self.final,
                   ops.clip((step - self.rise) / (self.total - 1.0 - self.rise), 0.0, 1.0))
        return ops.where(step <= self.rise, up, down)


(x_train, y_train), (x_test, y_test) = _data.mnist()
x_train = ((x_train.astype("float32") / 255 - 0.1307) / 0.3081)[..., None]
x_test = ((x_test.astype("float32") / 255 - 0.1307) / 0.3081)[..., None]

batch_size = 256
steps = math.ceil(len(x_train) / batch_size) * args.epochs
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(24, 5), layers.MaxPooling2D(2), layers.ReLU(),
    layers.Conv2D(32, 3), layers.MaxPooling2D(2), layers.ReLU(),
    layers.Flatten(),
    layers.Dense(256, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(OneCycleLR(0.01, steps), beta_1=0.7, beta_2=0.9),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
model.fit(x_train, y_train, batch_size=batch_size, epochs=args.epochs, shuffle=False, verbose=2)
train_seconds = time.perf_counter() - started
_, accuracy = model.evaluate(x_test, y_test, batch_size=2000, verbose=0)
print(json.dumps({"test_accuracy": accuracy, "train_seconds": train_seconds}))
