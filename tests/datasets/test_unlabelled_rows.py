"""Rows whose label cell is empty are left out of a table, with a note saying how many and
which; only too few labelled rows refuse it (the sweep: openintro/snowfall, wooldridge/lawsch85
were refused whole for a few empty cells)."""
import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.datasets import LoadOptions, load
from kerascli.errors import DataError


def write_snow(path, n=40, empty=(3, 7, 20)):
    rng = np.random.default_rng(0)
    lines = ["year,total_snow"]
    for i in range(n):
        lines.append(f"{1970 + i}," + ("" if i in empty else f"{rng.uniform(20, 90):.1f}"))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rows_without_a_label_are_left_out_with_a_note(tmp_path):
    ds = load(str(write_snow(tmp_path / "snow.csv")), LoadOptions(label="total_snow"))
    assert len(ds.x_train) + len(ds.x_test) == 37
    assert not np.isnan(np.concatenate([ds.y_train, ds.y_test])).any()
    note = next(n for n in ds.extra["notes"] if "empty label" in n)
    assert "3 row(s)" in note and "rows 5, 9, 22" in note  # lines of the file


def test_a_table_with_too_few_labelled_rows_is_refused_in_one_line(tmp_path):
    path = write_snow(tmp_path / "snow.csv", n=6, empty=(0, 1, 2, 4))
    with pytest.raises(DataError, match=r"only 2 rows have a label"):
        load(str(path), LoadOptions(label="total_snow"))
    path = write_snow(tmp_path / "none.csv", n=6, empty=range(6))
    with pytest.raises(DataError, match=r"label column 'total_snow' has only empty cells"):
        load(str(path), LoadOptions(label="total_snow"))


def test_train_on_a_table_with_empty_label_cells_says_so(tmp_path):
    path = write_snow(tmp_path / "snow.csv")
    result = CliRunner().invoke(cli, ["train", "linreg", "-d", str(path), "--label",
                                      "total_snow", "-e", "1", "-o", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert any("empty label" in line for line in result.stderr.splitlines()
               if line.startswith("note:"))
