"""Ctrl-C ends ``kerascli train`` within 2 s of the signal at every stage, in a real process.

Each test starts ``train cnn`` on MNIST-format files written here, waits for the stage's
``STAGE`` line (tests/robustness/_stages.py), sends SIGINT and times the exit. The ``epoch``
stage is the hard one: the signal lands while one graph call of 8 training steps runs in C,
where Python cannot run its handler until the call returns. The ``saving`` stage sends a second
Ctrl-C during the clean-up. After every one: exit code 130, one line, no traceback, the run
directory (if made) marked incomplete, no temporary file left, every JSON file whole and no
model.h5.
"""
import json
import time
from pathlib import Path

import pytest

import datafiles
import watched

LIMIT_SECONDS = 2.0
STAGES = Path(__file__).with_name("_stages.py")


def _start(stage, args, tmp_path):
    return watched.start([STAGES, stage, *args], f"STAGE {stage}", cwd=tmp_path)


def _interrupt(stage, args, tmp_path, second_after=None, delay=0.0):
    proc, lines, seen = _start(stage, args, tmp_path)
    seen.wait(timeout=180)
    time.sleep(delay)
    assert proc.poll() is None, "\n".join(lines[-20:])
    return watched.interrupt(proc, lines, second_after)


def _check_run_dirs(out):
    """Every run directory is marked interrupted and holds only whole files."""
    for run_dir in Path(out).glob("*"):
        assert (run_dir / "INCOMPLETE").read_text().strip() == "interrupted"
        assert not (run_dir / "model.h5").exists()
        leftovers = [p for p in run_dir.rglob("*") if ".tmp-" in p.name]
        assert not leftovers, leftovers
        for path in run_dir.rglob("*.json"):
            json.loads(path.read_text())  # whole, parseable


@pytest.fixture
def mnist_small(data_dir):
    datafiles.write_idx_dir(data_dir / "mnist", n_train=64, n_test=32)


@pytest.fixture
def mnist_large(data_dir):
    # 16384 images: 4 graph calls of 8 steps of 512, each a second or more of C on this CPU
    datafiles.write_idx_dir(data_dir / "mnist", n_train=16384, n_test=16)


def _assert_quick_clean_exit(result, out, stage):
    code, latency, stdout, lines = result
    print(f"Ctrl-C at stage {stage}: exit {code} after {latency:.2f} s")  # shown with -s
    assert code == 130, (code, lines[-10:])
    assert latency <= LIMIT_SECONDS, f"{stage}: {latency:.2f} s from SIGINT to exit"
    ours = [line for line in lines if not line.startswith("STAGE ")]
    assert ours[-1].startswith("train cnn interrupted"), ours[-5:]
    assert not any("Traceback" in line for line in lines), lines
    assert stdout == ""
    _check_run_dirs(out)


# the stages before training in the default run; tracing and scoring (a training first) under -m slow
@pytest.mark.parametrize("stage", ["import", "loading", pytest.param("tracing", marks=pytest.mark.slow),
                                   pytest.param("scoring", marks=pytest.mark.slow)])
def test_ctrl_c_exits_within_two_seconds(stage, mnist_small, tmp_path):
    out = tmp_path / "runs"
    result = _interrupt(stage, ["train", "cnn", "-d", "mnist", "-e", "1", "-b", "32",
                                "--no-plot", "-o", out], tmp_path)
    _assert_quick_clean_exit(result, out, stage)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_ctrl_c_inside_an_eight_step_graph_call_exits_within_two_seconds(mnist_large, tmp_path):
    out = tmp_path / "runs"
    # 0.3 s after the first call's end: the second call (seconds of C) is under way
    result = _interrupt("epoch", ["train", "cnn", "-d", "mnist", "-e", "3", "-b", "512",
                                  "--validation-split", "0", "--no-plot", "-o", out], tmp_path,
                        delay=0.3)
    _assert_quick_clean_exit(result, out, "epoch")
    assert "during epoch 1/3 (0 completed)" in result[3][-1]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_second_ctrl_c_during_clean_up_still_leaves_files_whole(mnist_small, tmp_path):
    out = tmp_path / "runs"
    result = _interrupt("saving", ["train", "cnn", "-d", "mnist", "-e", "1", "-b", "32",
                                   "--no-plot", "-o", out], tmp_path, second_after=0.25)
    _assert_quick_clean_exit(result, out, "saving")
    assert "STAGE cleaning up" in result[3]  # the second Ctrl-C landed inside the clean-up
    run_dir = next(Path(out).iterdir())
    assert {"config.json", "metrics.json", "history.csv"} <= {p.name for p in run_dir.iterdir()}


def test_ctrl_c_before_a_command_starts_is_one_line_and_exit_130(monkeypatch):
    """A Ctrl-C while the command module is still importing (before its guard is up)."""
    from click.testing import CliRunner

    from kerascli import cli as cli_module

    def interrupted_import(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module.importlib, "import_module", interrupted_import)
    result = CliRunner().invoke(cli_module.cli, ["train", "mlp"])
    assert result.exit_code == 130, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == ["kerascli interrupted before it started; nothing was written."], lines
