"""A lone model.h5 (no config.json beside it) knows its training images' polarity from the
file itself; when the file does not say, predict says so in one line and how to set it."""
import json
import shutil

import numpy as np
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
