"""The one CSV reader (kerascli.datasets.csv.read), for training and predicting: separators
sniffed, header bounded, duplicate names refused, cell values cut short in messages."""
import time

import pytest

from kerascli.datasets import LoadOptions, load
from kerascli.datasets.csv import MAX_COLUMNS, read
from kerascli.errors import DataError
from kerascli.inference.table_inputs import table_rows


def test_train_reader_detects_semicolon_separators_as_predict_does(tmp_path):
    path = tmp_path / "semi.csv"
    rows = [f"{i % 7},{i % 3}5;{'ab'[i % 2]}" for i in range(12)]  # decimal commas
    path.write_text("x;z;label\n" + "\n".join(f"{i % 5};{i % 2};{'ab'[i % 2]}" for i in range(12)))
    ds = load(str(path), LoadOptions(label="label"))
    assert ds.feature_names == ("x", "z") and ds.class_names == ("a", "b")
    assert table_rows(path, (2,), ("x", "z"))[0].shape == (12, 2)
    assert rows  # a comma inside a ;-separated file does not make it comma-separated:
    path.write_text("x;label\n" + "\n".join(rows))
    assert list(read(path).columns) == ["x", "label"]


def test_duplicate_column_names_are_refused_naming_them(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,y,b,y\n1,2,3,4\n5,6,7,8\n")
    with pytest.raises(DataError, match=r"duplicate column names: 'y' \(columns 2, 4\)") as err:
        load(str(path), LoadOptions(label="y"))
    assert "\n" not in str(err.value)


def test_a_huge_header_is_refused_at_once(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_300_000)) + "\n")  # ~10 MB, one line
    start = time.perf_counter()
    with pytest.raises(DataError, match="header line is longer than 1 MiB"):
        read(path)
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + "1," * MAX_COLUMNS
                    + "1\n")
    with pytest.raises(DataError, match=f"{MAX_COLUMNS + 1:,} columns; kerascli reads tables of "
                                        f"at most {MAX_COLUMNS:,}"):
        read(path)
    assert time.perf_counter() - start < 10


def test_a_huge_cell_is_cut_short_in_the_error(tmp_path):
    path = tmp_path / "big.csv"
    huge = "x" * 1_000_000
    path.write_text("v,label\n" + "\n".join(f"{i},{'ab'[i % 2]}" for i in range(10))
                    + f"\n{huge},a\n")
    with pytest.raises(DataError, match="not numeric at row 12") as err:
        load(str(path), LoadOptions(label="label"))
    assert len(str(err.value)) < 400 and "1,000,000 characters" in str(err.value)
