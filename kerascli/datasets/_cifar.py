"""The two official CIFAR-10 layouts, read strictly.

``cifar-10-batches-bin``: ``data_batch_1.bin`` .. ``data_batch_5.bin`` and ``test_batch.bin``,
each a run of 3,073-byte records (1 label byte, then 1,024 red, 1,024 green and 1,024 blue
pixel bytes of a 32x32 image); ``batches.meta.txt`` lists the class names.

``cifar-10-batches-py`` (what Keras caches): the same batches as Python pickles of a dict
holding a uint8 NumPy array and a list of labels. They are read with an unpickler that
refuses every global except the few NumPy needs to rebuild an array, so a tampered file
cannot run code.
"""
import pickle
from pathlib import Path

from kerascli.errors import DataError

RECORD = 1 + 3 * 32 * 32
CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck")
BIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6)) + ("test_batch.bin",)
PY_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
BIN_DIR, PY_DIR = "cifar-10-batches-bin", "cifar-10-batches-py"


# --- binary layout ----------------------------------------------------------------

def check_bin_file(path):
    """Record count from the file size alone."""
    size = Path(path).stat().st_size
    if size == 0 or size % RECORD:
        raise DataError(path, f"size {size} bytes is not a whole number of {RECORD}-byte "
                              "CIFAR-10 records; the file is truncated or not CIFAR-10 binary.")
    return size // RECORD


def read_bin_file(path):
    import numpy as np
    check_bin_file(path)
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= len(CLASSES):
        bad = int(np.flatnonzero(labels >= len(CLASSES))[0])
        raise DataError(path, f"record {bad} has label {labels[bad]}, outside 0-9; "
                              "not CIFAR-10 binary (CIFAR-100 has a second label byte).")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def bin_class_names(directory):
    meta = Path(directory) / "batches.meta.txt"
    if not meta.is_file():
        return CLASSES
    names = tuple(line.strip() for line in meta.read_text(encoding="utf-8", errors="replace")
                  .splitlines() if line.strip())
    if len(names) != len(CLASSES):
        raise DataError(meta, f"lists {len(names)} class names, expected {len(CLASSES)}.")
    return names


def check_bin_dir(directory):
    """(n_train, n_test), each file checked as ``train`` reads it (:func:`read_bin_file`)."""
    counts = [len(read_bin_file(Path(directory) / f)[1]) for f in BIN_FILES]
    return sum(counts[:-1]), counts[-1]


def read_bin_dir(directory):
    import numpy as np
    parts = [read_bin_file(Path(directory) / f) for f in BIN_FILES]
    x_train = np.concatenate([p[0] for p in parts[:-1]])
    y_train = np.concatenate([p[1] for p in parts[:-1]])
    return x_train, y_train, parts[-1][0], parts[-1][1], bin_class_names(directory)


# --- python (pickle) layout -------------------------------------------------------

def _latin1_encode(text, encoding="latin1"):
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"unexpected _codecs.encode({encoding!r})")
    return text.encode("latin1")


def _numpy_globals():
    import numpy as np
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # NumPy 1.x
        from numpy.core.multiarray import _reconstruct
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
               # how Python 3 writes bytes at protocol 2: a pure str -> bytes function
               ("_codecs", "encode"): _latin1_encode}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = _reconstruct
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds dicts, lists, bytes, numbers and NumPy arrays; refuses every other global."""

    def __init__(self, file, path):
        super().__init__(file, encoding="bytes")
        self._path = path
        self._allowed = _numpy_globals()

    def find_class(self, module, name):
        found = self._allowed.get((module, name))
        if found is None:
            raise DataError(self._path, f"refusing to unpickle {module}.{name}: a CIFAR-10 batch "
                                        "holds only a dict of arrays, lists and bytes.")
        return found


def _unpickle(path):
    try:
        with open(path, "rb") as f:
            return _RestrictedUnpickler(f, path).load()
    except DataError:
        raise
    except Exception as exc:  # any malformed pickle: one line, no traceback
        raise DataError(path, f"not a CIFAR-10 python batch ({type(exc).__name__}: {exc}).") from None


def _get(obj, key, path):
    if not isinstance(obj, dict):
        raise DataError(path, f"holds a {type(obj).__name__}, expected a dict.")
    for k in (key.encode(), key):
        if k in obj:
            return obj[k]
    raise DataError(path, f"has no {key!r} entry.")


def read_py_file(path):
    import numpy as np
    batch = _unpickle(path)
    data = _get(batch, "data", path)
    labels = _get(batch, "labels", path)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != RECORD - 1:
        shape = getattr(data, "shape", None)
        raise DataError(path, f"'data' is {type(data).__name__} {shape}, expected uint8 (N, 3072).")
    if not isinstance(labels, list) or not all(type(v) is int for v in labels):
        raise DataError(path, "'labels' is not a list of integers.")
    if len(labels) != len(data):
        raise DataError(path, f"{len(labels)} labels for {len(data)} images.")
    y = np.asarray(labels, dtype=np.int64)
    if len(y) and (y.min() < 0 or y.max() >= len(CLASSES)):
        raise DataError(path, "labels outside 0-9.")
    x = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return x, y


def py_class_names(directory):
    meta = Path(directory) / "batches.meta"
    if not meta.is_file():
        return CLASSES
    names = _get(_unpickle(meta), "label_names", meta)
    names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    if len(names) != len(CLASSES):
        raise DataError(meta, f"lists {len(names)} class names, expected {len(CLASSES)}.")
    return names


def check_py_dir(directory):
    """(n_train, n_test), each batch checked as ``train`` reads it (:func:`read_py_file`,
    through the restricted unpickler): a poisoned or truncated batch is invalid here too."""
    counts = [len(read_py_file(Path(directory) / f)[1]) for f in PY_FILES]
    py_class_names(directory)
    return sum(counts[:-1]), counts[-1]


def read_py_dir(directory):
    import numpy as np
    parts = [read_py_file(Path(directory) / f) for f in PY_FILES]
    x_train = np.concatenate([p[0] for p in parts[:-1]])
    y_train = np.concatenate([p[1] for p in parts[:-1]])
    return x_train, y_train, parts[-1][0], parts[-1][1], py_class_names(directory)
