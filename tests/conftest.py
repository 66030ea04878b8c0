"""Shared test set-up: every test runs with its own HOME, Keras home, kerascli cache, data
dir and working directory (all empty temporary folders), and with downloads aimed at a closed local port, so no
test ever reads the user's files or the network. Writers of tiny real-format files live in
``tests/datafiles.py`` (``import datafiles``); the fixtures below wrap the common ones."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # make `import datafiles` work from subfolders

import datafiles  # noqa: E402

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("env")
    env = {"HOME": base / "home", "KERAS_HOME": base / "home" / ".keras",
           "KERASCLI_CACHE_DIR": base / "cache", "KERASCLI_DATA_DIR": base / "data"}
    for key, path in env.items():
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(key, str(path))
    monkeypatch.setenv("KERASCLI_MIRROR_URL", UNREACHABLE)
    monkeypatch.delenv("KERASCLI_VERBOSE", raising=False)
    monkeypatch.chdir(base)  # the default --out ./runs lands in a temporary folder, never the repo
    return env


@pytest.fixture
def data_dir(isolated_env):
    """The (empty) KERASCLI_DATA_DIR of this test."""
    return isolated_env["KERASCLI_DATA_DIR"]


@pytest.fixture
def cache_dir(isolated_env):
    return isolated_env["KERASCLI_CACHE_DIR"]


@pytest.fixture
def keras_datasets(isolated_env):
    """$KERAS_HOME/datasets, where Keras caches what it downloads."""
    path = isolated_env["KERAS_HOME"] / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def mnist_files(data_dir):
    """DATA_DIR/mnist/ with the four IDX gz files (20 train, 10 test); returns the arrays."""
    return datafiles.write_idx_dir(data_dir / "mnist")


@pytest.fixture
def fashion_files(data_dir):
    return datafiles.write_idx_dir(data_dir / "fashion-mnist", seed=1)


@pytest.fixture
def cifar_files(data_dir):
    """DATA_DIR/cifar10/cifar-10-batches-bin/ (15 train, 3 test); returns the arrays."""
    return datafiles.write_cifar_bin_dir(data_dir / "cifar10" / "cifar-10-batches-bin")


@pytest.fixture
def image_folder(tmp_path):
    return datafiles.write_image_folder(tmp_path / "photos")


@pytest.fixture
def csv_file(tmp_path):
    return datafiles.write_csv(tmp_path / "table.csv")
