"""Nothing lost, whatever moment a run dies: SIGKILL (no clean-up at all) at every stage of a
real ``train`` process, from a half-written per-epoch history to a half-deleted backup after
the final save, and a disk that fills up at the backup, metrics.json or model.h5; then
``--resume``. Every resumed run ends at the metrics of an uninterrupted one, trains only the
epochs that were lost (none once the last epoch's backup exists), and leaves no temporary
file behind. The stages are made visible by tests/robustness/_stages.py."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kerascli.core.rundir import INCOMPLETE, RunDir

ROOT = Path(__file__).resolve().parents[2]
STAGES = Path(__file__).with_name("_stages.py")
EPOCHS = 6  # test_interrupt_resume.py's kills need epochs left after epoch 3's backup
TRAIN = ["train", "mlp", "-d", "digits", "-b", "16", "--hidden", "64", "-e", str(EPOCHS),
         "--no-plot", "--json"]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kerascli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env or ENV)


@pytest.fixture
def uninterrupted(uninterrupted_run):
    return uninterrupted_run(*TRAIN)  # shared with test_interrupt_resume.py (same arguments)


def _staged(stage, out, env=None):
    """Start train under _stages.py; returns (process, event set at the STAGE line, lines)."""
    proc = subprocess.Popen([sys.executable, str(STAGES), stage, *TRAIN, "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env or ENV)
    lines, seen = [], threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(f"STAGE {stage}"):
                seen.set()
        seen.set()
    threading.Thread(target=read, daemon=True).start()
    return proc, seen, lines


def _only_run_dir(out):
    dirs = [p for p in Path(out).iterdir() if p.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def _leftovers(run_dir):
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if ".tmp-" in p.name)


def _resume_and_compare(run_dir, uninterrupted, after_epoch, env=None):
    resumed = _cli("train", "mlp", "--resume", run_dir, "--json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert f"after epoch {after_epoch}/{EPOCHS}" in resumed.stderr
    trained = [line for line in resumed.stderr.splitlines() if line.startswith("epoch ")]
    assert len(trained) == EPOCHS - after_epoch, trained  # only the lost epochs again
    after = json.loads(resumed.stdout)
    for name, value in uninterrupted["metrics"].items():
        assert after["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    assert after["epochs_run"] == EPOCHS
    assert len((run_dir / "history.csv").read_text().splitlines()) == EPOCHS + 1
    assert RunDir(run_dir).is_complete
    assert not (run_dir / "backup").exists() and not (run_dir / "history.partial.json").exists()
    assert _leftovers(run_dir) == []


# stage -> the epochs a resume finds backed up
KILLED_AT = {"history": 2, "backup": 2, "trained": EPOCHS, "scoring": EPOCHS,
             "metrics": EPOCHS, "saving": EPOCHS}


@pytest.mark.slow  # real trainings killed and resumed: CI's slow step
@pytest.mark.parametrize("stage", list(KILLED_AT))
def test_sigkill_at_any_stage_then_resume_loses_no_epoch(stage, uninterrupted, tmp_path):
    proc, seen, lines = _staged(stage, tmp_path)
    assert seen.wait(timeout=300) and proc.poll() is None, "".join(lines[-20:])
    proc.kill()
    proc.wait(timeout=60)
    run_dir = _only_run_dir(tmp_path)
    assert not RunDir(run_dir).is_complete
    _resume_and_compare(run_dir, uninterrupted, KILLED_AT[stage])


@pytest.mark.slow
def test_sigkill_while_completing_keeps_the_finished_run(uninterrupted, tmp_path):
    proc, seen, lines = _staged("completing", tmp_path)
    assert seen.wait(timeout=300) and proc.poll() is None, "".join(lines[-20:])
    proc.kill()
    proc.wait(timeout=60)
    run_dir = _only_run_dir(tmp_path)
    assert RunDir(run_dir).is_complete and (run_dir / "model.h5").stat().st_size > 0
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert metrics == pytest.approx(uninterrupted["metrics"], rel=1e-5, abs=1e-6)
    again = _cli("train", "mlp", "--resume", run_dir)
    assert again.returncode == 2 and "already finished" in again.stderr


@contextlib.contextmanager
def _small_disk(tmp_path, megabytes=56):
    """A tmpfs of ``megabytes`` (kerascli wants 50 MiB free to start); skip where this
    machine does not allow mounting one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.parametrize("stage, backed_up", [
    pytest.param("full-backup", 2, marks=pytest.mark.slow),
    pytest.param("full-metrics", EPOCHS, marks=pytest.mark.slow),
    pytest.param("full-model", EPOCHS, marks=pytest.mark.slow)])
def test_full_disk_says_so_keeps_everything_saved_and_resumes(stage, backed_up, uninterrupted,
                                                              tmp_path):
    with _small_disk(tmp_path) as disk:
        filler = disk / "filler"
        env = dict(ENV, KERASCLI_TEST_FILL=str(filler))
        proc, seen, lines = _staged(stage, disk / "runs", env=env)
        proc.wait(timeout=300)
        stderr = "".join(lines)
        assert proc.returncode == 2, stderr
        assert "Traceback" not in stderr
        last = stderr.strip().splitlines()[-1]
        assert "No space left on device" in last and "marked incomplete" in last, last
        run_dir = _only_run_dir(disk / "runs")
        reason = RunDir(run_dir).reason
        assert reason.startswith("failed: ") and "No space left on device" in reason, reason
        assert _leftovers(run_dir) == []
        assert json.loads((run_dir / "config.json").read_text())  # whole
        filler.unlink()  # space again
        _resume_and_compare(run_dir, uninterrupted, backed_up, env=env)
