"""A lone model.h5 (no config.json beside it) fed the wrong kind of input: the one-line
refusal says what the model takes, an LSTM's windows included."""
import pytest

from kerascli.inference.image_inputs import image_array
from kerascli.inference.table_inputs import table_rows
from kerascli.errors import UserError


@pytest.mark.parametrize("shape, given, words", [
    ((20, 1), "rows", "windows of 20 past values of a series"),
    ((20, 1), "image", "windows of 20 past values of a series"),
    ((8, 8, 1), "rows", "takes images (grayscale, 8x8 pixels"),
    ((4,), "image", "takes table rows of 4 values (give a CSV file)"),
])
def test_wrong_input_kind_says_what_the_model_takes(tmp_path, shape, given, words):
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n")
    png = tmp_path / "seven.png"
    with pytest.raises(UserError) as err:
        if given == "rows":
            table_rows(csv, shape)
        else:
            image_array(png, shape)
    message = str(err.value)
    assert words in message and "\n" not in message
    if len(shape) == 2:
        assert "forecast" in message and "images" not in message.split("not")[0]
