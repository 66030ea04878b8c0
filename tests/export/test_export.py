"""kerascli export: each format exported, reloaded by its own runtime, run on the raw test inputs
and matched against Keras; export.json beside it; failures leave nothing behind."""
import json

import numpy as np
import pytest


def _raw_inputs(run_dir, n=20):
    from kerascli.inference.evaluate import test_dataset
    from kerascli.inference.saved_run import load_run
    run = load_run(run_dir)
    return run.model, test_dataset(run).x_test[:n]


def test_saved_model_takes_raw_rows_under_the_tf_serving_signature(invoke, iris_mlp, tmp_path):
    out = tmp_path / "iris" / "1"  # TF Serving's MODEL_BASE/VERSION layout
    result = invoke("export", iris_mlp.run_dir, "--output", out)
    assert result.exit_code == 0, result.output
    assert "checked with tensorflow" in result.stdout and "same top class on 100.00%" in result.stdout
    info = json.loads((out / "export.json").read_text())
    assert info["input"]["shape"] == [None, 4] and info["input"]["dtype"] == "float32"
    assert info["output"]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert info["serving_signature"] == "serving_default" and len(info["example"]) == 3
    import tensorflow as tf
    model, x = _raw_inputs(iris_mlp.run_dir)  # raw centimetres: the scaling is inside
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    got = serve(**{info["input"]["name"]: tf.constant(x, tf.float32)})["output_0"].numpy()
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)


def test_the_export_json_example_runs_as_written(invoke, iris_mlp, tmp_path):
    out = tmp_path / "sm"
    assert invoke("export", iris_mlp.run_dir, "--output", out).exit_code == 0
    info = json.loads((out / "export.json").read_text())
    model, x = _raw_inputs(iris_mlp.run_dir)
    scope = {"x": x.astype("float32")}
    exec("\n".join(info["example"]), scope)
    np.testing.assert_allclose(scope["y"], model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.needs_extra("onnx")
def test_onnx_table_model_keeps_its_scaling_and_runs_in_onnxruntime(invoke, iris_mlp, tmp_path):
    # tf2onnx leaves the Normalization constants as graph inputs; the export folds them in
    import onnxruntime
    out = tmp_path / "onnx"
    result = invoke("export", iris_mlp.run_dir, "--format", "onnx", "--output", out)
    assert result.exit_code == 0, result.output
    session = onnxruntime.InferenceSession(str(out / "model.onnx"))
    info = json.loads((out / "export.json").read_text())
    # the model's own input name (Keras numbers it per process: input_layer, input_layer_2...)
    model, x = _raw_inputs(iris_mlp.run_dir)
    name = model.inputs[0].name
    assert [i.name for i in session.get_inputs()] == [name] == [info["input"]["name"]]
    got = session.run(None, {name: x.astype("float32")})[0]
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)
    assert info["runtime"]["package"] == "onnxruntime" and info["check"]["n"] == 30


@pytest.mark.needs_extra("onnx")
def test_onnx_image_model_takes_pixels_0_to_255(invoke, digits_cnn, tmp_path):
    result = invoke("export", digits_cnn.run_dir, "--format", "onnx", "--output", tmp_path / "o",
                    "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["input"]["shape"] == [None, 8, 8, 1] and "0-255" in info["input"]["is"]
    assert info["check"]["max_difference"] <= 1e-4 and info["check"]["top_class_agreement"] == 1.0


@pytest.mark.needs_extra("litert")
def test_litert_export_runs_in_the_litert_interpreter(invoke, digits_cnn, tmp_path):
    from ai_edge_litert.interpreter import Interpreter
    out = tmp_path / "phone"
    result = invoke("export", digits_cnn.run_dir, "--format", "litert", "--output", out)
    assert result.exit_code == 0, result.output
    assert "checked with ai-edge-litert" in result.stdout
    info = json.loads((out / "export.json").read_text())
    model, x = _raw_inputs(digits_cnn.run_dir, n=5)
    scope = {"x": x}
    exec("\n".join(info["example"]), scope)  # the signature runner, batch of 5
    np.testing.assert_allclose(scope["y"], model.predict(x, verbose=0), atol=1e-5)
    assert Interpreter(model_path=str(out / "model.tflite")).get_signature_list()


def test_a_failed_check_exits_2_and_leaves_nothing(invoke, iris_mlp, tmp_path, monkeypatch):
    from kerascli.exporting import runtimes
    real = runtimes.runner
    monkeypatch.setattr(runtimes, "runner",
                        lambda fmt, target: (lambda x: real(fmt, target)(x)[:, ::-1]))
    out = tmp_path / "bad"
    result = invoke("export", iris_mlp.run_dir, "--output", out)
    assert result.exit_code == 2
    assert "does not match Keras" in result.stderr and "nothing was written" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the progress line and the error
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no temporary folder either


def test_an_export_its_runtime_cannot_run_is_a_failed_check(invoke, iris_mlp, tmp_path,
                                                            monkeypatch):
    from kerascli.exporting import runtimes

    def refuses(fmt, target):
        raise RuntimeError("Select TensorFlow op(s) are not supported by this interpreter.")
    monkeypatch.setattr(runtimes, "runner", refuses)
    result = invoke("export", iris_mlp.run_dir, "--output", tmp_path / "bad")
    assert result.exit_code == 2 and "Traceback" not in result.output
    error = result.stderr.strip().splitlines()[-1]
    assert "does not run in its own runtime (tensorflow could not run it: Select" in error
    assert not (tmp_path / "bad").exists()


def test_an_existing_export_is_not_overwritten(invoke, iris_mlp, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = invoke("export", iris_mlp.run_dir, "--output", out)
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (out / "keep.txt").read_text() == "mine"


def test_default_out_is_beside_the_run(invoke, iris_mlp):
    target = iris_mlp.run_dir / "export" / "saved_model"
    try:
        assert invoke("export", iris_mlp.run_dir).exit_code == 0
        assert (target / "saved_model.pb").is_file() and (target / "export.json").is_file()
    finally:
        import shutil
        shutil.rmtree(iris_mlp.run_dir / "export", ignore_errors=True)


@pytest.mark.parametrize("fmt, modules, extra", [("onnx", "onnx, tf2onnx, onnxruntime", "onnx")])
def test_a_missing_extra_is_one_line_naming_the_pip_install(invoke, iris_mlp, tmp_path,
                                                            monkeypatch, fmt, modules, extra):
    # every module of the extra is hidden, so the line is the same on a plain install (where
    # none is installed) and on the test extra's
    import importlib.util
    real = importlib.util.find_spec
    hidden = set(modules.split(", "))
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in hidden else real(name, *a))
    result = invoke("export", iris_mlp.run_dir, "--format", fmt, "--output", tmp_path / "x")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f'Error: --format {fmt} needs {modules} (the {extra} extra); install it with: '
        f'pip install "kerascli[{extra}]"']
    assert not (tmp_path / "x").exists()


def test_an_unknown_format_is_refused_by_click(invoke, iris_mlp):
    result = invoke("export", iris_mlp.run_dir, "--format", "coreml")
    assert result.exit_code == 2 and "coreml" in result.stderr
