"""The parsed copy of an IDX folder (kerascli.datasets._idx.read_dir_cached): read once, then
trusted only while the files are the same and the copy reads back whole."""
import gzip
import os

import numpy as np

import datafiles
from kerascli.datasets import _idx, load


def _copy(data_dir, cache_dir):
    return _idx.parsed_path(data_dir / "mnist", cache_dir)


def test_second_load_reads_the_parsed_copy_not_the_idx_files(mnist_files, data_dir, cache_dir,
                                                              monkeypatch):
    first = load("mnist")
    assert _copy(data_dir, cache_dir).is_file()
    monkeypatch.setattr(_idx, "read_dir", lambda d: (_ for _ in ()).throw(AssertionError("parsed")))
    again = load("mnist")
    for a, b in zip((first.x_train, first.y_train, first.x_test, first.y_test),
                    (again.x_train, again.y_train, again.x_test, again.y_test)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert again.x_train.flags.writeable  # as read_dir's copies are


def test_corrupt_parsed_copy_is_rebuilt_not_trusted(mnist_files, data_dir, cache_dir):
    load("mnist")
    path = _copy(data_dir, cache_dir)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the image arrays: only zip's CRC-32 can tell
    path.write_bytes(bytes(data))
    ds = load("mnist")
    np.testing.assert_array_equal(ds.x_train[..., 0], mnist_files[0])
    np.testing.assert_array_equal(ds.x_test[..., 0], mnist_files[2])
    assert path.read_bytes() != bytes(data)  # rewritten whole


def test_truncated_parsed_copy_is_rebuilt(mnist_files, data_dir, cache_dir):
    load("mnist")
    path = _copy(data_dir, cache_dir)
    path.write_bytes(path.read_bytes()[:1000])
    np.testing.assert_array_equal(load("mnist").y_train, mnist_files[1])


def test_changed_idx_file_is_read_again_not_the_stale_copy(mnist_files, data_dir, cache_dir):
    load("mnist")
    labels = data_dir / "mnist" / "train-labels-idx1-ubyte.gz"
    st = os.stat(labels)
    new = (np.arange(20)[::-1] % 10).astype(np.uint8)  # same size, other content
    labels.write_bytes(gzip.compress(datafiles.idx_labels_bytes(new), mtime=0))
    os.utime(labels, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime put back
    np.testing.assert_array_equal(load("mnist").y_train, new)


def test_changed_idx_file_is_still_checked(mnist_files, data_dir, cache_dir):
    import pytest
    from kerascli.errors import DataError
    load("mnist")
    labels = data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(labels.read_bytes()))
    data[-1] = 12
    labels.write_bytes(gzip.compress(bytes(data), mtime=0))
    with pytest.raises(DataError, match="label 12"):
        load("mnist")


def test_unwritable_cache_only_costs_the_parse(mnist_files, data_dir, cache_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")
    monkeypatch.setattr("kerascli.artifacts.atomic_path", refuse)
    np.testing.assert_array_equal(load("mnist").y_test, mnist_files[3])
    assert not _copy(data_dir, cache_dir).exists()
