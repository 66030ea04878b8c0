"""Nothing lost: Ctrl-C/SIGTERM in real processes, resume after SIGKILL, divergence.

The subprocess tests run the real CLI (``python -m kerascli``) on digits (embedded, offline)
with many small epochs, wait for an epoch line on stderr, then signal the process.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import crashing
from kerascli import artifacts
from kerascli.core import resume
from kerascli.core.rundir import INCOMPLETE, RunDir

TRAIN = ["train", "mlp", "-d", "digits", "-b", "16", "--hidden", "64"]
# the kill-and-resume runs: test_kill_at_every_stage.py's arguments, so both files compare with
# one uninterrupted reference run (conftest's uninterrupted_run, made once per session)
REFERENCE = ["-e", "6", "--no-plot", "--json"]


def _start(args):
    return subprocess.Popen([sys.executable, "-m", "kerascli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(proc, prefix, timeout=120):
    """Read stderr until a line starts with ``prefix``; returns what was read."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"process ended before {prefix!r}: {''.join(seen)[-2000:]}")
        seen.append(line)
        if line.startswith(prefix):
            return seen
    raise AssertionError(f"no {prefix!r} line within {timeout} s")


def _interrupt(proc, sig, after_prefix):
    _wait_for_line(proc, after_prefix)
    sent = time.monotonic()
    proc.send_signal(sig)
    stdout, rest = proc.communicate(timeout=60)
    return time.monotonic() - sent, stdout, [line for line in rest.splitlines() if line.strip()]


def _only_run_dir(out):
    dirs = [p for p in Path(out).iterdir() if p.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_ctrl_c_during_train_exits_130_with_one_line_and_marks_the_run(tmp_path):
    out = tmp_path / "runs"
    proc = _start([*TRAIN, "-e", "500", "-o", out])
    latency, stdout, lines = _interrupt(proc, signal.SIGINT, "epoch 2/500")
    assert proc.returncode == 130
    assert latency < 5, latency
    assert len(lines) <= 2, lines  # the epoch line in flight at most, then ours
    line = lines[-1]
    assert line.startswith("train mlp interrupted during epoch "), line
    run_dir = _only_run_dir(out)
    assert f"the run directory {run_dir} is marked incomplete" in line
    assert f"resume with: kerascli train mlp --resume {run_dir}" in line
    assert "nothing saved as final" in line
    assert "Traceback" not in line and stdout == ""
    assert (run_dir / INCOMPLETE).read_text().strip() == "interrupted"
    assert not (run_dir / "model.h5").exists() and not (run_dir / "metrics.json").exists()
    assert resume.completed_epochs(run_dir) >= 1  # the epoch backup is kept for --resume


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_sigterm_during_forecast_exits_143_and_marks_the_run(tmp_path):
    out = tmp_path / "runs"
    proc = _start(["forecast", "--epochs", "500", "--no-plot", "--out", out])
    latency, stdout, lines = _interrupt(proc, signal.SIGTERM, "epoch 1/500")
    assert proc.returncode == 143, lines
    assert latency < 5, latency
    assert lines[-1].startswith("forecast terminated during epoch "), lines
    assert not any("Traceback" in line for line in lines)
    run_dir = _only_run_dir(out)
    assert RunDir(run_dir).is_complete is False
    assert (run_dir / INCOMPLETE).read_text().strip() == "terminated"
    assert not (run_dir / "model.h5").exists()


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_ctrl_c_during_compare_exits_130_and_marks_the_run(tmp_path):
    out = tmp_path / "runs"
    proc = _start(["compare", "mlp", "-d", "digits", "-e", "500", "-b", "16",
                   "--param", "hidden=64", "-o", out])
    latency, stdout, lines = _interrupt(proc, signal.SIGINT, "epoch 2/500")
    assert proc.returncode == 130, lines
    assert latency < 5, latency
    run_dir = _only_run_dir(out)
    assert lines[-1].startswith("compare mlp interrupted"), lines
    assert f"{run_dir} is marked incomplete" in lines[-1]
    assert not any("Traceback" in line for line in lines)
    assert (run_dir / INCOMPLETE).read_text().strip() == "interrupted"
    assert not (run_dir / "results.json").exists()


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_resume_after_sigkill_ends_with_the_metrics_of_an_uninterrupted_run(tmp_path,
                                                                           uninterrupted_run):
    """The run is killed (SIGKILL: no clean-up at all) once epoch 3's backup exists, resumed
    with --resume, and compared with the same command run without interruption."""
    args = [*TRAIN, *REFERENCE]
    killed = _start([*args, "-o", tmp_path / "killed"])
    deadline = time.monotonic() + 120
    metadata = None
    while time.monotonic() < deadline:
        found = list((tmp_path / "killed").glob("*/backup/epoch-*/training_metadata.json"))
        try:
            if found and json.loads(found[0].read_text())["epoch"] >= 3:
                metadata = found[0]
                break
        except (ValueError, OSError):
            pass  # caught mid-write: look again
        time.sleep(0.01)
    killed.kill()
    killed.communicate()
    assert metadata is not None and killed.returncode == -signal.SIGKILL
    run_dir = metadata.parent.parent.parent
    assert not RunDir(run_dir).is_complete and not (run_dir / "model.h5").exists()

    resumed = subprocess.run([sys.executable, "-m", "kerascli", "train", "mlp", "--resume",
                              str(run_dir), "--json"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {run_dir} after epoch" in resumed.stderr
    uninterrupted = uninterrupted_run(*args)
    after = json.loads(resumed.stdout)
    assert after["run_dir"] == str(run_dir) and RunDir(run_dir).is_complete
    for name, value in uninterrupted["metrics"].items():
        assert after["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    assert after["epochs_run"] == 6
    history = (run_dir / "history.csv").read_text().splitlines()
    assert len(history) == 7  # the header and all 6 epochs, the resumed ones included
    assert not (run_dir / "backup").exists()


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_kill_inside_a_backup_save_resumes_from_the_previous_epoch_exactly(tmp_path,
                                                                          uninterrupted_run):
    """SIGKILL while epoch 3's backup is half-written (weights saved, epoch count not): Keras'
    BackupAndRestore, writing both in place, would resume epoch-3 weights as epoch 2. The
    snapshot folders leave epoch 2's backup whole, and --resume ends where an uninterrupted
    run ends."""
    stages = Path(__file__).with_name("_stages.py")
    args = [*TRAIN, *REFERENCE]
    killed = subprocess.Popen([sys.executable, str(stages), "backup", *map(str, args), "-o",
                               str(tmp_path / "killed")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    _wait_for_line(killed, "STAGE backup")
    killed.kill()
    killed.communicate()
    run_dir = _only_run_dir(tmp_path / "killed")
    half = list((run_dir / "backup").glob(".epoch-000003.tmp-*"))
    assert half and (half[0] / resume.WEIGHTS).is_file()  # the kill landed inside the save
    assert resume.completed_epochs(run_dir) == 2

    resumed = subprocess.run([sys.executable, "-m", "kerascli", "train", "mlp", "--resume",
                              str(run_dir), "--json"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {run_dir} after epoch 2/6" in resumed.stderr
    uninterrupted, after = uninterrupted_run(*args), json.loads(resumed.stdout)
    for name, value in uninterrupted["metrics"].items():
        assert after["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    assert not (run_dir / "backup").exists()


def _crash_after(epochs, tmp_path, name="crashed"):
    """A digits run whose process 'dies' (an exception) right after epoch ``epochs``' backup."""
    from kerascli.core import config as core_config, data as core_data, fit as core_fit

    cfg = core_config.make_config("mlp", "digits", epochs=5, batch_size=64, params={"hidden": (32,)},
                                  out=str(tmp_path))
    data = core_data.load_data(cfg)
    run_dir = RunDir.create(tmp_path, name).path
    with pytest.raises(crashing.Crash):
        core_fit.train(cfg, data, run_dir=run_dir, callbacks=[crashing.after_epoch(epochs)],
                       quiet=True)
    return cfg, data, run_dir


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_a_truncated_backup_falls_back_one_epoch_and_all_damaged_is_one_line(tmp_path, capsys):
    from kerascli.core import fit as core_fit
    from kerascli.errors import UserError

    cfg, data, run_dir = _crash_after(3, tmp_path)
    assert [e for e, _ in resume.snapshots(run_dir)] == [3, 2]  # two kept, older ones pruned
    newest = run_dir / "backup" / "epoch-000003" / resume.METADATA
    newest.write_text('{"epo')  # truncated by hand or by a full disk
    assert resume.completed_epochs(run_dir) == 2
    resume.check_backup(run_dir)  # one usable snapshot: fine
    result = core_fit.train(cfg, data, run_dir=run_dir, quiet=True)
    assert len(result.history["loss"]) == 5
    assert "skipped a damaged backup" in capsys.readouterr().err

    cfg, data, run_dir = _crash_after(2, tmp_path, "crashed-again")
    for folder in (run_dir / "backup").glob("epoch-*"):
        (folder / resume.METADATA).write_text("")
    with pytest.raises(UserError, match=r"the epoch backup cannot be used .*training_metadata"):
        resume.check_backup(run_dir)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_resume_in_process_matches_an_uninterrupted_run(tmp_path):
    """Fast variant: the first run dies (an exception) right after epoch 2's backup."""
    from kerascli.core import config as core_config, data as core_data, fit as core_fit

    cfg = core_config.make_config("mlp", "digits", epochs=5, batch_size=64, params={"hidden": (32,)},
                               out=str(tmp_path))
    data = core_data.load_data(cfg)
    full = core_fit.train(cfg, data, run_dir=RunDir.create(tmp_path, "full").path, quiet=True)

    run_dir = RunDir.create(tmp_path, "crashed").path
    with pytest.raises(crashing.Crash):
        core_fit.train(cfg, data, run_dir=run_dir, callbacks=[crashing.after_epoch(2)], quiet=True)
    assert resume.completed_epochs(run_dir) == 2
    resumed = core_fit.train(cfg, data, run_dir=run_dir, quiet=True)
    assert resumed.metrics == pytest.approx(full.metrics, rel=1e-5, abs=1e-6)
    assert len(resumed.history["loss"]) == 5
    assert resumed.history["loss"] == pytest.approx(full.history["loss"], rel=1e-5)


def test_resume_refuses_conflicting_options_and_finished_runs(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from kerascli.cli import cli

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    RunDir(run_dir).mark("interrupted")
    from kerascli.core import config as core_config
    cfg = core_config.make_config("mlp", "digits", epochs=4, out=str(tmp_path))
    artifacts.write_json(run_dir / "config.json", {"config": cfg.to_dict()})

    def run(*args):
        return CliRunner().invoke(cli, [str(a) for a in args])

    result = run("train", "mlp", "--resume", run_dir, "--epochs", "9")
    assert result.exit_code == 2
    assert "--epochs 9 conflicts with the run being resumed (4 in" in result.stderr
    result = run("train", "cnn", "--resume", run_dir)
    assert result.exit_code == 2 and "that run trained 'mlp', not 'cnn'" in result.stderr
    RunDir(run_dir).complete()
    result = run("train", "mlp", "--resume", run_dir)
    assert result.exit_code == 2 and "already finished" in result.stderr


def test_diverging_training_stops_with_exit_2_and_saves_no_model(tmp_path):
    from click.testing import CliRunner
    from kerascli.cli import cli

    rows = ["x,y"] + [f"{(i - 20) * 1e6:.1f},{(i - 20) * 3e6 + (i % 3) * 1e5:.1f}"
                      for i in range(40)]
    (tmp_path / "huge.csv").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(cli, ["train", "linreg", "-d", str(tmp_path / "huge.csv"),
                                      "--label", "y", "--features", "x", "-e", "5",
                                      "--lr", "1e6", "--optimizer", "sgd",
                                      "-o", str(tmp_path / "runs")])
    assert result.exit_code == 2, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: training diverged at epoch 1/5: loss is ")
    assert "lower --learning-rate (now 1e+06)" in line and "not saved" in line
    run_dir = _only_run_dir(tmp_path / "runs")
    assert (run_dir / INCOMPLETE).read_text().strip() == "diverged"
    assert not (run_dir / "model.h5").exists() and not (run_dir / "backup").exists()


SIGNAL_INSIDE_CODE = """
import signal, sys
from kerascli.core import interrupt
from kerascli.core.rundir import RunDir
run_dir = RunDir.create(sys.argv[1], "demo")
with interrupt.guard("train demo") as watch:
    watch.run_dir = run_dir.path
    try:  # the signal lands inside running code, as inside TensorFlow's C++ signal checks
        signal.raise_signal(getattr(signal, sys.argv[2]))
    except KeyboardInterrupt:
        print("the interrupted code saw a KeyboardInterrupt", flush=True)
    print("the interrupted code went on", flush=True)
"""


@pytest.mark.parametrize("name, code, how", [("SIGINT", 130, "interrupted"),
                                             ("SIGTERM", 143, "terminated")])
def test_the_signal_handler_never_raises_into_the_interrupted_code(tmp_path, name, code, how):
    """TensorFlow's C++ checks for signals inside its own calls; a KeyboardInterrupt raised
    there unwound C++ that does not expect it and the process died with SIGSEGV (1 Ctrl-C in
    ~30 during compare). The handler must clean up and end the process where it runs."""
    proc = subprocess.run([sys.executable, "-c", SIGNAL_INSIDE_CODE, str(tmp_path), name],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""  # neither the except clause nor the code after the signal ran
    lines = proc.stderr.strip().splitlines()
    run_dir = _only_run_dir(tmp_path)
    assert lines == [f"train demo {how}; nothing saved as final; the run directory {run_dir} "
                     "is marked incomplete."], lines
    assert (run_dir / INCOMPLETE).read_text().strip() == how


def test_callback_state_in_a_backup_is_plain_json_even_for_numpy_scalars():
    """A callback's attributes (ReduceLROnPlateau's best, EarlyStopping's wait) can be NumPy or
    TensorFlow scalars; the backup records them as JSON numbers. A second helper of the same
    name once shadowed the converter, passing NumPy scalars through to json.dumps."""
    import numpy as np

    from kerascli.core import resume
    for value, plain in ((np.float32(0.5), 0.5), (np.int64(3), 3), (None, None), (2.5, 2.5)):
        got = resume._plain(value)
        assert got == plain and json.loads(json.dumps(got)) == plain
