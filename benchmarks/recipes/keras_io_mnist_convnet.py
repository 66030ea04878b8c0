"""keras-io's "Simple MNIST convnet" (examples/vision/mnist_convnet.py, fchollet), as published.

Two changes only: the data is read from the local copy (``_data.mnist()``: this machine cannot
download; same arrays as ``keras.datasets.mnist.load_data()``), and ``--seed`` seeds it
(``keras.utils.set_random_seed``). It prints one JSON line with the test accuracy.

    python benchmarks/recipes/keras_io_mnist_convnet.py --seed 1
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import keras
from keras import layers

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=1)
keras.utils.set_random_seed(parser.parse_args().seed)

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# Load the data and split it between train and test sets
(x_train, y_train), (x_test, y_test) = _data.mnist()

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

batch_size = 128
epochs = 15

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1,
          verbose=2)

score = model.evaluate(x_test, y_test, verbose=0)
print(json.dumps({"test_loss": score[0], "test_accuracy": score[1]}))
