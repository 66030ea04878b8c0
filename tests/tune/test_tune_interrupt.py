"""Ctrl-C in the middle of a trial of a real ``kerascli tune`` process: exit 130 within 2 s,
the study intact (the finished trials kept, the interrupted one still RUNNING in the journal),
and ``tune --resume`` marks the interrupted trial failed and goes on."""
import json
import time
from pathlib import Path

import pytest

import watched

pytestmark = pytest.mark.slow
LIMIT_SECONDS = 2.0


def test_ctrl_c_mid_trial_exits_130_fast_and_resume_continues(tmp_path, invoke):
    # iris, 150 epochs of 8 steps: a trial of seconds, long enough to land inside it (the
    # resumed trial and the default run train as long)
    proc, lines, training = watched.start(
        ["-m", "kerascli", "tune", "mlp", "--dataset", "iris", "--epochs", "150",
         "--param", "hidden=8", "--param", "batch_size=16", "--no-prune", "--trials", "2",
         "--study", "s", "--out", tmp_path], "trial 0:")
    training.wait(timeout=240)
    time.sleep(1.0)  # inside model.fit
    assert proc.poll() is None, "\n".join(lines[-20:])
    code, latency, _, said = watched.interrupt(proc, lines)
    assert code == 130, said
    print(f"exit {latency:.2f} s after SIGINT")
    assert latency < LIMIT_SECONDS, f"{latency:.2f} s"
    assert "Traceback" not in "\n".join(said)
    study_dir = tmp_path / "s"
    assert (study_dir / "trial-0000" / "INCOMPLETE").read_text().strip() == "interrupted"
    assert not (study_dir / "trial-0000" / "model.h5").exists()

    import optuna
    from kerascli import tuning
    study = optuna.load_study(study_name="s", storage=tuning.open_storage(None, study_dir))
    assert [t.state.name for t in study.trials] == ["RUNNING"]  # the journal reads whole

    resumed = invoke("tune", "--resume", study_dir, "--trials", "1", "--json")
    assert resumed.exit_code == 0, resumed.output
    out = json.loads(resumed.stdout)
    assert [t["state"] for t in out["trials"]] == ["failed", "complete"]
    assert out["best"]["number"] == 1 and Path(out["files"]["best"]).exists()
    assert "marked failed" in resumed.stderr
