"""The fast CIFAR-10 recipe (``kerascli train cifar --recipe fast``), on tiny data, on CPU.

Nothing here measures accuracy or speed: the recipe is unmeasured on GPU (see cifar.py)."""
import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import datafiles
from kerascli.core import config as core_config, fit as core_fit
from kerascli.cli import cli
from kerascli import models
from kerascli.models import cifar

SPEC = models.get("cifar")

RELOAD = """
import json, sys
import numpy as np
import kerascli  # registers kerascli's custom Keras objects (the smoothed loss)
import keras
from kerascli.core.metrics import metrics_from_outputs
model = keras.models.load_model(sys.argv[1])  # compile=True: the loss must deserialize
x, y = np.load(sys.argv[2]), np.load(sys.argv[3])
outputs = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
print(json.dumps({"loss_class": type(model.loss).__name__,
                  "smoothing": getattr(model.loss, "label_smoothing", None),
                  "metrics": metrics_from_outputs("classification", y, outputs, 10)}))
"""


@pytest.mark.slow  # ~35 s: a CLI training of the fast recipe
def test_fast_recipe_trains_through_the_cli_and_its_model_reloads_with_plain_keras(
        data_dir, tmp_path):
    _, _, x_test, y_test = datafiles.write_cifar_bin_dir(
        data_dir / "cifar10" / "cifar-10-batches-bin", per_batch=13)
    result = CliRunner().invoke(cli, ["train", "cifar", "-d", "cifar10", "--recipe", "fast",
                                      "--epochs", "1", "--batch-size", "16",
                                      "-o", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p.parent for p in (tmp_path / "runs").glob("*/model.h5")]
    config = json.loads((run_dir / "config.json").read_text())["config"]
    assert config["params"]["recipe"] == "fast"
    # explicit options win over the recipe's; the rest are the recipe's
    assert (config["epochs"], config["batch_size"]) == (1, 16)
    assert (config["optimizer"], config["learning_rate"]) == ("sgd", cifar.FAST["learning_rate"])

    np.save(tmp_path / "x.npy", x_test)
    np.save(tmp_path / "y.npy", y_test)
    reload = subprocess.run([sys.executable, "-c", RELOAD, str(run_dir / "model.h5"),
                             str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                            capture_output=True, text=True, timeout=120)
    assert reload.returncode == 0, reload.stderr[-2000:]
    reloaded = json.loads(reload.stdout.strip().splitlines()[-1])
    assert reloaded["loss_class"] == "SmoothedSparseCategoricalCrossentropy"
    assert reloaded["smoothing"] == cifar.FAST_LABEL_SMOOTHING
    trained = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert reloaded["metrics"]["accuracy"] == trained["accuracy"]
    assert abs(reloaded["metrics"]["loss"] - trained["loss"]) < 1e-6


def test_train_cifar_help_offers_the_fast_recipe():
    result = CliRunner().invoke(cli, ["train", "cifar", "--help"])
    assert result.exit_code == 0
    assert "--recipe" in result.output and "fast" in result.output


def test_fast_recipe_brings_its_training_defaults_and_classic_keeps_its_own():
    fast = core_config.make_config("cifar", "cifar10", params={"recipe": "fast"})
    assert (fast.epochs, fast.batch_size, fast.learning_rate, fast.optimizer) == (
        10, 1024, 1.5, "sgd")
    mine = core_config.make_config("cifar", "cifar10", epochs=3, optimizer="adam",
                                params={"recipe": "fast"})
    assert (mine.epochs, mine.optimizer, mine.batch_size) == (3, "adam", 1024)
    classic = core_config.make_config("cifar", "cifar10", params={"recipe": "classic"})
    assert (classic.epochs, classic.batch_size, classic.optimizer) == (40, 64, "adam")


def test_one_cycle_schedule_rises_to_the_peak_then_falls():
    schedule = cifar.one_cycle_schedule(1.5, 100)
    lr = np.array([float(schedule(step)) for step in range(101)])
    peak = int(np.argmax(lr))
    assert peak == round(cifar.WARMUP_FRACTION * 100)
    assert np.isclose(lr[peak], 1.5)
    assert np.isclose(lr[0], cifar.WARMUP_START * 1.5)
    assert np.isclose(lr[-1], cifar.FINAL_FRACTION * 1.5, rtol=1e-3)
    assert np.all(np.diff(lr[:peak + 1]) > 0) and np.all(np.diff(lr[peak:]) <= 0)


def test_fast_recipe_compiles_sgd_nesterov_with_label_smoothing(make_tiny):
    dataset = make_tiny("image", shape=(32, 32, 3), n_classes=10, n_train=20, n_test=10)
    cfg = core_config.make_config("cifar", "cifar10", params={"recipe": "fast"})
    model = core_fit.build_model(cfg, dataset)
    core_fit.compile_model(model, cfg, dataset.task, steps_per_epoch=50)
    assert model.optimizer.nesterov and model.optimizer.momentum == cifar.FAST_MOMENTUM
    perfect = np.eye(10, dtype="float32")[[0, 1, 2]]
    # a confident, correct prediction still costs something once labels are smoothed
    assert float(model.loss(np.array([0, 1, 2]), perfect)) > 0.5
    classic = core_config.make_config("cifar", "cifar10", params={"recipe": "classic"})
    assert SPEC.loss("classification", classic.params_dict) is None
    assert SPEC.optimizer(classic, 50) is None


def test_fast_blocks_start_as_identity_maps():
    model = SPEC.build((32, 32, 3), "classification", 10, recipe="fast")
    kernel = model.get_layer("block2_conv2").get_weights()[0]  # 3x3, 256 -> 256
    identity = np.zeros_like(kernel)
    identity[1, 1] = np.eye(256)
    np.testing.assert_array_equal(kernel, identity)
    widen = model.get_layer("block2_conv1").get_weights()[0]  # 64 -> 256: first 64 filters
    np.testing.assert_array_equal(widen[1, 1, :, :64], np.eye(64))
    assert np.abs(widen[:, :, :, 64:]).sum() > 0
    assert [model.get_layer(f"block{i}_conv1").filters for i in (1, 2, 3)] == [64, 256, 256]


def test_fast_recipe_refuses_images_too_small_for_its_poolings():
    import pytest
    from kerascli.errors import UserError
    with pytest.raises(UserError, match="--recipe fast: images of 8x8 pixels are too small"):
        SPEC.build((8, 8, 1), "classification", 10, recipe="fast")


def _logits(model, x):
    import keras
    return np.asarray(keras.Model(model.inputs, model.get_layer("scale_logits").output)
                      .predict(x, verbose=0))


def test_small_recipe_predicts_the_mean_of_an_image_and_its_mirror():
    from scipy.special import softmax
    model = SPEC.build((32, 32, 3), "classification", 10)  # defaults: flips, so auto = flip
    plain = SPEC.build((32, 32, 3), "classification", 10, test_time="none")
    assert "flip_pair" in [layer.name for layer in model.layers]
    plain.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((6, 32, 32, 3)).astype("float32")
    x[:, :, :16] += 1.0  # left halves brighter: an image and its mirror predict differently
    one, mirrored = _logits(plain, x), _logits(plain, x[:, :, ::-1])
    assert np.abs(one - mirrored).max() > 1e-3
    expected = softmax((one + mirrored) / 2, axis=-1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    # a batch of one (predict, serve) gives the same answer as inside a batch
    np.testing.assert_allclose(model.predict(x[:1], verbose=0), expected[:1], atol=1e-5)
    # in training the batch passes through once, not doubled
    assert tuple(model(x, training=True).shape) == (6, 10)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_flip_averaging_follows_the_augmentation_and_reloads_from_h5(tmp_path):
    names = lambda m: [layer.name for layer in m.layers]  # noqa: E731
    assert "flip_pair" not in names(SPEC.build((32, 32, 1), "classification", 10,
                                                augment="shift"))
    assert "flip_pair" not in names(SPEC.build((32, 32, 3), "classification", 10,
                                                augment="flip-shift", test_time="none"))
    assert "flip_pair" in names(SPEC.build((32, 32, 3), "classification", 10,
                                            augment="none", test_time="flip"))
    assert "flip_pair" not in names(SPEC.build((32, 32, 3), "classification", 10,
                                                recipe="classic"))
    model = SPEC.build((32, 32, 3), "classification", 10)
    model.save(tmp_path / "m.h5")
    x = np.random.default_rng(1).random((3, 32, 32, 3)).astype("float32")
    code = ("import sys, numpy as np, kerascli, keras\n"
            "m = keras.models.load_model(sys.argv[1], compile=False)\n"
            "np.save(sys.argv[3], m.predict(np.load(sys.argv[2]), verbose=0))\n")
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.h5"), str(tmp_path / "x.npy"),
                    str(tmp_path / "p.npy")], check=True, capture_output=True)
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), model.predict(x, verbose=0),
                               atol=1e-6)


def _smooth_images(n, channels, seed=0):
    """Images whose neighbouring pixels are correlated (8x8 blocks blown up 4x, channels
    mixed), as in photographs: their 2x2 patches are far from white."""
    rng = np.random.default_rng(seed)
    base = rng.random((n, 8, 8, channels))
    base = base + base.mean(axis=-1, keepdims=True)  # channels correlated too
    x = np.repeat(np.repeat(base, 4, axis=1), 4, axis=2)
    return (255 * x / x.max()).astype("uint8")


@pytest.mark.parametrize("channels", [3, 1])
def test_whiten_stem_whitens_the_training_patches_and_stays_fixed(channels, tmp_path):
    import keras
    from numpy.lib.stride_tricks import sliding_window_view
    model = SPEC.build((32, 32, channels), "classification", 10, stem="whiten",
                       preprocess=[keras.layers.Rescaling(1 / 255)])
    stem = model.get_layer("stem_whiten")
    dims = 4 * channels
    assert stem.filters == 2 * dims  # each eigenvector and its negative
    x = _smooth_images(300, channels)
    SPEC.initialize(model, x, np.zeros(len(x)))
    kernel, bias = stem.get_weights()
    w = kernel.reshape(dims, 2 * dims)
    np.testing.assert_allclose(w[:, dims:], -w[:, :dims])
    # the stem's outputs before its ReLU, on the patches it sees: unit variance, uncorrelated,
    # centred (up to the eps airbench adds to each eigenvalue)
    patches = sliding_window_view(x / 255.0, (2, 2), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
    z = patches.reshape(-1, dims) @ w[:, :dims] + bias[:dims]
    np.testing.assert_allclose(np.cov(z.T), np.eye(dims), atol=0.02)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=5e-3)
    # airbench keeps the whitening fixed; its bias trains
    trainable = {id(v) for v in model.trainable_weights}
    assert id(stem.kernel) not in trainable and id(stem.bias) in trainable
    # and an .h5 file reloads it (a kernel frozen after building once broke the weight order)
    model.save(tmp_path / "m.h5")
    reloaded = keras.models.load_model(tmp_path / "m.h5", compile=False)
    for saved, loaded in zip(stem.get_weights(), reloaded.get_layer("stem_whiten").get_weights()):
        np.testing.assert_array_equal(saved, loaded)
    # a learned stem is the first width, at random, and trains
    learned = SPEC.build((32, 32, channels), "classification", 10, stem="learned",
                         widths=(16, 32, 64)).get_layer("stem")
    assert learned.filters == 16 and learned.kernel.trainable
