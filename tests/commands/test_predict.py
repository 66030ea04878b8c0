"""`kerascli predict` on image files (any size, polarity fixed) and CSV rows."""
import json

import numpy as np
import pytest
from PIL import Image


def _predictions(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["predictions"]


def test_predict_csv_rows_gives_top_k_classes(invoke, iris_run, tmp_path):
    rows = tmp_path / "flowers.csv"
    rows.write_text("petal_width,sepal_length,sepal_width,petal_length\n0.2,5.1,3.5,1.4\n"
                    "2.3,6.7,3.0,5.2\n")  # columns in another order: matched by name
    entries = _predictions(invoke("predict", iris_run.run_dir, rows, "--top-k", "2", "--json"))
    assert [e["input"] for e in entries] == [f"{rows}:2", f"{rows}:3"]
    assert [len(e["top"]) for e in entries] == [2, 2]
    assert entries[0]["top"][0]["class"] == "setosa" and entries[1]["top"][0]["class"] == "virginica"
    probabilities = [t["probability"] for t in entries[0]["top"]]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1 + 1e-6


def test_predict_prints_a_table(invoke, iris_run, tmp_path):
    rows = tmp_path / "one.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n")
    result = invoke("predict", iris_run.run_dir, rows)
    assert result.exit_code == 0, result.output
    assert "setosa" in result.stdout and "probability" in result.stdout


def test_predict_csv_missing_a_feature_column(invoke, iris_run, tmp_path):
    rows = tmp_path / "bad.csv"
    rows.write_text("sepal_length,sepal_width\n5.1,3.5\n")
    result = invoke("predict", iris_run.run_dir, rows)
    assert result.exit_code == 2 and "petal_length" in result.stderr


def _digit(digits_run, index):
    from kerascli import datasets
    dataset = datasets.load("digits")
    return dataset.x_test[index, :, :, 0], int(dataset.y_test[index])


def test_predict_inverts_a_white_background_drawing_to_mnist_polarity(invoke, digits_run, tmp_path):
    pixels, _ = _digit(digits_run, 0)
    big = Image.fromarray(pixels).resize((64, 64), Image.Resampling.NEAREST)
    big.save(tmp_path / "dark.png")
    Image.fromarray(255 - np.asarray(big)).convert("RGB").save(tmp_path / "white.jpg", quality=100)
    entries = _predictions(invoke("predict", digits_run.run_dir, tmp_path / "dark.png",
                                  tmp_path / "white.jpg", "--json", "--top-k", "10"))
    assert [e["inverted"] for e in entries] == [False, True]
    assert entries[0]["top"][0]["class"] == entries[1]["top"][0]["class"]
    assert len(entries[0]["top"]) == 10


def test_predict_image_matches_the_model_on_the_same_pixels(invoke, digits_run, tmp_path):
    pixels, _ = _digit(digits_run, 3)
    Image.fromarray(pixels).save(tmp_path / "same-size.png")  # 8x8: no resizing, exact pixels
    entry = _predictions(invoke("predict", digits_run.run_dir, tmp_path / "same-size.png", "--json"))[0]
    expected = digits_run.model.predict(pixels[None, :, :, None], verbose=0)[0]
    assert entry["top"][0]["index"] == int(np.argmax(expected))
    assert entry["top"][0]["probability"] == pytest.approx(float(expected.max()), rel=1e-5)


@pytest.mark.parametrize("name,content,needle", [
    ("fake.png", b"not an image", "not an image"),
    ("missing.png", None, "no such file"),
])
def test_predict_refuses_unreadable_images(invoke, digits_run, tmp_path, name, content, needle):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = invoke("predict", digits_run.run_dir, tmp_path / name)
    assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.output


def test_predict_refuses_an_image_for_a_table_model(invoke, iris_run, tmp_path):
    Image.new("L", (10, 10)).save(tmp_path / "x.png")
    result = invoke("predict", iris_run.run_dir, tmp_path / "x.png")
    assert result.exit_code == 2 and "CSV" in result.stderr
