"""Models a format cannot hold are refused in one line with the reason (measured; the README's
export table lists them), before anything is written."""
import pytest


@pytest.fixture(scope="module")
def text_table_run(tmp_path_factory, train_run):
    """An MLP on a CSV with a text column: its TableEncoder takes the raw cells as strings."""
    import datafiles
    csv = datafiles.write_csv(tmp_path_factory.mktemp("table") / "table.csv", rows=40)
    return train_run("mlp", str(csv), epochs=1, label="label")


@pytest.mark.parametrize("fmt", [pytest.param("onnx", marks=pytest.mark.needs_extra("onnx")),
                                 "litert"])
def test_a_table_encoder_is_refused_in_one_line(invoke, text_table_run, tmp_path, fmt):
    result = invoke("export", text_table_run.run_dir, "--format", fmt, "--output", tmp_path / "o")
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "TableEncoder" in error[0] and "saved_model" in error[0]
    assert f"cannot export this model to {fmt}" in error[0]
    assert not (tmp_path / "o").exists()


def test_saved_model_keeps_the_text_encoding_inside(invoke, text_table_run, tmp_path):
    import json
    result = invoke("export", text_table_run.run_dir, "--output", tmp_path / "s")
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "s" / "export.json").read_text())
    assert info["input"]["dtype"] == "string" and "as text" in info["input"]["is"]
