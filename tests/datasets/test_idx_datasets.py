import json
import gzip
import struct

import numpy as np
import pytest

import datafiles
from kerascli.datasets import LoadOptions, load
from kerascli.datasets import mnist
from kerascli.errors import DataError, UserError


def _rewrite(path, transform):
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(transform(data), mtime=0))


def test_mnist_loads_official_split_as_uint8_images(mnist_files, data_dir):
    x_train, y_train, x_test, y_test = mnist_files
    ds = load("mnist")
    assert ds.x_train.shape == (20, 28, 28, 1) and ds.x_train.dtype == np.uint8
    assert ds.y_train.dtype == np.int64 and ds.class_names == tuple("0123456789")
    np.testing.assert_array_equal(ds.x_train[..., 0], x_train)
    np.testing.assert_array_equal(ds.y_test, y_test)
    assert ds.source == str(data_dir / "mnist") and ds.input_shape == (28, 28, 1)


def test_fashion_mnist_reads_uncompressed_idx_files_too(data_dir):
    arrays = datafiles.write_idx_dir(data_dir / "fashion-mnist", compress=False)
    ds = load("fashion-mnist")
    np.testing.assert_array_equal(ds.x_test[..., 0], arrays[2])
    assert ds.class_names[0] == "T-shirt/top"


@pytest.mark.parametrize("name, transform, message", [
    ("t10k-images-idx3-ubyte.gz", lambda d: struct.pack(">I", 0x801) + d[4:], "magic number 0x00000801"),
    ("t10k-images-idx3-ubyte.gz", lambda d: d[:12] + struct.pack(">I", 27) + d[16:], "27, expected 28x28"),
    ("t10k-images-idx3-ubyte.gz", lambda d: d[:-5], "truncated or corrupt"),
    ("t10k-labels-idx1-ubyte.gz", lambda d: d[:-1] + b"\x0c", "label 12 at index 9 is outside 0-9"),
    ("train-labels-idx1-ubyte.gz", lambda d: b"\x00\x00\x08\x01" + struct.pack(">I", 19) + d[8:-1],
     "19 labels for 20 images"),
])
def test_mnist_refuses_corrupt_idx_file(mnist_files, data_dir, name, transform, message):
    _rewrite(data_dir / "mnist" / name, transform)
    with pytest.raises(DataError, match=message) as err:
        load("mnist")
    assert name in str(err.value) and "\n" not in str(err.value)


def test_mnist_refuses_a_file_that_is_not_gzip_or_idx(mnist_files, data_dir):
    (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8bgarbage")
    with pytest.raises(DataError, match="t10k-images.*not a readable gzip file"):
        load("mnist")


def test_status_spots_truncation_from_headers_alone(mnist_files, data_dir):
    _rewrite(data_dir / "mnist" / "train-images-idx3-ubyte.gz", lambda d: d[:-784])
    st = mnist.status(LoadOptions())
    assert st["present"] and st["valid"] is False and "truncated" in st["error"]


def test_incomplete_data_dir_names_the_missing_files(mnist_files, data_dir):
    (data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing t10k-labels-idx1-ubyte.gz"):
        load("mnist")


def test_keras_cached_mnist_npz_is_used_when_no_data_dir_has_it(keras_datasets):
    arrays = datafiles.write_mnist_npz(keras_datasets / "mnist.npz")
    ds = load("mnist")
    assert ds.source == str(keras_datasets / "mnist.npz") and ds.extra["found_in"] == "keras-cache"
    np.testing.assert_array_equal(ds.x_train[..., 0], arrays["x_train"])
    st = mnist.status(LoadOptions())
    assert (st["valid"], st["n_train"], st["n_test"]) == (True, 20, 10)
    assert st["checksum"].startswith("differs")


def test_data_dir_comes_before_keras_cache_before_kerascli_cache(data_dir, keras_datasets, cache_dir):
    datafiles.write_idx_dir(cache_dir / "fashion-mnist", n_train=30)
    assert load("fashion-mnist").extra["found_in"] == "cache"
    datafiles.write_idx_dir(keras_datasets / "fashion-mnist", n_train=40)
    assert len(load("fashion-mnist").x_train) == 40
    datafiles.write_idx_dir(data_dir / "fashion-mnist", n_train=50)
    assert len(load("fashion-mnist").x_train) == 50


def test_missing_dataset_offline_says_which_files_to_put_where(data_dir):
    with pytest.raises(UserError) as err:
        load("mnist")
    text = str(err.value)
    assert "\n" not in text
    assert f"in {data_dir}/mnist/" in text and "t10k-labels-idx1-ubyte.gz" in text
    assert "kerascli datasets download mnist" in text and "download failed" in text


def test_no_download_when_downloads_are_off(monkeypatch, data_dir):
    monkeypatch.setattr("kerascli.datasets._sources.fetch",
                        lambda *a, **k: pytest.fail("must not download"))
    with pytest.raises(UserError, match="downloads are off"):
        load("mnist", LoadOptions(download=False))


def test_datasets_listing_and_train_agree_on_an_out_of_range_label(mnist_files, data_dir):
    """One label check for both: a 12 among digit labels is invalid in `kerascli datasets`
    exactly as `train` refuses it."""
    _rewrite(data_dir / "mnist" / "train-labels-idx1-ubyte.gz", lambda d: d[:-3] + b"\x0c" + d[-2:])
    st = mnist.status(LoadOptions())
    assert st["present"] and st["valid"] is False
    assert "label 12 at index 17 is outside 0-9" in st["error"]
    with pytest.raises(DataError, match="label 12 at index 17 is outside 0-9"):
        load("mnist")


def test_datasets_listing_checks_the_labels_of_keras_mnist_npz(keras_datasets):
    arrays = datafiles.write_mnist_npz(keras_datasets / "mnist.npz")
    arrays["y_test"][4] = 11
    np.savez(keras_datasets / "mnist.npz", **arrays)
    st = mnist.status(LoadOptions())
    assert st["present"] and st["valid"] is False and "y_test label 11 at index 4" in st["error"]
    with pytest.raises(DataError, match="y_test label 11 at index 4"):
        load("mnist")


def test_datasets_table_fits_an_80_column_terminal(mnist_files, data_dir, monkeypatch):
    from click.testing import CliRunner
    from kerascli.cli import cli
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, ["datasets"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    table = lines[:lines.index("")]
    assert max(len(line) for line in table) <= 80
    mnist_row = next(line for line in table if line.startswith("mnist "))
    assert mnist_row.split()[2:5] == ["20", "10", "valid"]  # one row, not folded pieces
    assert f"mnist: {data_dir / 'mnist'} (data-dir)" in result.stdout  # the path whole


def test_download_with_the_files_present_offline_does_nothing(mnist_files, data_dir):
    from click.testing import CliRunner
    from kerascli.cli import cli
    before = {p.name: p.stat().st_mtime_ns for p in (data_dir / "mnist").iterdir()}
    result = CliRunner().invoke(cli, ["datasets", "download", "mnist"])  # mirrors unreachable
    assert result.exit_code == 0, result.output
    assert "already present and valid" in result.stdout and "nothing downloaded" in result.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (data_dir / "mnist").iterdir()} == before
    as_json = CliRunner().invoke(cli, ["datasets", "download", "mnist", "--json"])
    assert json.loads(as_json.stdout)["downloaded"] is False
