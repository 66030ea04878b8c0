"""The IDX format of MNIST and Fashion-MNIST, read strictly, and the dataset logic both share.

An IDX file is a big-endian header (magic ``0x00000803`` for images, ``0x00000801`` for
labels, then one 32-bit size per dimension) followed by the raw uint8 values; the standard
files are gzip-compressed. Every defect (magic, dimensions, byte count, image/label count
mismatch, labels outside 0-9) raises :class:`DataError` naming the file.

:func:`check` reads headers only (and the gzip trailer's size field) so that ``kerascli
datasets`` stays instant; :func:`read_images`/:func:`read_labels` check everything.
"""
import gzip
import json
import os
import struct
import zlib
from pathlib import Path

from kerascli.datasets import _sources
from kerascli.errors import DataError

IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension
FILES = {  # role -> standard file name
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
ROWS = COLS = 28
N_CLASSES = 10


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _open(path):
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _header(path, data, kind):
    magic_expected = IMAGES_MAGIC if kind == "images" else LABELS_MAGIC
    ndim = 3 if kind == "images" else 1
    need = 4 + 4 * ndim
    if len(data) < need:
        raise DataError(path, f"too short for an IDX {kind} file ({len(data)} bytes).")
    magic = struct.unpack(">I", data[:4])[0]
    if magic != magic_expected:
        raise DataError(path, f"not an IDX {kind} file: magic number 0x{magic:08x}, "
                              f"expected 0x{magic_expected:08x}.")
    dims = struct.unpack(f">{ndim}I", data[4:need])
    if kind == "images" and dims[1:] != (ROWS, COLS):
        raise DataError(path, f"images are {dims[1]}x{dims[2]}, expected {ROWS}x{COLS}.")
    return dims, need


def check(path, kind):
    """Validate an IDX file exactly as ``train`` reads it (:func:`read_images`,
    :func:`read_labels`: the whole stream decompressed, so a flipped byte fails gzip's CRC
    and a cut-off stream fails even with its size trailer restored); return the item count."""
    path = _sources.actual(path)
    if kind == "labels":
        return len(read_labels(path, as_array=False))
    return _image_payload(path)[0][0]


def _image_payload(path):
    """(dims, offset, data) of an IDX images file, checked whole."""
    data = _read_all(path)
    dims, offset = _header(path, data, "images")
    expected = offset + dims[0] * ROWS * COLS
    if len(data) != expected:
        raise DataError(path, f"holds {len(data)} bytes, expected {expected} for {dims[0]} "
                              "images; the file is truncated or corrupt.")
    return dims, offset, data


def check_label_values(path, labels, name="label"):
    """The one range check of class labels (0-9), for ``train`` and ``kerascli datasets``
    alike; ``labels`` is bytes or an integer array."""
    if len(labels) and (min(labels) < 0 or max(labels) >= N_CLASSES):
        bad = next(i for i, v in enumerate(labels) if not 0 <= v < N_CLASSES)
        raise DataError(path, f"{name} {int(labels[bad])} at index {bad} is outside "
                              f"0-{N_CLASSES - 1}.")


def _read_all(path):
    try:
        with _open(path) as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(path, f"not a readable gzip file ({exc}); download it again.") from None


def read_images(path):
    """(N, 28, 28) uint8 images from an IDX file (gzip or not)."""
    import numpy as np
    dims, offset, data = _image_payload(_sources.actual(path))
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims).copy()  # writable


def read_labels(path, as_array=True):
    """(N,) int64 labels in 0-9 from an IDX file (gzip or not); ``as_array=False``: the
    checked label bytes, without NumPy (``kerascli datasets``)."""
    path = _sources.actual(path)
    data = _read_all(path)
    dims, offset = _header(path, data, "labels")
    if len(data) != offset + dims[0]:
        raise DataError(path, f"holds {len(data)} bytes, expected {offset + dims[0]} for "
                              f"{dims[0]} labels; the file is truncated or corrupt.")
    labels = data[offset:]
    check_label_values(path, labels)
    if not as_array:
        return labels
    import numpy as np
    return np.frombuffer(labels, dtype=np.uint8).astype(np.int64)


def _pair(directory, split):
    return directory / FILES[f"{split}_images"], directory / FILES[f"{split}_labels"]


def check_dir(directory):
    """Header checks of the four files; returns (n_train, n_test)."""
    counts = []
    for split in ("train", "test"):
        images, labels = _pair(directory, split)
        n_images, n_labels = check(images, "images"), check(labels, "labels")
        if n_images != n_labels:
            raise DataError(_sources.actual(labels), f"{n_labels} labels for {n_images} images "
                                                     f"in {_sources.actual(images).name}.")
        counts.append(n_images)
    return tuple(counts)


# --- the parsed copy: IDX folders read once ------------------------------------------------

PARSED_DIR = "parsed"  # under the cache dir (--cache-dir / KERASCLI_CACHE_DIR)


def _source_key(directory):
    """What a parsed copy of ``directory`` stands for: each file's resolved path, size, mtime,
    ctime (a rewrite that puts the old mtime back still moves the ctime) and last 8 bytes (a
    gzip file's CRC-32 and length of its content: a rewrite within one tick of the file
    system's clock, same size, still differs there)."""
    key = []
    for name in FILES.values():
        path = _sources.actual(Path(directory) / name).resolve()
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            f.seek(max(0, st.st_size - 8))
            tail = f.read(8).hex()
        key.append([str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, tail])
    return json.dumps(key)


def parsed_path(directory, cache):
    """Where the parsed copy of the IDX folder ``directory`` lives under ``cache``."""
    import hashlib
    tag = hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:16]
    return Path(cache) / PARSED_DIR / f"{Path(directory).name}-{tag}.npz"


def _read_parsed(path, key):
    """The arrays of a parsed copy made from the files ``key`` describes, or None when there
    is none, it was made from other files, or it is damaged (zip's CRC-32 of every array is
    checked as it is read; shapes, dtypes and the label range are checked again)."""
    import zipfile

    import numpy as np
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["source"]) != key:
                return None
            arrays = tuple(z[k] for k in NPZ_KEYS)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None
    for x, y in (arrays[:2], arrays[2:]):
        if (x.dtype != np.uint8 or x.shape[1:] != (ROWS, COLS, 1) or y.dtype != np.int64
                or y.ndim != 1 or len(y) != len(x)
                or (len(y) and (y.min() < 0 or y.max() >= N_CLASSES))):
            return None
    return arrays


def _write_parsed(path, key, arrays):
    """Keep ``arrays`` as the parsed copy (uncompressed .npz, written atomically); a cache that
    cannot be written only costs the next run the parse."""
    import numpy as np

    from kerascli import artifacts
    try:
        artifacts.write_arrays(path, {"source": np.array(key), **dict(zip(NPZ_KEYS, arrays))})
    except OSError:
        pass


def read_dir_cached(directory, cache):
    """:func:`read_dir`, from the parsed copy under ``cache`` when the four files are the ones
    it was made from (same path, size, mtime and ctime) and it reads back whole; otherwise the
    files are read and checked and the copy is (re)written. Parsing the gzip files costs about
    0.3 s per MNIST run; the copy reads in about 0.05 s (benchmarks/fixed_cost.py)."""
    try:
        key = _source_key(directory)  # before reading: a file changed meanwhile misses next time
    except OSError:
        return read_dir(directory)
    path = parsed_path(directory, cache)
    arrays = _read_parsed(path, key)
    if arrays is None:
        arrays = read_dir(directory)
        _write_parsed(path, key, arrays)
    return arrays


def read_dir(directory):
    out = []
    for split in ("train", "test"):
        images_path, labels_path = _pair(directory, split)
        images, labels = read_images(images_path), read_labels(labels_path)
        if len(images) != len(labels):
            raise DataError(_sources.actual(labels_path), f"{len(labels)} labels for "
                                                          f"{len(images)} images in {images_path.name}.")
        out += [images[..., None], labels]
    return tuple(out)


# --- mnist.npz, the file Keras caches ------------------------------------------------

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path):
    import zipfile

    import numpy as np
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in NPZ_KEYS if k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # "PK" then garbage
        raise DataError(path, f"not a readable .npz file ({exc}).") from None
    missing = [k for k in NPZ_KEYS if k not in arrays]
    if missing:
        raise DataError(path, f"has no array {missing[0]!r} (needs {', '.join(NPZ_KEYS)}).")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (ROWS, COLS):
            raise DataError(path, f"x_{split} is {x.dtype} {x.shape}, expected uint8 (N, 28, 28).")
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(path, f"y_{split} has shape {y.shape} for {len(x)} images.")
        check_label_values(path, y, name=f"y_{split} label")
    return (arrays["x_train"][..., None], arrays["y_train"].astype(np.int64),
            arrays["x_test"][..., None], arrays["y_test"].astype(np.int64))


def check_npz(path):
    """Counts from the .npy headers inside the zip, without NumPy."""
    import ast
    import zipfile
    shapes = {}
    try:
        with zipfile.ZipFile(path) as z:
            for key in NPZ_KEYS:
                try:
                    with z.open(f"{key}.npy") as f:
                        head = f.read(10)
                        if head[:6] != b"\x93NUMPY":
                            raise DataError(path, f"{key}.npy is not a .npy array.")
                        hlen = (struct.unpack("<H", head[8:10])[0] if head[6] == 1
                                else struct.unpack("<I", head[8:10] + f.read(2))[0])
                        shapes[key] = ast.literal_eval(f.read(hlen).decode("latin1"))["shape"]
                except KeyError:
                    raise DataError(path, f"has no array {key!r}.") from None
    except (OSError, zipfile.BadZipFile, ValueError, SyntaxError) as exc:
        raise DataError(path, f"not a readable .npz file ({exc}).") from None
    for split in ("train", "test"):
        if len(shapes[f"x_{split}"]) != 3 or shapes[f"y_{split}"][:1] != shapes[f"x_{split}"][:1]:
            raise DataError(path, f"x_{split}/y_{split} shapes disagree.")
    _check_npz_labels(path)
    return shapes["x_train"][0], shapes["x_test"][0]


def _check_npz_labels(path):
    """The labels' range, as :func:`read_npz` checks it (the label arrays are small)."""
    import numpy as np
    try:
        with np.load(path, allow_pickle=False) as z:
            for split in ("train", "test"):
                check_label_values(path, z[f"y_{split}"], name=f"y_{split} label")
    except DataError:
        raise
    except (OSError, ValueError) as exc:
        raise DataError(path, f"not a readable .npz file ({exc}).") from None


# --- the dataset logic shared by mnist.py and fashion_mnist.py ------------------------

def candidates(name, options, keras_npz=None):
    files = tuple(FILES.values())
    found = []
    base = _sources.data_dir(options)
    if base:
        found.append(_sources.Candidate("data-dir", base / name, "idx", files))
    keras = _sources.keras_datasets_dir()
    if keras_npz:
        found.append(_sources.Candidate("keras-cache", keras, "npz", (keras_npz,)))
    else:
        found.append(_sources.Candidate("keras-cache", keras / name, "idx", files))
    found.append(_sources.Candidate("cache", _sources.cache_dir(options) / name, "idx", files))
    return found


def locate(name, options, remotes, keras_npz=None):
    """Where to read ``name`` from, downloading into the cache if allowed and needed."""
    cands = candidates(name, options, keras_npz)
    hit = _sources.find(name, cands)
    if hit:
        return hit
    reason = "downloads are off"
    if options.download:
        try:
            download(name, options, remotes)
            return cands[-1]
        except _sources.DownloadFailed as exc:
            reason = str(exc)
    raise _sources.not_found(name, list(FILES.values()), name, options, reason)


def download(name, options, remotes, progress=True):
    directory = _sources.cache_dir(options) / name
    for remote in remotes:
        _sources.fetch(remote, directory, progress=progress)
    try:
        check_dir(directory)
    except DataError:  # official checksums matched, so this cannot happen; never keep it
        for remote in remotes:
            (directory / remote.name).unlink(missing_ok=True)
        raise
    return directory


def load(name, options, remotes, class_names, keras_npz=None):
    from kerascli.datasets import CLASSIFICATION, IMAGE, Dataset
    hit = locate(name, options, remotes, keras_npz)
    if hit.layout == "npz":
        source = hit.paths()[0]
        x_train, y_train, x_test, y_test = read_npz(source)
    else:
        source = hit.directory
        x_train, y_train, x_test, y_test = read_dir_cached(source, _sources.cache_dir(options))
    return Dataset(name=name, task=CLASSIFICATION, kind=IMAGE, x_train=x_train, y_train=y_train,
                   x_test=x_test, y_test=y_test, input_shape=(ROWS, COLS, 1), source=str(source),
                   class_names=tuple(class_names),
                   extra={"format": hit.layout, "found_in": hit.where})


def status(name, options, remotes, keras_npz=None, known=()):
    """Where ``name`` would be read from and whether it is there and valid (headers only)."""
    cands = candidates(name, options, keras_npz)
    try:
        hit = _sources.find(name, cands)
    except DataError as exc:
        return {"present": False, "valid": False, "location": str(cands[0].directory),
                "found_in": "data-dir", "error": str(exc), "checksum": None}
    if hit is None:
        return {"present": False, "valid": None, "location": str(cands[-1].directory),
                "found_in": "download", "checksum": None,
                "note": f"downloads from {_sources.urls_for(remotes[0])[0].rsplit('/', 1)[0]}/"}
    out = {"present": True, "location": str(hit.directory if hit.layout == "idx" else hit.paths()[0]),
           "found_in": hit.where, "format": hit.layout}
    try:
        n_train, n_test = check_npz(hit.paths()[0]) if hit.layout == "npz" else check_dir(hit.directory)
        out.update(valid=True, n_train=n_train, n_test=n_test)
    except DataError as exc:
        out.update(valid=False, error=str(exc))
    hashes = _sources.HashCache(_sources.cache_dir(options))
    try:
        out["checksum"] = _sources.checksum_status(hit.paths(), tuple(remotes) + tuple(known),
                                                   hashes)
    except OSError as exc:
        out["checksum"] = f"unreadable ({exc.strerror})"
    hashes.save()
    return out
