"""train/compare transfer (issue 12): pretrained keras.applications bases with a new head.

Nothing downloads here: weights are ``none`` or a file the test saves from a fresh base, and
the ImageNet case runs with downloads aimed at a closed local port."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

import crashing

from kerascli.cli import cli
from kerascli.core import config as core_config, data as core_data, fit as core_fit
from kerascli.core.rundir import RunDir
from kerascli.models import transfer


def _folder(root, per_class=6, size=(32, 32)):
    from PIL import Image
    rng = np.random.default_rng(0)
    for c, name in enumerate(("cat", "dog")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 120, (*size, 3), dtype=np.uint8) + 120 * c
            Image.fromarray(pixels.astype(np.uint8)).save(root / name / f"{i}.png")
    return root


def _base_weights(model):
    return [np.array(w) for w in model.get_layer("base").get_weights()]


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    """A weights file saved from a fresh mobilenetv2 base (what --weights FILE.h5 takes)."""
    path = tmp_path_factory.mktemp("weights") / "mobilenetv2.weights.h5"
    transfer.make_base("mobilenetv2", (32, 32, 3), "none").save_weights(str(path))
    return path


@pytest.mark.parametrize("base", sorted(transfer.BASES))
def test_preprocessing_inside_the_model_matches_keras_applications(base):
    """The fixed 1x1 conv does what the base's own preprocess_input does to raw pixels."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    module = {"mobilenetv2": keras.applications.mobilenet_v2, "resnet50": keras.applications.resnet50,
              "vgg16": keras.applications.vgg16, "inceptionv3": keras.applications.inception_v3,
              "efficientnetb0": keras.applications.efficientnet}[base]
    x = np.random.default_rng(1).integers(0, 256, (2, 5, 5, 3)).astype("float32")
    layer, kernel, bias = transfer.preprocess_layer(keras, base, 3)
    layer.build((None, 5, 5, 3))
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(np.asarray(layer(x)), module.preprocess_input(x.copy()), atol=1e-4)


@pytest.mark.slow  # ~70 s on 2 cores
def test_frozen_head_leaves_the_base_as_loaded_and_fine_tuning_changes_only_the_top(
        tmp_path, weights_file):
    from kerascli.runtime import keras_module
    keras = keras_module()
    root = _folder(tmp_path / "photos")
    reference = transfer.make_base("mobilenetv2", (32, 32, 3), str(weights_file))
    loaded = [np.array(w) for w in reference.get_weights()]

    params = {"base": "mobilenetv2", "weights": str(weights_file), "fine_tune_epochs": 0}
    cfg = core_config.make_config("transfer", str(root), epochs=2, batch_size=4,
                                  learning_rate=0.01, params=params, out=str(tmp_path))
    result = core_fit.train(cfg, core_data.load_data(cfg), quiet=True)
    after = _base_weights(result.model)
    assert all(np.array_equal(a, b) for a, b in zip(loaded, after))  # frozen: bit for bit
    head_before = result.model.get_layer("head").get_weights()[0]
    assert np.abs(head_before).sum() > 0

    top = 6
    params.update(fine_tune_epochs=1, fine_tune_layers=top)
    cfg = core_config.make_config("transfer", str(root), epochs=1, batch_size=4,
                                  learning_rate=0.01, params=params, out=str(tmp_path))
    result = core_fit.train(cfg, core_data.load_data(cfg), quiet=True)
    assert len(result.history["loss"]) == 2  # one head epoch, one fine-tuning epoch
    base = result.model.get_layer("base")
    changed = set()
    for layer, ref in zip(base.layers, reference.layers):
        for w, r in zip(layer.get_weights(), ref.get_weights()):
            if not np.array_equal(w, r):
                changed.add(layer.name)
    top_layers = base.layers[-top:]
    may_change = {layer.name for layer in top_layers
                  if layer.weights and not isinstance(layer, keras.layers.BatchNormalization)}
    assert changed and changed <= may_change  # batch norm statistics kept (inference mode)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_saved_transfer_run_reloads_with_plain_keras_evaluates_and_predicts(
        tmp_path, weights_file):
    import keras
    root = _folder(tmp_path / "photos")
    out = tmp_path / "runs"
    args = ["train", "transfer", "--dataset", str(root), "--weights", str(weights_file),
            "--epochs", "1", "--fine-tune-epochs", "1", "--fine-tune-layers", "3",
            "--batch-size", "4", "--out", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run = next(out.iterdir())
    model = keras.models.load_model(run / "model.h5")  # plain Keras, no custom objects
    assert model.input_shape == (None, 32, 32, 3)
    record = json.loads((run / "config.json").read_text())
    assert record["config"]["params"]["base"] == "mobilenetv2"

    evaluated = CliRunner().invoke(cli, ["evaluate", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    trained = json.loads((run / "metrics.json").read_text())["metrics"]
    assert json.loads(evaluated.stdout)["metrics"]["accuracy"] == trained["accuracy"]

    image = root / "dog" / "0.png"
    predicted = CliRunner().invoke(cli, ["predict", str(run), str(image), "--json"])
    assert predicted.exit_code == 0, predicted.output
    from kerascli.datasets._image_decode import decode_file
    expected = model.predict(decode_file(image, (32, 32))[None], verbose=0)[0]
    top = json.loads(predicted.stdout)["predictions"][0]
    assert top["top"][0]["probability"] == pytest.approx(float(expected.max()), rel=1e-5)


@pytest.mark.slow  # ~100 s on 2 cores: three transfer trainings
def test_resume_inside_the_fine_tuning_phase_ends_like_an_uninterrupted_run(
        tmp_path, weights_file):
    from kerascli.core import resume
    root = _folder(tmp_path / "photos")
    params = {"base": "mobilenetv2", "weights": str(weights_file), "fine_tune_epochs": 2,
              "fine_tune_layers": 4}
    cfg = core_config.make_config("transfer", str(root), epochs=1, batch_size=4,
                                  learning_rate=0.01, params=params, out=str(tmp_path))
    data = core_data.load_data(cfg)
    full = core_fit.train(cfg, data, run_dir=RunDir.create(tmp_path, "full").path, quiet=True)

    run_dir = RunDir.create(tmp_path, "crashed").path
    with pytest.raises(crashing.Crash):  # in the first fine-tuning epoch, after its backup
        core_fit.train(cfg, data, run_dir=run_dir, callbacks=[crashing.after_epoch(2)], quiet=True)
    assert resume.completed_epochs(run_dir) == 2
    resumed = core_fit.train(cfg, data, run_dir=run_dir, quiet=True)
    assert len(resumed.history["loss"]) == 3
    assert resumed.metrics == pytest.approx(full.metrics, rel=1e-4, abs=1e-5)


@pytest.mark.slow  # ~60 s on 2 cores: two transfer trainings in real processes
def test_a_run_killed_between_head_and_fine_tuning_resumes_at_fine_tuning(tmp_path, weights_file):
    """SIGKILL after the head phase, before fine-tuning's first backup: the head's last
    snapshot is still there, and --resume goes on with fine-tuning, not from epoch 0."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    from kerascli.core import resume
    root = _folder(tmp_path / "photos")
    args = ["train", "transfer", "--dataset", root, "--weights", weights_file, "--epochs", "2",
            "--fine-tune-epochs", "2", "--fine-tune-layers", "4", "--batch-size", "4", "--json"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    full = subprocess.Popen([sys.executable, "-m", "kerascli", *map(str, args), "--out",
                             str(tmp_path / "full")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    stage = Path(__file__).with_name("_transfer_stage.py")
    killed = subprocess.Popen([sys.executable, str(stage), *map(str, args), "--out",
                               str(tmp_path / "killed")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in killed.stderr:
            if line.startswith("STAGE between phases"):
                break
    finally:
        killed.kill()
        killed.communicate()
    run_dir = next((tmp_path / "killed").iterdir())
    assert resume.completed_epochs(run_dir) == 2  # the head's last epoch, kept past its end
    assert not (run_dir / "model.h5").exists()

    resumed = subprocess.run([sys.executable, "-m", "kerascli", "train", "transfer", "--resume",
                              str(run_dir), "--json"], capture_output=True, text=True, env=env,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {run_dir} after epoch 2/" in resumed.stderr  # the head phase done
    after, uninterrupted = json.loads(resumed.stdout), json.loads(full.communicate(timeout=300)[0])
    assert after["epochs_run"] == 4
    for name, value in uninterrupted["metrics"].items():
        assert after["metrics"][name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
    assert len((run_dir / "history.csv").read_text().splitlines()) == 5  # header + 4 epochs
    assert not (run_dir / "backup").exists()


def test_imagenet_weights_offline_is_one_line_naming_file_size_and_place(monkeypatch):
    from kerascli.errors import UserError
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # a closed port: nothing downloads
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with pytest.raises(UserError) as err:
        transfer.make_base("mobilenetv2", (32, 32, 3), "imagenet")
    message = str(err.value)
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5 (about 9 MB" in message
    assert "place it in" in message and "/models/" in message
    assert "--weights none" in message and "--weights FILE.h5" in message and "\n" not in message


def test_a_weights_file_that_does_not_fit_the_base_is_one_line(tmp_path, weights_file):
    from kerascli.errors import DataError, UserError
    with pytest.raises(UserError, match="no such file"):
        transfer.make_base("mobilenetv2", (32, 32, 3), str(tmp_path / "missing.h5"))
    with pytest.raises(DataError, match="cannot be loaded as vgg16 weights"):
        transfer.make_base("vgg16", (32, 32, 3), str(weights_file))


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_compare_baselines_fit_on_the_frozen_base_features(tmp_path, weights_file):
    from kerascli import comparing
    root = _folder(tmp_path / "photos")
    cfg = core_config.make_config("transfer", str(root), epochs=1, params={
        "weights": str(weights_file)}, out=str(tmp_path))
    dataset = core_data.load_data(cfg)
    table = comparing.model_features(cfg, dataset)
    assert table.kind == "tabular" and table.x_train.shape == (len(dataset.x_train), 1280)
    np.testing.assert_array_equal(table.y_test, dataset.y_test)  # same rows, same split
    base = transfer.make_base("mobilenetv2", (32, 32, 3), str(weights_file))
    from kerascli.datasets._image_decode import decode_file
    from kerascli.runtime import keras_module
    keras = keras_module()
    first = decode_file(dataset.x_test.paths[0], (32, 32))[None].astype("float32")
    expected = keras.layers.GlobalAveragePooling2D()(
        base(keras.applications.mobilenet_v2.preprocess_input(first)))
    np.testing.assert_allclose(table.x_test[0], np.asarray(expected)[0], rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_compare_transfer_runs_against_logistic_regression(tmp_path, weights_file):
    root = _folder(tmp_path / "photos")
    result = CliRunner().invoke(cli, ["compare", "transfer", "--dataset", str(root), "--weights",
                                      str(weights_file), "--epochs", "1", "--fine-tune-epochs",
                                      "0", "--out", str(tmp_path / "runs"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = [e["name"] for e in json.loads(result.stdout)["models"]]
    assert names == ["keras:transfer", "sklearn:logistic-regression"]
