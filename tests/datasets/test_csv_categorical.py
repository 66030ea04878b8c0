"""CSV tables with text columns and empty cells: encoded inside the model (so model.h5 takes raw
rows), adapted on the training rows only, the same encoding for the scikit-learn baselines."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli

CITY_EFFECT = {"Paris": 5.0, "Rome": -3.0, "Oslo": 0.0, "Lima": 8.0}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_houses(path, n=160, seed=0, empty_every=17):
    """price = 3*size + city effect + 2 if red, small noise; a few empty sizes."""
    rng = np.random.default_rng(seed)
    lines = ["size,city,color,price,band"]
    for i in range(n):
        size = round(float(rng.uniform(1, 10)), 2)
        city = list(CITY_EFFECT)[i % 4]
        color = ("red", "blue")[int(rng.integers(2))]
        price = 3 * size + CITY_EFFECT[city] + (2 if color == "red" else 0) + rng.normal(0, 0.3)
        band = "cheap" if price < 20 else "dear"
        cell = "" if i % empty_every == 5 else f"{size}"
        lines.append(f"{cell},{city},{color},{price:.3f},{band}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def houses(tmp_path_factory):
    return write_houses(tmp_path_factory.mktemp("tables") / "houses.csv")


@pytest.fixture(scope="module")
def price_run(houses, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    result = invoke("train", "mlp", "-d", houses, "--label", "price", "--features",
                    "size,city,color", "-e", "40", "--hidden", "16", "--dropout", "0",
                    "--learning-rate", "0.01", "-o", out, "--json")
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["run_dir"]), json.loads(result.stdout), result


def test_text_columns_train_instead_of_being_refused(price_run):
    run_dir, payload, result = price_run
    assert payload["metrics"]["r2"] > 0.8  # the city and colour effects were learnt
    dataset = json.loads((run_dir / "config.json").read_text())["dataset"]
    assert dataset["column_kinds"] == ["numeric", "categorical", "categorical"]


def test_empty_numeric_cells_are_filled_with_a_one_line_note(price_run):
    _, _, result = price_run
    notes = [line for line in result.stderr.splitlines() if "empty cell" in line]
    assert len(notes) == 1 and "'size'" in notes[0] and "mean of the training rows" in notes[0]


def test_saved_model_takes_raw_rows_with_plain_keras_and_no_lambda(price_run):
    import h5py
    import kerascli  # noqa: F401  (registers kerascli's layers with Keras)
    from kerascli.runtime import keras_module
    run_dir, _, _ = price_run
    with h5py.File(run_dir / "model.h5") as f:
        config = f.attrs["model_config"]
    assert "Lambda" not in config and "TableEncoder" in config
    keras = keras_module()
    model = keras.models.load_model(run_dir / "model.h5")  # safe_mode on
    encoder = model.layers[0]
    assert [type(lookup) for _, lookup in encoder.lookups] == [keras.layers.StringLookup] * 2
    rows = np.array([["5.0", "Paris", "red"], ["5.0", "Rome", "red"]])
    out = np.asarray(model(rows)).ravel()
    # the learnt city effects: Paris - Rome = 8 in the data
    assert out[0] - out[1] == pytest.approx(8.0, abs=2.5)


def test_predict_takes_csv_rows_with_unknown_categories_and_empty_cells(price_run, tmp_path):
    run_dir, _, _ = price_run
    rows = tmp_path / "new.csv"
    rows.write_text("size,city,color\n5.0,Paris,red\n5.0,Zurich,green\n,Lima,blue\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    values = [p["value"] for p in json.loads(result.stdout)["predictions"]]
    assert len(values) == 3 and all(np.isfinite(values))
    assert values[0] == pytest.approx(15 + 5 + 2, abs=3.0)


def test_predict_refuses_text_in_a_numeric_column_in_one_line(price_run, tmp_path):
    run_dir, _, _ = price_run
    rows = tmp_path / "bad.csv"
    rows.write_text("size,city,color\nbig,Paris,red\n")
    result = invoke("predict", run_dir, rows)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "row 1 (line 2), column 'size'" in result.stderr and "not a number" in result.stderr


def test_evaluate_reloads_and_matches_training(price_run):
    run_dir, payload, _ = price_run
    result = invoke("evaluate", run_dir, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["rmse"] == pytest.approx(
        payload["metrics"]["rmse"], rel=1e-5)


def test_text_label_gives_the_class_names(houses, tmp_path):
    result = invoke("train", "logreg", "-d", houses, "--label", "band", "--features",
                    "size,city,color", "-e", "2", "-o", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    run_dir = Path(json.loads(result.stdout)["run_dir"])
    dataset = json.loads((run_dir / "config.json").read_text())["dataset"]
    assert dataset["class_names"] == ["cheap", "dear"] and dataset["task"] == "classification"
    rows = tmp_path / "one.csv"
    rows.write_text("size,city,color\n9.5,Lima,red\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"][0]["top"][0]["class"] in ("cheap", "dear")


def test_encoding_is_adapted_on_the_training_rows_only(tmp_path):
    from kerascli.core import config, data, fit
    path = write_houses(tmp_path / "t.csv", n=60)
    lines = path.read_text().splitlines()
    lines.append("1000,Atlantis,red,3000.0,dear")  # one extreme row: where does it land?
    path.write_text("\n".join(lines) + "\n")
    cfg = config.make_config("linreg", str(path), label="price", features=("size", "city"),
                             epochs=1)
    dataset = data.load_data(cfg)
    assert dataset.x_train.dtype.kind == "U"  # raw cell text
    model = fit.build_model(cfg, dataset)
    encoder = model.layers[0]
    city = encoder.get_config()["columns"][1]
    train_cities = set(dataset.x_train[:, 1])
    assert set(city["vocabulary"]) == train_cities
    sizes = dataset.x_train[:, 0]
    mean = np.mean([float(s) for s in sizes if s])
    assert encoder.get_config()["columns"][0]["mean"] == pytest.approx(mean)


def test_compare_feeds_the_baselines_the_same_encoding(houses, tmp_path):
    result = invoke("compare", "linreg", "-d", houses, "--label", "price", "--features",
                    "size,city,color", "-e", "5", "-o", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    ols = next(m for m in doc["models"] if m["name"] == "sklearn:linear-regression")
    # one coefficient per standardised number and per one-hot category (4 cities, 2 colours)
    assert ols["n_params"] == 1 + 4 + 2 + 1
    assert ols["metrics"]["r2"]["mean"] > 0.9  # (the rows with an empty size lose some)


def test_baseline_encoding_puts_unknown_categories_in_no_category():
    from kerascli import baselines
    rows = np.array([["1", "a"], ["", "b"], ["3", "a"]])
    encoding = baselines.table_encoding(["numeric", "categorical"], max_categories=100).fit(rows)
    out = encoding.transform(np.array([["2", "zzz"], ["", "a"]]))
    assert out.shape == (2, 3)
    assert out[0, 0] == pytest.approx(0.0) and list(out[0, 1:]) == [0.0, 0.0]
    assert out[1, 0] == pytest.approx(0.0) and list(out[1, 1:]) == [1.0, 0.0]


def test_a_stray_word_in_a_numeric_column_is_a_one_line_error_not_a_category(tmp_path):
    from kerascli.datasets import LoadOptions, load
    from kerascli.errors import DataError
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"{i},{'x' if i % 2 else 'y'}\n" for i in range(9))
                    + "four,x\n")
    with pytest.raises(DataError, match="column 'a' is not numeric at row 11 \\('four'\\)"):
        load(str(path), LoadOptions(label="b"))


@pytest.mark.parametrize("cells, why", [
    # R's openintro::cards: value is 2..10 then J, Q, K, A, each four times
    ([str(v) for v in range(2, 11)] * 2 + ["J", "Q", "K", "A"] * 2, "repeated words"),
    # classification codes (R's validate::nace_rev2): leading zeros, a few letters
    (["A", "01", "011", "0111", "0112", "02", "021", "B", "05", "051", "10", "11"], "codes"),
], ids=["cards", "codes"])
def test_numbers_mixed_with_repeated_words_or_written_as_codes_are_categories(tmp_path, cells,
                                                                               why):
    from kerascli.datasets import LoadOptions, load
    path = tmp_path / "t.csv"
    path.write_text("value,y\n" + "".join(f"{c},{'x' if i % 2 else 'y'}\n"
                                           for i, c in enumerate(cells)))
    data = load(str(path), LoadOptions(label="y"))
    notes = data.extra.get("notes", [])
    assert any("column 'value' is text" in note for note in notes), (why, notes)
