"""Tiny trained runs (an Iris MLP, a digits CNN of one epoch) made once per session, and the
CLI runner, for the export tests."""
import pytest


def _train_run(tmp_path_factory, model, dataset, **options):
    from kerascli.core.rundir import RunDir
    from kerascli.core import config as core_config, data as core_data, fit as core_fit

    from pathlib import Path
    name = f"{model}-{Path(dataset).stem}"  # a CSV dataset is given by its path
    out = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:  # keep Keras away from the real home
        home = tmp_path_factory.mktemp("home")
        mp.setenv("HOME", str(home))
        mp.setenv("KERAS_HOME", str(home / ".keras"))
        cfg = core_config.make_config(model, dataset, out=str(out), **options)
        data = core_data.load_data(cfg)
        run_dir = RunDir.create(out, name).path
        return core_fit.train(cfg, data, run_dir=run_dir, quiet=True)


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
