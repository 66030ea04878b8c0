import numpy as np
import pytest

import datafiles
from kerascli.datasets import LoadOptions, load
from kerascli.errors import DataError, UserError


def test_image_folder_resizes_every_image_and_splits_per_class(image_folder):
    ds = load(str(image_folder), LoadOptions(image_size=(12, 10), test_size=0.2))
    assert ds.class_names == ("cat", "dog") and ds.x_train.dtype == np.uint8
    assert ds.x_train.shape[1:] == (12, 10, 3) and ds.input_shape == (12, 10, 3)
    assert len(ds.x_train) + len(ds.x_test) == 10  # notes.txt ignored
    assert sorted(np.bincount(ds.y_test)) == [1, 1]  # stratified
    again = load(str(image_folder), LoadOptions(image_size=(12, 10)))
    np.testing.assert_array_equal(ds.x_test, again.x_test)  # seeded


def test_image_folder_default_size_is_the_first_image_capped_at_64(tmp_path):
    root = datafiles.write_image_folder(tmp_path / "p")  # first file 000.jpg is 40x30 (h x w)
    assert load(str(root)).input_shape == (40, 30, 3)
    ds = load(str(root), LoadOptions(color_mode="grayscale", image_size=(8, 8)))
    assert ds.x_train.shape[1:] == (8, 8, 1)


def test_image_folder_keeps_train_and_test_subfolders(tmp_path):
    root = datafiles.write_image_folder(tmp_path / "p", classes=("a", "b", "c"), per_class=2,
                                        split=True)
    ds = load(str(root), LoadOptions(image_size=(8, 8)))
    assert (len(ds.x_train), len(ds.x_test), ds.class_names) == (6, 6, ("a", "b", "c"))
    assert ds.extra["split"] == "train/test folders"


def test_image_folder_without_class_subfolders_is_refused(tmp_path):
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="no class subfolders"):
        load(str(tmp_path / "flat"))


def test_csv_table_label_chosen_by_name(csv_file):
    ds = load(str(csv_file), LoadOptions(label="label", features=("x1", "x2")))
    assert ds.feature_names == ("x1", "x2") and ds.class_names == ("a", "b")
    assert ds.x_train.shape == (9, 2) and ds.source == str(csv_file)


@pytest.mark.parametrize("options, message", [
    (LoadOptions(label="price"), "no label column 'price'; columns are: x1, x2, colour, label"),
    (LoadOptions(), "Give --label COLUMN; columns are: x1, x2, colour, label"),
    (LoadOptions(label="label", features=("x1", "x9")), "no column 'x9'"),
])
def test_csv_table_bad_columns_are_one_line_errors(csv_file, options, message):
    with pytest.raises(DataError, match=message) as err:
        load(str(csv_file), options)
    assert str(err.value).startswith(str(csv_file)) and "\n" not in str(err.value)


def test_csv_that_is_empty_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty.csv: is empty"):
        load(str(path), LoadOptions(label="y"))


def test_unknown_dataset_and_missing_path_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown dataset"):
        load("nosuch")
    with pytest.raises(UserError, match="no such file"):
        load(str(tmp_path / "missing.csv"))
