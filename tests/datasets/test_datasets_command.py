import json

from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.datasets import _sources, names


def _listing(*args):
    result = CliRunner().invoke(cli, ["datasets", "--json", *args])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)["datasets"]}


def test_listing_covers_every_registry_dataset():
    rows = _listing()
    assert set(rows) == set(names())
    assert {"mnist", "fashion-mnist", "cifar10", "iris", "digits", "images", "csv"} <= set(rows)


def test_listing_shows_present_valid_files_with_counts_from_headers(mnist_files, cifar_files):
    rows = _listing()
    assert (rows["mnist"]["present"], rows["mnist"]["valid"]) == (True, True)
    assert (rows["mnist"]["n_train"], rows["mnist"]["n_test"]) == (20, 10)
    assert rows["mnist"]["checksum"].startswith("differs from official")
    assert (rows["cifar10"]["n_train"], rows["cifar10"]["n_test"]) == (15, 3)
    assert rows["fashion-mnist"]["present"] is False and rows["fashion-mnist"]["found_in"] == "download"
    assert rows["fashion-mnist"]["n_train"] == 60000  # the official size, from the registry


def test_listing_reports_an_invalid_file_without_failing(mnist_files, data_dir):
    (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + b"\0" * 30)
    result = CliRunner().invoke(cli, ["datasets"])
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("mnist"))
    assert "INVALID" in line


def test_data_dir_option_overrides_the_environment(tmp_path):
    import datafiles
    datafiles.write_idx_dir(tmp_path / "elsewhere" / "mnist", n_train=30)
    rows = _listing("--data-dir", str(tmp_path / "elsewhere"))
    assert rows["mnist"]["n_train"] == 30


def test_repeat_listing_reuses_cached_checksums(mnist_files, monkeypatch, cache_dir):
    _listing()
    assert (cache_dir / _sources.HASH_CACHE).is_file()
    monkeypatch.setattr(_sources, "sha256_of", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("hashed again")))
    assert _listing()["mnist"]["checksum"].startswith("differs")


def test_download_of_an_embedded_dataset_is_exit_2():
    result = CliRunner().invoke(cli, ["datasets", "download", "iris"])
    assert result.exit_code == 2 and "iris has nothing to download" in result.stderr
    result = CliRunner().invoke(cli, ["datasets", "download", "nosuch"])
    assert result.exit_code == 2 and "unknown dataset 'nosuch'" in result.stderr


# ------------------------------------------- one validator: what train refuses is not valid

def _train_refuses(name):
    from kerascli.datasets import LoadOptions, load
    from kerascli.errors import DataError
    import pytest
    with pytest.raises(DataError):
        load(name, LoadOptions())


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _cut_keeping_the_trailer(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-8:])  # CRC and size as they were


import pytest  # noqa: E402


@pytest.mark.parametrize("damage", [_flip_a_byte, _cut_keeping_the_trailer])
def test_a_damaged_gzip_that_train_refuses_is_invalid_in_the_listing(mnist_files, data_dir,
                                                                     damage):
    damage(data_dir / "mnist" / "train-images-idx3-ubyte.gz")
    row = _listing()["mnist"]
    assert row["valid"] is False and "train-images" in row["error"]
    _train_refuses("mnist")


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo poisoned",))


def _poison(path):
    import pickle
    path.write_bytes(pickle.dumps({b"data": _Evil(), b"labels": []}, protocol=2))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_poison, _truncate])
def test_a_poisoned_or_truncated_cifar_python_batch_is_invalid_in_the_listing(data_dir, damage):
    import datafiles
    directory = data_dir / "cifar10" / "cifar-10-batches-py"
    datafiles.write_cifar_py_dir(directory)
    assert _listing()["cifar10"]["valid"] is True
    damage(directory / "data_batch_3")
    row = _listing()["cifar10"]
    assert row["valid"] is False and "data_batch_3" in row["error"]
    _train_refuses("cifar10")


def test_the_table_explains_differs_and_none(mnist_files, cifar_files):
    result = CliRunner().invoke(cli, ["datasets"])
    assert result.exit_code == 0
    assert "DIFFERS" in result.stdout and "none" in result.stdout
    legend = next(line for line in result.stdout.splitlines() if line.startswith("checksum:"))
    assert "DIFFERS" in legend and "none" in legend
