"""Atomic artifacts.

Every file kerascli writes goes to a temporary file in the target's own directory and is
renamed into place with :func:`os.replace`, so a crash at any moment leaves the old file or
the new one, never half of one. The temporary files of writes under way are remembered, so an
exit that cannot unwind (:mod:`kerascli.core.interrupt` ending a process stuck in a graph call)
removes them first with :func:`discard_pending`: nothing half-written is left, not even hidden.
"""
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from kerascli.errors import UserError

FILE_MODE = 0o644
MIN_FREE_BYTES = 50 * 1024 * 1024
_PENDING = set()  # temporary paths of atomic writes under way (files or folders)


def discard_pending():
    """Delete the temporary files and folders of atomic writes still under way (called by a
    process about to end without unwinding); the targets keep their previous content."""
    for tmp in list(_PENDING):
        with contextlib.suppress(OSError):
            if os.path.isdir(tmp) and not os.path.islink(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.unlink(tmp)
        _PENDING.discard(tmp)


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    ``suffix`` defaults to the target's own suffix (Keras insists a model path ends in .h5).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-",
                               suffix=path.suffix if suffix is None else suffix, dir=path.parent)
    os.close(fd)
    _PENDING.add(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)  # mkstemp files are 0600 and keep that after os.replace
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        _PENDING.discard(tmp)


@contextlib.contextmanager
def atomic_dir(path):
    """Yield a fresh temporary folder beside ``path``; once the block succeeds, rename it to
    ``path`` (which must not exist yet): a reader sees the whole folder or none of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    _PENDING.add(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp folders are 0700
        for name in os.listdir(tmp):  # the content on disk before the name points at it
            _fsync_file(os.path.join(tmp, name))
        _fsync_dir(tmp)
        os.rename(tmp, path)  # atomic; fails if path exists, never merges
        _fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _PENDING.discard(tmp)


def _fsync_file(path):
    with contextlib.suppress(OSError):
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def _fsync_dir(path):
    """Make a rename in ``path`` durable (a power cut must not undo it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path, data):
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)


def write_arrays(path, arrays):
    """NumPy arrays as one uncompressed ``.npz`` file, atomically: a sequence is saved as
    ``arr_0``, ``arr_1`` ..., a dict under its keys."""
    import numpy as np
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            if isinstance(arrays, dict):
                np.savez(f, **arrays)
            else:
                np.savez(f, *arrays)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)


def overwrite_in_place(path, data):
    """Overwrite the first bytes of an existing file, keeping its size: the one write that
    needs no free space (a full disk), for a marker whose content is a short reason and
    whose presence is what counts. Not atomic; use :func:`write_bytes` for anything else."""
    with open(path, "r+b") as f:  # raises FileNotFoundError if it is not there
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


def write_text(path, text):
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=json_default) + "\n")


def json_default(obj):
    """``json.dumps`` default: NumPy values, paths and sets as JSON."""
    if hasattr(obj, "tolist"):  # NumPy scalars and arrays
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def check_writable_dir(path, min_free=MIN_FREE_BYTES, option=None):
    """Fail fast (before any training) if ``path`` cannot hold a run's artifacts: it (or the
    nearest existing parent) must be a writable directory on a disk with ``min_free`` bytes
    free. ``option`` names the option in the message (default ``--out PATH``)."""
    path = Path(path)
    option = option or f"--out {path}"
    fix = f"choose another {option.split()[0]}"
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{option}: {probe} is a file, not a directory; {fix}.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"{option}: {probe} is not writable; {fix}.")
    free = shutil.disk_usage(probe).free
    if free < min_free:
        raise UserError(f"{option}: only {free // 2**20} MiB free on that disk "
                        f"(need at least {min_free // 2**20} MiB); free space or {fix}.")


def save_model_h5(model, path, facts=None):
    """Save a Keras model as legacy HDF5, atomically (Keras writes in place; the temporary
    name must end in .h5 or Keras refuses it). Save .h5 once, last: it alters the model's
    compile config (see KERAS_NOTES.md). ``facts``: a JSON-ready dict kept in the file's
    ``kerascli`` attribute (what a lone model.h5 needs to know, e.g. the images' polarity)."""
    with atomic_path(path, suffix=".h5") as tmp:
        model.save(tmp)
        if facts:
            import h5py
            with h5py.File(tmp, "a") as f:
                f.attrs[H5_FACTS] = json.dumps(facts)
    return Path(path)


H5_FACTS = "kerascli"  # the model.h5 attribute holding save_model_h5's ``facts``


def read_model_facts(path):
    """The ``facts`` :func:`save_model_h5` stored in an .h5 file ({} when none)."""
    import h5py
    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get(H5_FACTS)
        facts = json.loads(raw) if raw is not None else {}
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}
