"""Fixtures for the train/evaluate/predict command tests: a CLI runner, and small trained runs
(Iris logistic regression, a digits CNN) made once per session with the training core."""
import pytest
from trained import train_run as _train_run


@pytest.fixture(scope="session")
def iris_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "logreg", "iris", epochs=5)


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "cnn", "digits", epochs=2)


@pytest.fixture(scope="session")
def linreg_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "linreg", "iris", epochs=5)
