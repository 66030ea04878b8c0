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
    assert [e["input"] for e in entries] == [f"{rows} row 1", f"{rows} row 2"]
    assert [e["row"] for e in entries] == [1, 2]
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


def test_predict_names_rows_by_data_row_in_errors(invoke, iris_run, tmp_path):
    rows = tmp_path / "bad.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"
                    "5.1,abc,1.4,0.2\n")
    result = invoke("predict", iris_run.run_dir, rows)
    assert result.exit_code == 2 and "row 2 (line 3)" in result.stderr


def test_predict_refuses_numbers_a_float32_cannot_hold(invoke, iris_run, tmp_path):
    rows = tmp_path / "big.csv"
    rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n1e39,3.5,1.4,0.2\n")
    result = invoke("predict", iris_run.run_dir, rows)
    assert result.exit_code == 2 and "float32" in result.stderr and "row 1" in result.stderr


def test_predict_a_folder_predicts_every_image_in_it(invoke, digits_run, tmp_path):
    folder = tmp_path / "drawings"
    (folder / "more").mkdir(parents=True)
    for i, where in enumerate([folder, folder, folder / "more"]):
        Image.fromarray(_digit(digits_run, i)[0]).save(where / f"d{i}.png")
    entries = _predictions(invoke("predict", digits_run.run_dir, folder, "--json"))
    assert [e["input"].split("drawings")[1] for e in entries] == \
        ["/d0.png", "/d1.png", "/more/d2.png"]


def test_predict_an_empty_folder_is_one_line(invoke, digits_run, tmp_path):
    result = invoke("predict", digits_run.run_dir, tmp_path)
    assert result.exit_code == 2 and "without image files" in result.stderr


def test_predict_an_image_bomb_is_one_line_exit_2(invoke, digits_run, tmp_path):
    from datafiles import png_header
    (tmp_path / "bomb.png").write_bytes(png_header(30000, 30000))  # 900 Mpx declared
    result = invoke("predict", digits_run.run_dir, tmp_path / "bomb.png")
    assert result.exit_code == 2, result.output
    assert "too many pixels" in result.stderr or "budget" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_predict_writes_a_submission_csv_with_an_id_column(invoke, iris_run, tmp_path):
    rows = tmp_path / "test.csv"
    rows.write_text("Id,sepal_length,sepal_width,petal_length,petal_width\n"
                    "7,5.1,3.5,1.4,0.2\n9,6.7,3.0,5.2,2.3\n")
    result = invoke("predict", iris_run.run_dir, rows, "--output", tmp_path / "sub.csv",
                    "--id-column", "Id", "--label-column", "Species")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sub.csv").read_text() == "Id,Species\n7,setosa\n9,virginica\n"


def test_predict_pixel_rows_write_a_kaggle_digit_submission(invoke, digits_run, tmp_path):
    pixels = [_digit(digits_run, i)[0].reshape(-1) for i in range(3)]
    header = ",".join(f"pixel{i}" for i in range(pixels[0].size))
    rows = tmp_path / "test.csv"
    rows.write_text(header + "\n" + "\n".join(",".join(map(str, p)) for p in pixels) + "\n")
    result = invoke("predict", digits_run.run_dir, rows, "--output", tmp_path / "sub.csv",
                    "--id-column", "ImageId", "--label-column", "Label", "--json")
    entries = _predictions(result)
    lines = (tmp_path / "sub.csv").read_text().splitlines()
    assert lines[0] == "ImageId,Label" and [l.split(",")[0] for l in lines[1:]] == ["1", "2", "3"]
    assert [l.split(",")[1] for l in lines[1:]] == [e["top"][0]["class"] for e in entries]


def _digit_pixel_csv(path, rows, label=True):
    """scikit-learn's 8x8 digits as Kaggle's Digit Recognizer writes MNIST: label (when
    ``label``), pixel0..pixel63, 0-255."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    pixels = np.rint(digits.data[rows] * 255 / 16).astype(int)
    header = (["label"] if label else []) + [f"pixel{i}" for i in range(64)]
    lines = [",".join(header)] + [",".join(([str(digits.target[r])] if label else [])
                                           + [str(v) for v in p]) for r, p in zip(rows, pixels)]
    path.write_text("\n".join(lines) + "\n")
    return digits.target[rows]


def test_kaggle_digit_recognizer_from_train_csv_to_submission(invoke, tmp_path):
    _digit_pixel_csv(tmp_path / "train.csv", range(300))
    result = invoke("train", "cnn", "--dataset", tmp_path / "train.csv", "-e", "2", "--filters",
                    "4,8", "--dense-units", "16", "--padding", "same", "-o", tmp_path / "runs",
                    "--json")
    run_dir = json.loads(result.stdout)["run_dir"]
    _digit_pixel_csv(tmp_path / "test.csv", range(300, 340), label=False)
    result = invoke("predict", run_dir, tmp_path / "test.csv", "--output", tmp_path / "sub.csv",
                    "--id-column", "ImageId", "--label-column", "Label")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "sub.csv").read_text().splitlines()
    assert lines[0] == "ImageId,Label"
    assert [line.split(",")[0] for line in lines[1:]] == [str(i) for i in range(1, 41)]
    assert {line.split(",")[1] for line in lines[1:]} <= {str(d) for d in range(10)}
    # the columns by the names training recorded, not by position
    frame = __import__("pandas").read_csv(tmp_path / "test.csv")
    frame[frame.columns[::-1]].to_csv(tmp_path / "reversed.csv", index=False)
    result = invoke("predict", run_dir, tmp_path / "reversed.csv", "--output",
                    tmp_path / "sub2.csv", "--id-column", "ImageId", "--label-column", "Label")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sub2.csv").read_text() == "\n".join(lines) + "\n"
    # other pixel columns than training's: one line, exit 2
    frame.rename(columns={"pixel63": "pixel64"}).to_csv(tmp_path / "other.csv", index=False)
    result = invoke("predict", run_dir, tmp_path / "other.csv")
    assert result.exit_code == 2
    assert "no column 'pixel63'" in result.stderr and "pixel64" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
