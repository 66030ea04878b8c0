"""Small runs trained once per session with the training core, for fixtures of several
folders (``import trained`` from a conftest: tests/ is on sys.path, tests/conftest.py)."""
from pathlib import Path

import pytest


def train_run(tmp_path_factory, model, dataset, **options):
    """A run of MODEL on DATASET (a registry name or a CSV path) trained by the core in its
    own temporary folder, with Keras kept away from the real home; its training result."""
    from kerascli.core import config as core_config, data as core_data, fit as core_fit
    from kerascli.core.rundir import RunDir

    name = f"{model}-{Path(dataset).stem}"  # a CSV dataset is given by its path
    out = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("home")
        mp.setenv("HOME", str(home))
        mp.setenv("KERAS_HOME", str(home / ".keras"))
        cfg = core_config.make_config(model, dataset, out=str(out), **options)
        data = core_data.load_data(cfg)
        run_dir = RunDir.create(out, name).path
        return core_fit.train(cfg, data, run_dir=run_dir, quiet=True)
