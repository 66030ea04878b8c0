"""A regression model on a numeric label is a regression, whatever the number of distinct
values; --task overrides the loader's guess for models that do both."""
import json

import numpy as np
import pytest

from kerascli.core import config, data
from kerascli.errors import UserError


def _flats_csv(path, rows=80, seed=4):
    """Flats: rooms (1-5, few distinct values) from area and price."""
    rng = np.random.default_rng(seed)
    lines = ["area_m2,price_k,rooms,district"]
    for _ in range(rows):
        rooms = int(rng.integers(1, 6))
        area = rooms * 22 + rng.normal(0, 6)
        lines.append(f"{area:.1f},{area * 4.1 + rng.normal(0, 20):.0f},{rooms},"
                     f"{rng.choice(['north', 'south'])}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_linreg_on_a_label_with_five_values_is_a_regression(invoke, tmp_path):
    csv = _flats_csv(tmp_path / "flats.csv")
    result = invoke("train", "linreg", "--dataset", csv, "--label", "rooms", "--features",
                    "area_m2,price_k", "--epochs", "2", "--out", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["task"] == "regression" and set(doc["metrics"]) >= {"rmse", "r2"}
    run = doc["run_dir"]
    evaluated = invoke("evaluate", run, "--json")  # evaluate reads the label the same way
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["metrics"]["rmse"] == pytest.approx(doc["metrics"]["rmse"])


def test_task_option_overrides_the_guess_for_mlp(tmp_path):
    csv = _flats_csv(tmp_path / "flats.csv")
    guess = data.load_data(config.make_config("mlp", str(csv), label="rooms",
                                              features=("area_m2", "price_k")))
    assert guess.task == "classification" and guess.class_names == ("1", "2", "3", "4", "5")
    values = data.load_data(config.make_config("mlp", str(csv), label="rooms", task="regression",
                                               features=("area_m2", "price_k")))
    assert values.task == "regression" and values.class_names is None
    assert sorted(set(values.y_train.tolist())) == [1.0, 2.0, 3.0, 4.0, 5.0]
    classes = data.load_data(config.make_config("mlp", str(csv), label="price_k",
                                                task="classification", features=("area_m2",)))
    assert classes.task == "classification" and classes.n_classes > 20


def test_a_text_label_cannot_be_a_regression_target(tmp_path):
    csv = _flats_csv(tmp_path / "flats.csv")
    with pytest.raises(UserError, match="not numeric"):
        data.load_data(config.make_config("linreg", str(csv), label="district"))
