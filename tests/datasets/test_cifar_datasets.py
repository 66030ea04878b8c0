import pickle

import numpy as np
import pytest

import datafiles
from kerascli.datasets import LoadOptions, load
from kerascli.datasets import cifar10
from kerascli.errors import DataError


def test_cifar10_binary_layout_loads_hwc_uint8(cifar_files, data_dir):
    x_train, y_train, x_test, y_test = cifar_files
    ds = load("cifar10")
    assert ds.x_train.shape == (15, 32, 32, 3) and ds.x_train.dtype == np.uint8
    np.testing.assert_array_equal(ds.x_train, x_train)  # channel planes -> HWC done right
    np.testing.assert_array_equal(ds.y_test, y_test.astype(np.int64))
    assert ds.class_names[-1] == "truck" and ds.source.endswith("cifar-10-batches-bin")


@pytest.mark.parametrize("subpath", ["cifar-10-batches-py-target/cifar-10-batches-py",
                                     "cifar-10-batches-py"])
def test_cifar10_python_batches_from_the_keras_cache(keras_datasets, subpath):
    x_train, y_train, x_test, y_test = datafiles.write_cifar_py_dir(keras_datasets / subpath)
    ds = load("cifar10")
    np.testing.assert_array_equal(ds.x_train, x_train)
    np.testing.assert_array_equal(ds.y_train, y_train)
    assert ds.extra["found_in"] == "keras-cache" and ds.class_names[0] == "airplane"


def test_cifar10_python_batch_that_pickles_code_is_refused_unrun(keras_datasets, tmp_path):
    folder = keras_datasets / "cifar-10-batches-py"
    datafiles.write_cifar_py_dir(folder)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    (folder / "data_batch_2").write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(DataError, match="data_batch_2: refusing to unpickle (posix|os).system"):
        load("cifar10")
    assert not marker.exists()


def test_cifar10_binary_with_wrong_record_size_is_refused(cifar_files, data_dir):
    path = data_dir / "cifar10" / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="data_batch_3.bin: size 9209 bytes is not a whole number "
                                        "of 3073-byte"):
        load("cifar10")
    assert cifar10.status(LoadOptions())["valid"] is False


def test_cifar10_binary_label_out_of_range_is_refused(cifar_files, data_dir):
    path = data_dir / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin"
    data = bytearray(path.read_bytes())
    data[3073] = 42
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="test_batch.bin: record 1 has label 42"):
        load("cifar10")


def test_cifar10_status_counts_records_from_file_sizes(cifar_files):
    st = cifar10.status(LoadOptions())
    assert (st["present"], st["valid"], st["n_train"], st["n_test"]) == (True, True, 15, 3)
