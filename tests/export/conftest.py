"""Tiny trained runs (an Iris MLP, a digits CNN of one epoch) made once per session, and the
CLI runner, for the export tests."""
import pytest
from trained import train_run as _train_run


@pytest.fixture(scope="session")
def train_run(tmp_path_factory):
    """train_run(MODEL, DATASET, **options) -> a trained run (test modules cannot import
    conftest: the name stands for several folders' conftest in one session)."""
    return lambda model, dataset, **options: _train_run(tmp_path_factory, model, dataset,
                                                        **options)


@pytest.fixture(scope="session")
def iris_mlp(tmp_path_factory):
    return _train_run(tmp_path_factory, "mlp", "iris", epochs=2)


@pytest.fixture(scope="session")
def digits_cnn(tmp_path_factory):
    return _train_run(tmp_path_factory, "cnn", "digits", epochs=1)
