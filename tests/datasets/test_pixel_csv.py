"""A CSV table of pixels (Kaggle Digit Recognizer: label, pixel0..pixel783) is an image
dataset, for every image model (issue 25)."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.datasets import IMAGE, LoadOptions, load
from kerascli.errors import DataError


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_pixels(path, n=80, side=12, label="label", seed=0, channels=1):
    """Bright top half for class 1, bright bottom half for class 0, noise elsewhere."""
    rng = np.random.default_rng(seed)
    count = side * side * channels
    lines = [",".join([label] + [f"pixel{i}" for i in range(count)])]
    for i in range(n):
        img = rng.integers(0, 40, (side, side, channels))
        cls = i % 2
        half = slice(0, side // 2) if cls else slice(side // 2, side)
        img[half] += 200
        lines.append(",".join([str(cls)] + [str(v) for v in img.ravel()]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_pixel_csv_is_an_image_dataset_of_its_square_shape(tmp_path):
    path = write_pixels(tmp_path / "train.csv")
    ds = load(str(path))  # no --label: the one column that is not a pixel
    assert ds.kind == IMAGE and ds.input_shape == (12, 12, 1)
    assert ds.x_train.shape[1:] == (12, 12, 1) and ds.x_train.dtype == np.uint8
    assert ds.class_names == ("0", "1") and ds.extra["layout"] == "pixel-csv"
    first = np.array(path.read_text().splitlines()[1].split(",")[1:], dtype=np.uint8)
    rows = np.concatenate([ds.x_train, ds.x_test]).reshape(80, -1)
    assert any((r == first).all() for r in rows)  # row-major, nothing reordered


def test_image_shape_option_reads_colour_pixels(tmp_path):
    path = write_pixels(tmp_path / "c.csv", side=6, channels=3, label="y")
    ds = load(str(path), LoadOptions(image_shape=(6, 6, 3)))
    assert ds.input_shape == (6, 6, 3) and ds.extra["image_shape"] == [6, 6, 3]
    with pytest.raises(DataError, match="108 pixel columns, but --image-shape 10,10,1 needs 100"):
        load(str(path), LoadOptions(image_shape=(10, 10, 1)))


def test_a_pixel_value_out_of_range_is_a_one_line_error(tmp_path):
    path = write_pixels(tmp_path / "t.csv", n=8, side=4)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",300"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"row 4, column 'pixel15': 300 is not a pixel value"):
        load(str(path))


def test_cnn_trains_on_a_pixel_csv_and_the_run_records_its_layout(tmp_path):
    path = write_pixels(tmp_path / "train.csv", n=120)
    result = invoke("train", "cnn", "-d", path, "-e", "3", "--filters", "4,8", "--dense-units",
                    "16", "--padding", "same", "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["metrics"]["accuracy"] > 0.9
    dataset = json.loads((Path(payload["run_dir"]) / "config.json").read_text())["dataset"]
    assert dataset["kind"] == "image" and dataset["layout"] == "pixel-csv"
    assert dataset["image_shape"] == [12, 12, 1] and dataset["label"] == "label"
    assert dataset["feature_names"][:2] == ["pixel0", "pixel1"]


def test_mlp_on_a_pixel_csv_keeps_validation_loss_on_the_training_scale(tmp_path):
    path = write_pixels(tmp_path / "train.csv", n=120)
    result = invoke("train", "mlp", "-d", path, "--label", "label", "-e", "3", "--hidden", "16",
                    "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    import pandas as pd
    history = pd.read_csv(Path(json.loads(result.stdout)["run_dir"]) / "history.csv")
    assert history["val_loss"].max() < 2 * history["loss"].max()
