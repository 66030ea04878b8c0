"""Fixtures for the train/evaluate/predict command tests: a CLI runner, and small trained runs
(Iris logistic regression, a digits CNN) made once per session with the training core."""
import pytest


def _train_run(tmp_path_factory, model, dataset, **options):
    from kerascli.core.rundir import RunDir
    from kerascli.core import config as core_config, data as core_data, fit as core_fit

    out = tmp_path_factory.mktemp(f"{model}-{dataset}")
    with pytest.MonkeyPatch.context() as mp:  # keep Keras away from the real home
        home = tmp_path_factory.mktemp("home")
        mp.setenv("HOME", str(home))
        mp.setenv("KERAS_HOME", str(home / ".keras"))
        cfg = core_config.make_config(model, dataset, out=str(out), **options)
        data = core_data.load_data(cfg)
        run_dir = RunDir.create(out, f"{model}-{dataset}").path
        return core_fit.train(cfg, data, run_dir=run_dir, quiet=True)


@pytest.fixture(scope="session")
def iris_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "logreg", "iris", epochs=5)


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "cnn", "digits", epochs=2)


@pytest.fixture(scope="session")
def linreg_run(tmp_path_factory):
    return _train_run(tmp_path_factory, "linreg", "iris", epochs=5)
