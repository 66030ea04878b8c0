"""Read the real data laid out by ../shared/datasets/prepare.py with NumPy alone, as the
recipes' ``keras.datasets.*.load_data()`` would return it (they cannot download here).
Kept apart from kerascli so a recipe process imports nothing of kerascli."""
import gzip
import os
from pathlib import Path

import numpy as np


def data_dir():
    return Path(os.environ.get("KERASCLI_DATA_DIR", "/tmp/kerascli-data"))


def _idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist():
    """((x_train, y_train), (x_test, y_test)) as keras.datasets.mnist.load_data() gives them."""
    root = data_dir() / "mnist"
    return ((_idx(root / "train-images-idx3-ubyte.gz"), _idx(root / "train-labels-idx1-ubyte.gz")),
            (_idx(root / "t10k-images-idx3-ubyte.gz"), _idx(root / "t10k-labels-idx1-ubyte.gz")))


def cifar10():
    """((x_train, y_train), (x_test, y_test)) as keras.datasets.cifar10.load_data() gives them
    (labels of shape (n, 1)), from the binary batches of the JPEG copy."""
    root = data_dir() / "cifar10" / "cifar-10-batches-bin"

    def read(names):
        records = np.concatenate([np.fromfile(root / n, np.uint8).reshape(-1, 3073) for n in names])
        images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, records[:, :1].astype(np.uint8)

    return (read([f"data_batch_{i}.bin" for i in range(1, 6)]), read(["test_batch.bin"]))
