"""What data a run was made of, as a fingerprint kept in config.json.

A CSV file or an image folder: its size in bytes and a SHA-256 of its contents (a folder's
over its files' relative paths and contents, in sorted order). A registry dataset: a SHA-256
of the arrays it loads (train and test parts, values, dtype and shape). ``evaluate`` compares
the fingerprint of the data it is about to score with the recorded one: a CSV that lost rows
after training has another split, and rows the model trained on may now be test rows.
"""
import hashlib
from pathlib import Path

CHUNK = 1 << 20


def _file_digest(path, digest):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)


def of_path(path):
    """{"kind": "file"|"folder", "size": bytes, "sha256": hex} of a file or a folder."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        size = 0
        for p in files:
            digest.update(p.relative_to(path).as_posix().encode() + b"\0")
            _file_digest(p, digest)
            size += p.stat().st_size
        return {"kind": "folder", "files": len(files), "size": size, "sha256": digest.hexdigest()}
    _file_digest(path, digest)
    return {"kind": "file", "size": path.stat().st_size, "sha256": digest.hexdigest()}


def of_split(x_train, y_train, x_test, y_test):
    """{"kind": "arrays", "size": bytes, "sha256": hex} over a split's arrays (values, order,
    dtype and shape; image files of a folder: which files, at which size): equal digests mean
    the same rows in the same order on both sides of the split (compare's "same split")."""
    import numpy as np

    digest, size = hashlib.sha256(), 0
    for a in (x_train, y_train, x_test, y_test):
        if hasattr(a, "paths"):  # image files (a folder), not decoded
            digest.update(f"files{a.shape}".encode() + "\n".join(map(str, a.paths)).encode())
            continue
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
        size += a.nbytes
    return {"kind": "arrays", "size": size, "sha256": digest.hexdigest()}


def of_arrays(dataset):
    """:func:`of_split` of a dataset's train and test parts."""
    return of_split(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)


def record(path, dataset):
    """The fingerprint of the data at ``path`` (a CSV or folder), else of ``dataset``'s arrays."""
    if path is not None and Path(path).exists():
        return of_path(path)
    return of_arrays(dataset)


def difference(recorded, current):
    """None when the two fingerprints match, else a short phrase saying how they differ."""
    if not recorded or recorded.get("sha256") == current.get("sha256"):
        return None
    if recorded.get("size") != current.get("size"):
        return f"{recorded['size']:,} bytes at training, {current['size']:,} now"
    return "same size, other contents (SHA-256 differs)"


def of_test_rows(x_test, y_test):
    """SHA-256 of the test rows (inputs and labels, in order; image files by path): two runs
    with equal ones were scored on the same rows, so their predictions pair up row by row."""
    import numpy as np

    digest = hashlib.sha256()
    for a in (x_test, y_test):
        if hasattr(a, "paths"):  # image files streamed from a folder
            digest.update(f"files{a.shape}".encode() + "\n".join(map(str, a.paths)).encode())
            continue
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()
