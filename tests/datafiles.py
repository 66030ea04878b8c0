"""Tiny files in the real dataset formats, for tests (import from any test: ``import datafiles``).

Every writer returns what it wrote, so a test can compare the loaded arrays with it.
"""
import gzip
import pickle
import struct
from pathlib import Path

import numpy as np

IDX_NAMES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck"]


def idx_images_bytes(images):
    n, rows, cols = images.shape
    return struct.pack(">IIII", 0x803, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels_bytes(labels):
    return struct.pack(">II", 0x801, len(labels)) + np.asarray(labels, np.uint8).tobytes()


def write_idx_dir(directory, n_train=20, n_test=10, seed=0, compress=True):
    """The four MNIST-style IDX files (gzip by default); returns (x_train, y_train, x_test, y_test)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for split, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = np.arange(n) % 10
        for name, data in zip(IDX_NAMES[split], (idx_images_bytes(x), idx_labels_bytes(y))):
            if compress:
                (directory / name).write_bytes(gzip.compress(data, mtime=0))
            else:
                (directory / name[:-3]).write_bytes(data)
        out += [x, y]
    return tuple(out)


def write_mnist_npz(path, n_train=20, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "y_train": (np.arange(n_train) % 10).astype(np.uint8),
              "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "y_test": (np.arange(n_test) % 10).astype(np.uint8)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return arrays


def cifar_images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)


def write_cifar_bin_dir(directory, per_batch=3, seed=0, meta=True):
    """cifar-10-batches-bin with ``per_batch`` records per file; returns (x_train, y_train, x_test, y_test)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    xs, ys = [], []
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for i, name in enumerate(names):
        x, y = cifar_images(per_batch, seed + i)
        planes = x.transpose(0, 3, 1, 2).reshape(per_batch, 3072)
        (directory / name).write_bytes(np.concatenate([y[:, None], planes], axis=1).tobytes())
        xs.append(x)
        ys.append(y)
    if meta:
        (directory / "batches.meta.txt").write_text("\n".join(CIFAR_CLASSES) + "\n\n")
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5]


def write_cifar_py_dir(directory, per_batch=3, seed=0):
    """cifar-10-batches-py: protocol-2 pickles with bytes keys, like the official files."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    xs, ys = [], []
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        x, y = cifar_images(per_batch, seed + i)
        batch = {b"batch_label": name.encode(), b"labels": [int(v) for v in y],
                 b"data": x.transpose(0, 3, 1, 2).reshape(per_batch, 3072).copy(),
                 b"filenames": [f"{j}.png".encode() for j in range(per_batch)]}
        (directory / name).write_bytes(pickle.dumps(batch, protocol=2))
        xs.append(x)
        ys.append(y)
    meta = {b"label_names": [c.encode() for c in CIFAR_CLASSES], b"num_vis": 3072}
    (directory / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5]


def write_image_folder(root, classes=("cat", "dog"), per_class=5, split=False, seed=0):
    """One subfolder of images per class, PNG and JPEG of different sizes; with ``split``
    a train/ and test/ level above. Returns the root."""
    from PIL import Image
    root = Path(root)
    rng = np.random.default_rng(seed)
    parts = ("train", "test") if split else ("",)
    for part in parts:
        for c, cls in enumerate(classes):
            folder = root / part / cls
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                h, w = (20, 16) if i % 2 else (40, 30)
                pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
                ext = "png" if i % 2 else "jpg"
                Image.fromarray(pixels).save(folder / f"{i:03d}.{ext}")
            (folder / "notes.txt").write_text("not an image; ignored")
    return root


def write_csv(path, rows=12):
    """A small table: two numeric features, a text column and a class label."""
    lines = ["x1,x2,colour,label"]
    for i in range(rows):
        lines.append(f"{i},{i * 0.5},{'red' if i % 2 else 'blue'},{'a' if i % 2 else 'b'}")
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


# A PNG header declaring many pixels (a decompression bomb's), for predict's and serve's tests.
def png_header(width, height):
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
