"""Fail fast on --out, exclusive run directories, atomic writes, untrusted files, lstm on a
CSV file, and a real-process check that refusals reach the terminal as one line."""
import concurrent.futures
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli import artifacts
from kerascli.core.rundir import RunDir
from kerascli.cli import cli

PACKAGE = Path(__file__).resolve().parents[2] / "kerascli"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ---------------------------------------------------------------- fail fast on --out

COMMANDS = {
    "train": lambda out: ["train", "logreg", "-d", "iris", "-o", out],
    "compare": lambda out: ["compare", "logreg", "-d", "iris", "-o", out],
    "forecast": lambda out: ["forecast", "--out", out, "--no-plot"],
}


@pytest.fixture
def no_data_loading(monkeypatch):
    """Make any data loading fail loudly: the --out check must come first."""
    from kerascli import comparing
    from kerascli.core import data as core_data

    def boom(*args, **kwargs):
        raise AssertionError("data was loaded before --out was checked")
    monkeypatch.setattr(core_data, "load_data", boom)  # train and forecast
    monkeypatch.setattr(comparing, "load_dataset", boom)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_that_is_a_file_is_refused_before_data_loads(command, tmp_path, no_data_loading):
    (tmp_path / "taken").write_text("x")
    result = invoke(*COMMANDS[command](tmp_path / "taken" / "runs"))
    assert result.exit_code == 2, result.stderr
    assert "is a file, not a directory" in result.stderr and "--out" in result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_not_writable_is_refused_before_data_loads(command, tmp_path, monkeypatch,
                                                       no_data_loading):
    real_access = artifacts.os.access
    locked = tmp_path / "locked"
    locked.mkdir()
    # tests may run as root, for whom permission bits do not apply: ask os.access to say no
    monkeypatch.setattr(artifacts.os, "access",
                        lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    result = invoke(*COMMANDS[command](locked / "runs"))
    assert result.exit_code == 2, result.stderr
    assert f"{locked} is not writable" in result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_on_a_full_disk_is_refused_before_data_loads(command, tmp_path, monkeypatch,
                                                         no_data_loading):
    usage = artifacts.shutil.disk_usage(tmp_path)
    monkeypatch.setattr(artifacts.shutil, "disk_usage",
                        lambda p: usage._replace(free=3 * 2 ** 20))
    result = invoke(*COMMANDS[command](tmp_path / "runs"))
    assert result.exit_code == 2, result.stderr
    assert "only 3 MiB free" in result.stderr and "--out" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_out_problem_is_reported_within_a_second_by_the_real_cli(tmp_path):
    (tmp_path / "taken").write_text("x")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "kerascli", "train", "cnn", "-d", "mnist",
                           "-o", str(tmp_path / "taken" / "runs")], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    assert done.returncode == 2 and "is a file" in done.stderr
    assert elapsed < 2.0, elapsed  # no TensorFlow import, no data: interpreter start-up only


# ---------------------------------------------------------------- run directories and atomic writes

def test_concurrent_runs_aimed_at_one_out_get_distinct_directories(tmp_path):
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        dirs = list(pool.map(lambda _: RunDir.create(tmp_path, "mlp-digits").path, range(32)))
    assert len(set(dirs)) == 32
    assert all(not RunDir(d).is_complete for d in dirs)  # each marked running


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = artifacts.write_json(tmp_path / "metrics.json", {"accuracy": 0.9})
    with pytest.raises(TypeError):
        artifacts.write_json(target, {"bad": object()})  # fails half-way through
    assert json.loads(target.read_text()) == {"accuracy": 0.9}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_model_save_that_crashes_keeps_the_earlier_model(tmp_path, monkeypatch):
    from kerascli.runtime import keras_module
    keras = keras_module()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = artifacts.save_model_h5(model, tmp_path / "model.h5")
    before = path.read_bytes()

    def crash(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"half a model")
        raise KeyboardInterrupt
    monkeypatch.setattr(type(model), "save", crash)
    with pytest.raises(KeyboardInterrupt):
        artifacts.save_model_h5(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.h5"]


def test_every_write_in_the_package_goes_through_artifacts():
    """No module but artifacts opens files for writing or saves in place (a RunDir's write_*
    methods are artifacts' own, bound to the run directory)."""
    pattern = re.compile(r"open\([^)]*['\"][wax]b?['\"]|\.write_(text|bytes)\(|\.to_csv\((?!buffer)"
                         r"|np\.save|\.savefig\((?!tmp)|\.save\((?!tmp|\))|json\.dump\(")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "artifacts.py":
            continue
        text = path.read_text()
        # names bound to an in-memory buffer in this file: saving into one writes no file
        buffers = set(re.findall(r"\b(\w+) = io\.BytesIO\(\)", text))
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#")[0]
            through_run_dir = re.search(r"\brun_dir\.write_(text|json|history)\(", code) or (
                path.name == "rundir.py" and "self.write_text(" in code)
            target = re.search(r"\.(?:save|savefig)\((\w+)[,)]", code)
            in_memory = target is not None and target.group(1) in buffers
            if pattern.search(code) and "artifacts." not in code and not through_run_dir \
                    and not in_memory:
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_nothing_unpickles_untrusted_data():
    """Pickle only through the CIFAR reader's restricted unpickler; NumPy never with pickles."""
    hits = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for bad in ("allow_pickle=True", "pickle.load(", "pickle.loads(", "joblib", "dill",
                    "safe_mode=False", "enable_unsafe_deserialization"):
            if bad in text:
                hits.append(f"{path.name}: {bad}")
    assert hits == [], hits


# ---------------------------------------------------------------- untrusted models

def test_unsafe_flag_loads_a_lambda_model_that_is_refused_without_it(model_files, tmp_path):
    from PIL import Image
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "x.png")
    refused = invoke("predict", model_files["lambda"], tmp_path / "x.png")
    assert refused.exit_code == 2 and "--unsafe" in refused.stderr
    allowed = invoke("predict", model_files["lambda"], tmp_path / "x.png", "--unsafe", "--json")
    assert allowed.exit_code == 0, allowed.stderr
    assert len(json.loads(allowed.stdout)["predictions"]) == 1


def test_unsafe_flag_does_not_resolve_unknown_custom_classes(model_files):
    result = invoke("evaluate", model_files["custom"], "--dataset", "digits", "--unsafe")
    assert result.exit_code == 2 and "Mystery" in result.stderr


# ---------------------------------------------------------------- lstm on a CSV file

def test_train_lstm_takes_a_csv_file_as_a_series(tmp_path):
    rows = ["Date,Close"] + [f"2020-{1 + d // 28:02d}-{1 + d % 28:02d},{100 + 5 * np.sin(d / 5):.3f}"
                             for d in range(90)]
    (tmp_path / "prices.csv").write_text("\n".join(rows) + "\n")
    result = invoke("train", "lstm", "-d", tmp_path / "prices.csv", "-e", "1", "--json",
                    "-o", tmp_path / "runs")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["task"] == "regression" and doc["dataset"] == "prices"
    record = json.loads((Path(doc["run_dir"]) / "config.json").read_text())
    assert record["dataset_name"] == "series"
    evaluated = invoke("evaluate", doc["run_dir"], "--json")  # reloads the same windows
    assert evaluated.exit_code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["metrics"]["rmse"] == pytest.approx(doc["metrics"]["rmse"],
                                                                            rel=1e-4)


def test_train_mlp_still_reads_a_csv_file_as_a_table(tmp_path):
    from kerascli.core import config as core_config, data as core_data
    (tmp_path / "t.csv").write_text("a,b,label\n" + "".join(
        f"{i},{i % 3},{'x' if i % 2 else 'y'}\n" for i in range(30)))
    cfg = core_config.make_config("mlp", str(tmp_path / "t.csv"), label="label")
    assert core_data.resolve_dataset(cfg)[0] == "csv"


# ---------------------------------------------------------------- the real terminal

SAMPLE = {  # name -> (arguments, a word of the message); run concurrently in real processes
    "negative epochs": (["train", "mlp", "-e", "-1"], "--epochs"),
    "unknown optimizer": (["train", "mlp", "--optimizer", "adamm"], "--optimizer"),
    "dropout 1.5": (["train", "mlp", "--dropout", "1.5"], "--dropout"),
    "unknown dataset": (["train", "mlp", "-d", "imagenet"], "imagenet"),
    "unknown baseline": (["compare", "logreg", "--baseline", "xgboost"], "xgboost"),
    "bad test size": (["forecast", "--test-size", "2"], "--test-size"),
    "empty csv": (["train", "mlp", "-d", "{tmp}/empty.csv", "--label", "y"], "empty.csv"),
    "not a model": (["evaluate", "{tmp}/model.h5"], "not an HDF5 file"),
    "lambda model": (["evaluate", "{lambda}", "-d", "digits"], "--unsafe"),
}


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_refusals_reach_the_terminal_as_one_line_without_traceback(tmp_path, model_files):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "model.h5").write_text("not a model")
    procs = {}
    for name, (args, _) in SAMPLE.items():
        args = [a.format(tmp=tmp_path, **{"lambda": model_files["lambda"]}) for a in args]
        procs[name] = subprocess.Popen([sys.executable, "-m", "kerascli", *args],
                                       cwd=tmp_path, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        lines = [line for line in stderr.splitlines() if line.strip()]
        # one progress line ("loading dataset X ...", "evaluating X ...") may come first
        progress = [line for line in lines[:-1] if line.endswith(" ...")]
        assert proc.returncode == 2, (name, stderr)
        assert lines[-1].startswith("Error:") and len(lines) == 1 + len(progress) <= 2, \
            (name, stderr)
        assert SAMPLE[name][1] in lines[-1], (name, lines[-1])
        assert stdout == ""


def test_run_directory_names_are_safe_to_paste_into_a_shell(tmp_path):
    from kerascli.core.rundir import RunDir
    run = RunDir.create(tmp_path, "cnn-pets & boats $(rm -rf ~)'s")
    assert run.path.parent == tmp_path
    assert all(c.isalnum() or c in "._-" for c in run.path.name), run.path.name
    assert run.path.name.startswith("cnn-pets-boats-")


def test_the_resume_command_in_the_interruption_line_is_shell_quoted(tmp_path):
    import shlex
    from kerascli.core import config
    from kerascli.core.session import session
    out = tmp_path / "my runs & more"
    cfg = config.make_config("mlp", "digits", epochs=1, out=str(out))
    with session("train mlp", cfg, "mlp") as (watch, _dataset, run_dir):
        assert shlex.split(watch.resume) == ["kerascli", "train", "mlp", "--resume", str(run_dir)]


def test_a_full_disk_still_records_why_the_run_stopped(tmp_path, monkeypatch):
    """No room for a temporary file: INCOMPLETE said 'running' after a full disk ended the
    run; the reason now overwrites the bytes INCOMPLETE already holds."""
    import errno
    from kerascli import artifacts
    from kerascli.core.rundir import RunDir
    run = RunDir.create(tmp_path, "full")

    def no_space(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(artifacts, "write_text", no_space)
    run.mark("failed: cannot write model.h5: No space left on device")
    assert run.reason == "failed: cannot write model.h5: No space left on device"
    assert not run.is_complete
