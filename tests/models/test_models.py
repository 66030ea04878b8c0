"""Every model builds, trains one epoch on tiny generated data, saves model.h5, reloads with
plain keras.models.load_model and predicts identically."""
import json
import subprocess
import sys

import numpy as np
import pytest

from kerascli import models
from kerascli.core import config as core_config, fit as core_fit

CASES = [  # model, dataset kind, input shape, task
    ("logreg", "image", (28, 28, 1), "classification"),
    ("logreg", "tabular", (4,), "classification"),
    ("linreg", "tabular", (3,), "regression"),
    ("mlp", "image", (28, 28, 1), "classification"),
    ("mlp", "tabular", (5,), "regression"),
    ("cnn", "image", (28, 28, 1), "classification"),
    ("alexnet", "image", (28, 28, 1), "classification"),
    ("cifar", "image", (32, 32, 3), "classification"),
]
MINE = ("logreg", "linreg", "mlp", "cnn", "alexnet", "cifar")


def test_registry_lists_the_six_textbook_models():
    assert set(MINE) <= set(models.names())
    for name in MINE:
        info = models.get(name)
        assert info.name == name and info.default_dataset and info.summary


# the cheap cases in the default run, the larger networks under -m slow (CI's slow step)
SLOW_CASES = {("mlp", "image"), ("mlp", "tabular"), ("alexnet", "image"), ("cifar", "image")}


@pytest.mark.parametrize("name,kind,shape,task", [
    pytest.param(*c, id=f"{c[0]}-{c[1]}", marks=[pytest.mark.slow] if c[:2] in SLOW_CASES else [])
    for c in CASES])
def test_model_trains_saves_and_reloads_identically(name, kind, shape, task, make_tiny, tmp_path):
    import keras

    dataset = make_tiny(kind, shape, task=task)
    cfg = core_config.make_config(name, "digits" if kind == "image" else "iris", epochs=1,
                               batch_size=8, label=None, features=None, out=str(tmp_path))
    result = core_fit.train(cfg, dataset, run_dir=tmp_path, quiet=True)
    assert result.epochs_run == 1 and result.n_params > 0
    expected = {"accuracy", "macro_f1", "loss"} if task == "classification" else {"rmse", "mae", "r2", "loss"}
    assert set(result.metrics) == expected
    reloaded = keras.models.load_model(tmp_path / "model.h5")  # plain Keras, compile=True default
    np.testing.assert_array_equal(reloaded.predict(dataset.x_test, verbose=0),
                                  result.model.predict(dataset.x_test, verbose=0))
    assert (tmp_path / "model.h5").stat().st_mode & 0o777 == 0o644


def test_image_models_scale_pixels_inside_the_model(make_tiny):
    dataset = make_tiny("image", (8, 8, 1))
    cfg = core_config.make_config("cnn", "digits", epochs=1)
    model = core_fit.build_model(cfg, dataset)
    first = model.layers[0]
    assert type(first).__name__ == "Rescaling" and first.scale == pytest.approx(1 / 255)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_linreg_predicts_in_the_targets_units(make_tiny, tmp_path):
    dataset = make_tiny("tabular", (1,), task="regression", n_train=60, n_test=20)
    cfg = core_config.make_config("linreg", "iris", epochs=60, batch_size=8, learning_rate=0.1)
    result = core_fit.train(cfg, dataset, quiet=True)
    assert result.metrics["r2"] > 0.99  # y = 3x + 10 exactly: restored scale, not z-scores
    assert abs(result.y_pred.mean() - dataset.y_test.mean()) < 0.5


def test_local_response_normalization_matches_tensorflow():
    import tensorflow as tf
    from kerascli.models.layers import LocalResponseNormalization

    x = np.random.default_rng(0).random((2, 5, 5, 16), dtype=np.float32)
    ours = LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)(x)
    theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5)


LOAD_IN_FRESH_PYTHON = """
import sys, numpy as np
import kerascli
import keras
model = keras.models.load_model(sys.argv[1])
x = np.load(sys.argv[2])
np.save(sys.argv[3], model.predict(x, verbose=0))
print([type(l).__name__ for l in model.layers])
"""


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_alexnet_h5_loads_with_plain_keras_after_import_kerascli(make_tiny, tmp_path):
    from kerascli import artifacts
    dataset = make_tiny("image", (28, 28, 1))
    model = core_fit.build_model(core_config.make_config("alexnet", "mnist", epochs=1), dataset)
    artifacts.save_model_h5(model, tmp_path / "alexnet.h5")
    np.save(tmp_path / "x.npy", dataset.x_test)
    proc = subprocess.run([sys.executable, "-c", LOAD_IN_FRESH_PYTHON, str(tmp_path / "alexnet.h5"),
                           str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LocalResponseNormalization" in proc.stdout
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(dataset.x_test, verbose=0),
                               rtol=1e-6, atol=1e-7)


HELP_PROBE = """
import sys, json
from click.testing import CliRunner
from kerascli.cli import cli
outs = [CliRunner().invoke(cli, args) for args in (["train", "--help"], ["train", "mlp", "--help"],
                                                    ["train", "cifar", "--help"])]
print(json.dumps({"codes": [o.exit_code for o in outs], "out": [o.output for o in outs],
                  "heavy": [m for m in ("keras", "tensorflow", "numpy") if m in sys.modules]}))
"""


def test_train_help_lists_models_and_their_options_without_importing_keras():
    proc = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True,
                          timeout=60)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0, 0, 0] and report["heavy"] == []
    listing, mlp_help, cifar_help = report["out"]
    for name in MINE:
        assert name in listing
    assert "--hidden" in mlp_help and "--dropout" in mlp_help and "512,512" in mlp_help
    assert "--augment" in cifar_help and "flip-shift" in cifar_help
