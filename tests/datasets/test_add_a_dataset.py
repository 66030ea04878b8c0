"""README's "add a dataset" is literally true: one file dropped into kerascli/datasets is
listed, trains and shows in --help with no other edit."""
import importlib
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kerascli.datasets
from kerascli.cli import cli

DROPPED = '''"""Tiny blobs: two Gaussian blobs in 3 dimensions, made in code."""
from kerascli.datasets import CLASSIFICATION, TABULAR, DatasetInfo

INFO = DatasetInfo(name="tiny-blobs", kind=TABULAR, task=CLASSIFICATION,
                   summary="two Gaussian blobs (a dataset dropped in as one file)",
                   n_train=48, n_test=16)


def load(options):
    import numpy as np
    from kerascli.datasets import Dataset

    rng = np.random.default_rng(options.split_seed)
    y = np.repeat([0, 1], 32)
    x = (rng.normal(size=(64, 3)) + 3 * y[:, None]).astype("float32")
    order = rng.permutation(64)
    x, y = x[order], y[order]
    return Dataset(name="tiny-blobs", task=CLASSIFICATION, kind=TABULAR,
                   x_train=x[:48], y_train=y[:48], x_test=x[48:], y_test=y[48:],
                   input_shape=(3,), source="made in code", class_names=("a", "b"),
                   feature_names=("f1", "f2", "f3"))
'''


@pytest.fixture
def dropped_dataset():
    path = Path(kerascli.datasets.__file__).with_name("tiny_blobs.py")
    assert not path.exists()
    path.write_text(DROPPED, encoding="utf-8")
    importlib.invalidate_caches()
    try:
        yield "tiny-blobs"
    finally:
        path.unlink()
        sys.modules.pop("kerascli.datasets.tiny_blobs", None)
        importlib.invalidate_caches()


def test_a_dataset_file_dropped_into_the_registry_is_listed_trained_on_and_helped(
        dropped_dataset):
    runner = CliRunner()
    listed = runner.invoke(cli, ["datasets", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"tiny-blobs"' in listed.output
    table = runner.invoke(cli, ["datasets"])
    row = next(line for line in table.output.splitlines() if line.startswith("tiny-blobs"))
    assert row.split()[1:5] == ["tabular", "48", "16", "valid"]  # made in code: always there

    for args in (["train", "mlp", "--help"], ["train", "--help"], ["datasets", "--help"]):
        helped = runner.invoke(cli, args)
        assert helped.exit_code == 0 and "Traceback" not in helped.output, args

    trained = runner.invoke(cli, ["train", "mlp", "--dataset", dropped_dataset, "--json",
                                  "--epochs", "1"])
    assert trained.exit_code == 0, trained.output
    assert "tiny-blobs" in trained.output
