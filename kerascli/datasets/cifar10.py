"""CIFAR-10 (Krizhevsky, 2009): 50,000 train + 10,000 test 32x32 colour images, 10 classes.

Reads the official binary layout (``cifar-10-batches-bin``) or the official python layout
(``cifar-10-batches-py``, what Keras caches) without unpickling arbitrary objects; the
official split is kept. Downloads fetch the binary archive (sha256 from tensorflow/datasets
``url_checksums/cifar10.txt``) and extract it refusing links and paths outside the target
(``_sources.extract_tar``).
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo
from kerascli.datasets._sources import Remote

INFO = DatasetInfo(name="cifar10", kind=IMAGE, task=CLASSIFICATION,
                   summary="CIFAR-10 objects, 32x32 colour, 10 classes",
                   n_train=50000, n_test=10000)
REMOTES = (
    Remote("cifar-10-binary.tar.gz",
           "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
           ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",), 170052171),
)
VERIFIED = "SOURCE.json"  # written beside the extracted batches after a verified download


def candidates(options):
    from kerascli.datasets import _cifar, _sources
    found = []
    base = _sources.data_dir(options)
    if base:
        found += [_sources.Candidate("data-dir", base / "cifar10" / _cifar.BIN_DIR, "cifar-bin",
                                     _cifar.BIN_FILES),
                  _sources.Candidate("data-dir", base / "cifar10" / _cifar.PY_DIR, "cifar-py",
                                     _cifar.PY_FILES)]
    keras = _sources.keras_datasets_dir()
    for directory in (keras / "cifar-10-batches-py-target" / _cifar.PY_DIR, keras / _cifar.PY_DIR):
        found.append(_sources.Candidate("keras-cache", directory, "cifar-py", _cifar.PY_FILES))
    found.append(_sources.Candidate("cache", _sources.cache_dir(options) / "cifar10" / _cifar.BIN_DIR,
                                    "cifar-bin", _cifar.BIN_FILES))
    return found


def _find(options):
    from kerascli.datasets import _sources
    from kerascli.errors import DataError
    cands = candidates(options)
    # With a data dir, a partial layout there is an error only if the other layout is not complete.
    complete = [c for c in cands if c.complete()]
    if complete and complete[0].where == "data-dir":
        return complete[0], cands
    return _sources.find("cifar10", cands), cands


def load(options):
    from kerascli.datasets import Dataset, _cifar, _sources
    hit, cands = _find(options)
    if hit is None:
        reason = "downloads are off"
        if options.download:
            try:
                download(options)
                hit = cands[-1]
            except _sources.DownloadFailed as exc:
                reason = str(exc)
        if hit is None:
            raise _sources.not_found("cifar10", list(_cifar.BIN_FILES),
                                     f"cifar10/{_cifar.BIN_DIR}", options, reason)
    read = _cifar.read_bin_dir if hit.layout == "cifar-bin" else _cifar.read_py_dir
    x_train, y_train, x_test, y_test, class_names = read(hit.directory)
    return Dataset(name="cifar10", task=CLASSIFICATION, kind=IMAGE, x_train=x_train,
                   y_train=y_train, x_test=x_test, y_test=y_test, input_shape=(32, 32, 3),
                   source=str(hit.directory), class_names=tuple(class_names),
                   extra={"format": hit.layout, "found_in": hit.where})


def download(options, progress=True):
    """Fetch the binary archive into the cache, verify it, extract it safely."""
    import json
    import os
    import shutil
    import tarfile
    import tempfile
    from pathlib import Path
    from kerascli.artifacts import write_json
    from kerascli.datasets import _cifar, _sources
    from kerascli.errors import DataError

    root = _sources.cache_dir(options) / "cifar10"
    target = root / _cifar.BIN_DIR
    marker = root / VERIFIED
    if target.is_dir() and marker.is_file():
        try:
            _cifar.check_bin_dir(target)
            if json.loads(marker.read_text()).get("sha256") == REMOTES[0].sha256:
                return target
        except (OSError, ValueError, DataError):
            pass
    archive = _sources.fetch(REMOTES[0], root, progress=progress)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=root))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # every member is checked: one that escapes or links anywhere refuses the archive
            _sources.extract_tar(tar, tmp, tar.getmembers())
        _cifar.check_bin_dir(tmp / _cifar.BIN_DIR)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / _cifar.BIN_DIR, target)
        write_json(marker, {"archive": REMOTES[0].name, "sha256": REMOTES[0].sha256})
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(archive, f"cannot extract ({exc}); delete it and download again.") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    archive.unlink(missing_ok=True)  # the extracted batches are what is read; save 170 MB
    return target


def status(options):
    import json
    from kerascli.datasets import _cifar
    from kerascli.errors import DataError
    try:
        hit, cands = _find(options)
    except DataError as exc:
        return {"present": False, "valid": False, "found_in": "data-dir", "error": str(exc),
                "location": str(exc.path), "checksum": None}
    if hit is None:
        return {"present": False, "valid": None, "location": str(cands[-1].directory),
                "found_in": "download", "checksum": None,
                "note": f"downloads {REMOTES[0].urls[0]}"}
    out = {"present": True, "location": str(hit.directory), "found_in": hit.where,
           "format": hit.layout, "checksum": "no official per-file checksum"}
    try:
        check = _cifar.check_bin_dir if hit.layout == "cifar-bin" else _cifar.check_py_dir
        n_train, n_test = check(hit.directory)
        out.update(valid=True)
        if n_train is not None:
            out.update(n_train=n_train, n_test=n_test)
    except (DataError, OSError) as exc:
        out.update(valid=False, error=str(exc))
    marker = hit.directory.parent / VERIFIED
    if hit.where == "cache" and marker.is_file():
        try:
            if json.loads(marker.read_text()).get("sha256") == REMOTES[0].sha256:
                out["checksum"] = "official (archive verified at download)"
        except (OSError, ValueError):
            pass
    return out
