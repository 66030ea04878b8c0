"""A lone model.h5 (no config.json beside it) knows its training images' polarity from the
file itself; when the file does not say, predict says so in one line and how to set it."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kerascli import artifacts


def _tiny_digit_model(path, facts=None):
    from kerascli.runtime import keras_module
    keras = keras_module()
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    return artifacts.save_model_h5(model, path, facts=facts)


def _dark_on_white(path):
    pixels = np.full((32, 32), 250, dtype=np.uint8)
    pixels[6:26, 14:18] = 10  # a "1" in dark ink on white paper
    Image.fromarray(pixels).save(path)
    return path


def test_a_run_model_carries_its_polarity_inside_the_file(iris_run, digits_run, tmp_path, invoke):
    model = digits_run.run_dir.path / "model.h5"
    assert artifacts.read_model_facts(model) == {"background": "dark"}
    lone = shutil.copy(model, tmp_path / "digits.h5")  # no config.json beside it
    result = invoke("predict", lone, _dark_on_white(tmp_path / "one.png"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"][0]["inverted"] is True
    assert "--background" not in result.stderr
    assert artifacts.read_model_facts(iris_run.run_dir.path / "model.h5") == {}  # not images


def test_a_model_that_does_not_say_gets_one_line_and_background_sets_it(tmp_path, invoke):
    lone = _tiny_digit_model(tmp_path / "found.h5")
    drawing = _dark_on_white(tmp_path / "one.png")
    result = invoke("predict", lone, drawing, "--json")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "--background" in line]
    assert len(notes) == 1 and "as they are" in notes[0]
    assert json.loads(result.stdout)["predictions"][0]["inverted"] is False
    told = invoke("predict", lone, drawing, "--background", "dark", "--json")
    assert told.exit_code == 0, told.output
    assert json.loads(told.stdout)["predictions"][0]["inverted"] is True
    assert "--background" not in told.stderr


def test_polarity_counts_only_when_nine_in_ten_training_borders_agree():
    from kerascli.core.data import background_of
    rng = np.random.default_rng(0)
    digits = np.zeros((100, 12, 12, 1), np.uint8)
    digits[:, 3:9, 5:7] = 255  # light strokes on black
    assert background_of(digits) == "dark"
    assert background_of(255 - digits) == "light"
    # photographs: skies and walls, night and shadow; about half the borders bright
    photos = np.where(rng.random((100, 1, 1, 1)) < 0.5, 40, 210).astype(np.uint8) + \
        rng.integers(0, 30, (100, 12, 12, 3), dtype=np.uint8)
    assert background_of(photos) == "mixed"
    mostly = digits.copy()
    mostly[:5] = 255 - mostly[:5]  # 5% scanned the other way round: still dark
    assert background_of(mostly) == "dark"
    assert background_of(np.zeros((5, 4))) is None  # not images


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_predict_inverts_no_photograph_of_a_model_trained_on_photographs(tmp_path, invoke):
    """A cnn trained on CIFAR's JPEGs recorded "light" (its mean border was light) and predict
    then inverted every darker photo it was given."""
    rng = np.random.default_rng(1)
    root = tmp_path / "photos"
    for k, name in enumerate(("cats", "dogs")):
        (root / name).mkdir(parents=True)
        for i in range(12):
            level = 40 if i % 2 else 210  # dark and light scenes in both classes
            pixels = np.clip(rng.normal(level, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
            pixels[4:12, 4:12, k] = 255
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    result = invoke("train", "mlp", "-d", root, "--image-size", "16", "-e", "1",
                    "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    run_dir = json.loads(result.stdout)["run_dir"]
    assert json.loads((Path(run_dir) / "config.json").read_text())["background"] == "mixed"
    dark, light = root / "cats" / "1.png", root / "cats" / "0.png"
    told = invoke("predict", run_dir, dark, light, "--json")
    assert told.exit_code == 0, told.output
    assert "--background" not in told.stderr  # "mixed" is known, not missing
    assert [e["inverted"] for e in json.loads(told.stdout)["predictions"]] == [False, False]
