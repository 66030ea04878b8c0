"""Tiny generated datasets for the model tests (no files, no downloads)."""
import pytest


def tiny_dataset(kind, shape=(28, 28, 1), n_classes=3, n_train=24, n_test=9, task="classification",
                 seed=0):
    import numpy as np
    from kerascli.datasets import Dataset

    rng = np.random.default_rng(seed)
    if kind == "image":
        x = rng.integers(0, 256, (n_train + n_test, *shape), dtype=np.uint8)
    else:
        x = rng.normal(5.0, 2.0, (n_train + n_test, *shape)).astype("float32")
    if task == "classification":
        y = np.arange(n_train + n_test) % n_classes
        names = tuple(f"c{i}" for i in range(n_classes))
    else:
        y = (x.reshape(len(x), -1)[:, 0] * 3.0 + 10.0).astype("float32")
        names = None
    return Dataset(name=f"tiny-{kind}", task=task, kind=kind, x_train=x[:n_train],
                   y_train=y[:n_train], x_test=x[n_train:], y_test=y[n_train:],
                   input_shape=tuple(shape), source="generated", class_names=names)


@pytest.fixture
def make_tiny():
    return tiny_dataset
