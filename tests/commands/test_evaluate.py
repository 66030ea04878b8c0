"""`kerascli evaluate` reloads model.h5 and reports the metrics train reported."""
import json

import pytest


def _metrics(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["metrics"]


@pytest.mark.parametrize("run", ["iris_run", "digits_run", "linreg_run"])
def test_evaluate_reports_the_metrics_train_reported(invoke, run, request):
    trained = request.getfixturevalue(run)
    metrics = _metrics(invoke("evaluate", trained.run_dir, "--json"))
    assert {k: round(v, 4) for k, v in metrics.items()} == \
        {k: round(v, 4) for k, v in trained.metrics.items()}


def test_evaluate_accepts_the_h5_file_and_prints_a_table(invoke, iris_run):
    result = invoke("evaluate", iris_run.run_dir / "model.h5")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and f"{iris_run.metrics['accuracy']:.4f}" in result.stdout


def test_evaluate_on_another_dataset_of_the_same_shape(invoke, digits_run):
    metrics = _metrics(invoke("evaluate", digits_run.run_dir, "--dataset", "digits", "--json"))
    assert round(metrics["accuracy"], 4) == round(digits_run.metrics["accuracy"], 4)


def test_evaluate_refuses_a_dataset_of_another_shape(invoke, digits_run):
    result = invoke("evaluate", digits_run.run_dir, "--dataset", "iris")
    assert result.exit_code == 2 and "shape" in result.stderr and "Traceback" not in result.output


def test_evaluate_a_bare_model_needs_a_dataset(invoke, iris_run, tmp_path):
    bare = tmp_path / "model.h5"
    bare.write_bytes((iris_run.run_dir / "model.h5").read_bytes())
    result = invoke("evaluate", bare)
    assert result.exit_code == 2 and "--dataset" in result.stderr
    assert "accuracy" in _metrics(invoke("evaluate", bare, "--dataset", "iris", "--json"))


@pytest.mark.parametrize("make,needle", [
    (lambda p: p, "no model.h5"),
    (lambda p: (p / "x.h5").write_text("not hdf5") and p / "x.h5", "cannot load"),
    (lambda p: p / "missing.h5", "no such file"),
])
def test_evaluate_refuses_what_is_not_a_model(invoke, tmp_path, make, needle):
    result = invoke("evaluate", make(tmp_path))
    assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.output


# ---------------------------------------------------------------- damaged run directories

# serve needs its extra; on a plain install its cases skip (a failure under KERASCLI_REQUIRE_EXTRAS=1)
COMMANDS_READING_A_RUN = ["evaluate", "predict",
                          pytest.param("serve", marks=pytest.mark.needs_extra("serve"))]


def _copy_run(run, tmp_path):
    import shutil
    target = tmp_path / "run"
    shutil.copytree(run, target)
    return target


def _command_args(command, run, tmp_path):
    if command == "predict":
        rows = tmp_path / "rows.csv"
        rows.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n")
        return ["predict", run, rows]
    if command == "serve":
        return ["serve", run, "--port", "0"]
    return ["evaluate", run]


CONFIG_DAMAGE = {
    "a list": lambda record: [1, 2, 3],
    "a string": lambda record: "hello",
    "dataset a number": lambda record: {**record, "dataset": 5},
    "a newer version": lambda record: {**record, "version": 99},
}


@pytest.mark.parametrize("damage", list(CONFIG_DAMAGE))
@pytest.mark.parametrize("command", COMMANDS_READING_A_RUN)
def test_a_config_json_of_the_wrong_shape_is_one_line_exit_2(invoke, iris_run, tmp_path, damage,
                                                               command):
    import json
    run = _copy_run(iris_run.run_dir, tmp_path)
    record = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps(CONFIG_DAMAGE[damage](record)))
    result = invoke(*_command_args(command, run, tmp_path))
    assert result.exit_code == 2, result.output
    lines = [l for l in result.stderr.splitlines() if not l.startswith("evaluating ")]
    assert len(lines) == 1 and "config.json" in lines[0] and "Traceback" not in result.output
    if damage == "a newer version":
        assert "upgrade kerascli" in lines[0]


def test_unknown_config_fields_are_named_not_silent(invoke, iris_run, tmp_path):
    import json
    run = _copy_run(iris_run.run_dir, tmp_path)
    record = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**record, "mystery": 1}))
    result = invoke("evaluate", run)
    assert result.exit_code == 0 and "'mystery'" in result.stderr


@pytest.mark.parametrize("reason", ["interrupted", "diverged"])
@pytest.mark.parametrize("command", COMMANDS_READING_A_RUN)
def test_an_incomplete_run_is_refused_unless_allowed(invoke, iris_run, tmp_path, reason, command):
    run = _copy_run(iris_run.run_dir, tmp_path)
    (run / "INCOMPLETE").write_text(reason + "\n")
    result = invoke(*_command_args(command, run, tmp_path))
    assert result.exit_code == 2, result.output
    line = "\n".join(l for l in result.stderr.splitlines() if not l.startswith("evaluating "))
    assert "\n" not in line and reason in line and "--allow-incomplete" in line
    if command != "serve":
        assert invoke(*_command_args(command, run, tmp_path), "--allow-incomplete").exit_code == 0


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_max_upload_mb_is_checked_before_anything_loads(invoke, tmp_path, value):
    result = invoke("serve", tmp_path / "no-such-run", "--max-upload-mb", value)
    assert result.exit_code == 2 and "--max-upload-mb" in result.stderr
    assert "no such" not in result.stderr  # refused at the option, before the model
