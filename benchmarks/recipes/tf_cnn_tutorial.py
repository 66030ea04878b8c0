"""The TensorFlow tutorial "Convolutional Neural Network (CNN)" (tensorflow.org/tutorials/
images/cnn) on CIFAR-10, as published: 3 convs (32, 64, 64), dense 64, Adam, batch 32,
10 epochs, the test set as validation data.

Changes: the data is read from the local JPEG copy (``_data.cifar10()``, same arrays as
``keras.datasets.cifar10.load_data()``), ``--seed`` seeds it, and a callback notes the time at
each epoch end and the time spent scoring the validation (= test) data, so the time to an
accuracy excludes scoring. ``--stop-at A`` ends training at the first epoch whose test
accuracy reaches A (to time the way to A without running the rest). It prints one JSON
line: per epoch the test accuracy and the training seconds so far.

    python benchmarks/recipes/tf_cnn_tutorial.py --seed 1 [--stop-at 0.67]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import tensorflow as tf
from tensorflow.keras import datasets, layers, models  # noqa: F401  (the tutorial's imports)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--stop-at", type=float, default=None)
args = parser.parse_args()
tf.keras.utils.set_random_seed(args.seed)


class Clock(tf.keras.callbacks.Callback):
    """Training seconds at each epoch end, validation (test scoring) time left out."""

    def on_train_begin(self, logs=None):
        self.t0, self.scoring, self.epochs = time.perf_counter(), 0.0, []

    def on_test_begin(self, logs=None):
        self.s0 = time.perf_counter()

    def on_test_end(self, logs=None):
        self.scoring += time.perf_counter() - self.s0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append({"epoch": epoch + 1, "test_accuracy": float(logs["val_accuracy"]),
                            "seconds": time.perf_counter() - self.t0 - self.scoring})
        if args.stop_at is not None and logs["val_accuracy"] >= args.stop_at:
            self.model.stop_training = True


(train_images, train_labels), (test_images, test_labels) = _data.cifar10()

# Normalize pixel values to be between 0 and 1
train_images, test_images = train_images / 255.0, test_images / 255.0

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation='relu'))
model.add(layers.Flatten())
model.add(layers.Dense(64, activation='relu'))
model.add(layers.Dense(10))

model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])

clock = Clock()
history = model.fit(train_images, train_labels, epochs=10,
                    validation_data=(test_images, test_labels), callbacks=[clock], verbose=2)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print(json.dumps({"test_accuracy": test_acc, "epochs": clock.epochs}))
