"""README's "add a model" is literally true: one new file in kerascli/models/ and nothing else
gives ``train NAME``, ``compare NAME`` with its counterparts, its options on ``--help`` and in
the README's options table, checked by its own Param ranges."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import kerascli.models
from kerascli import models
from kerascli.cli import cli

NAME = "tinyadded"
MODEL_FILE = '''"""A test's model: one hidden ReLU layer of --width units."""
from kerascli.models.spec import ModelSpec, Param


class TinyAdded(ModelSpec):
    summary = "one hidden ReLU layer (a test's model)"
    accepts = frozenset({"tabular"})
    tasks = frozenset({"classification"})
    default_dataset = "iris"
    datasets = ("iris",)
    epochs, batch_size, learning_rate = 2, 16, 0.05
    params = (Param("width", "int", 8, "Units of the hidden layer.", high=64, log=True),)
    counterparts = {"classification": ("knn",)}

    def build(self, input_shape, task, n_outputs, *, width, preprocess=(), postprocess=()):
        from kerascli.runtime import keras_module
        keras = keras_module()
        return keras.Sequential([keras.Input(shape=input_shape), *preprocess,
                                 keras.layers.Dense(width, activation="relu"),
                                 keras.layers.Dense(n_outputs, activation="softmax")],
                                name="tinyadded")
'''


@pytest.fixture
def added_model():
    path = Path(kerascli.models.__file__).parent / f"{NAME}.py"
    path.write_text(MODEL_FILE)
    models.refresh()
    try:
        yield models.get(NAME)
    finally:
        path.unlink()
        models.refresh()


def test_a_dropped_model_file_trains_compares_and_documents_itself(added_model, tmp_path):
    runner = CliRunner()
    assert NAME in runner.invoke(cli, ["train", "--help"]).output
    help_text = runner.invoke(cli, ["train", NAME, "--help"]).output
    assert "--width" in help_text and "Units of the hidden layer" in help_text
    compare_help = runner.invoke(cli, ["compare", NAME, "--help"]).output
    assert "knn (classification)" in " ".join(compare_help.split())

    refused = runner.invoke(cli, ["train", NAME, "--width", "500"])
    assert refused.exit_code == 2 and "[1, 64]" in refused.output

    trained = runner.invoke(cli, ["train", NAME, "--width", "4", "--json", "-o", str(tmp_path)])
    assert trained.exit_code == 0, trained.output
    doc = json.loads(trained.stdout)
    assert doc["model"] == NAME and doc["config"]["params"] == {"width": 4}

    compared = runner.invoke(cli, ["compare", NAME, "--json", "-o", str(tmp_path)])
    assert compared.exit_code == 0, compared.output
    names = [m["name"] for m in json.loads(compared.stdout)["models"]]
    assert names == [f"keras:{NAME}", "sklearn:knn"]

    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "commands"))
    from test_option_vocabulary import options_table
    assert "--width" not in options_table()  # a model's own options: on its --help, not here
    assert added_model.search_space()["width"] == {"type": "int", "low": 1, "high": 64,
                                                   "log": True}
