"""evaluate refuses, in one line, data that changed since training (the fingerprint recorded in
config.json), unless --allow-changed-data, which scores anyway and says so."""
import json

import numpy as np
import pytest


def _greenhouse_csv(path, rows=90, seed=2):
    rng = np.random.default_rng(seed)
    lines = ["temp_c,humidity,light_klux,ripe"]
    for _ in range(rows):
        temp, hum, light = rng.normal(22, 4), rng.uniform(40, 90), rng.uniform(5, 60)
        ripe = "yes" if temp + light / 10 + rng.normal(0, 1.5) > 25 else "no"
        lines.append(f"{temp:.1f},{hum:.0f},{light:.1f},{ripe}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_dir(tmp_path):
    return next((tmp_path / "runs").glob("logreg-*"))


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_evaluate_refuses_a_csv_changed_since_training(invoke, tmp_path):
    csv = _greenhouse_csv(tmp_path / "greenhouse.csv")
    trained = invoke("train", "logreg", "--dataset", csv, "--label", "ripe", "--epochs", "2",
                     "--out", tmp_path / "runs")
    assert trained.exit_code == 0, trained.output
    run = _run_dir(tmp_path)
    record = json.loads((run / "config.json").read_text())
    assert record["data_fingerprint"]["kind"] == "file"
    assert record["data_fingerprint"]["size"] == csv.stat().st_size
    assert invoke("evaluate", run).exit_code == 0  # unchanged: scores as usual

    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:-29]) + "\n")  # 29 rows deleted after training
    refused = invoke("evaluate", run)
    assert refused.exit_code == 2
    message = refused.stderr.strip().splitlines()[-1]
    assert "changed since training" in message and "--allow-changed-data" in message
    assert "Traceback" not in refused.output

    forced = invoke("evaluate", run, "--allow-changed-data", "--json")
    assert forced.exit_code == 0, forced.output
    doc = json.loads(forced.stdout)
    assert doc["data_changed"] and "bytes" in doc["data_changed"]
    assert "changed since training" in forced.stderr


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_evaluate_of_a_registry_dataset_checks_its_arrays(invoke, iris_run):
    record = json.loads((iris_run.run_dir.path / "config.json").read_text())
    assert record["data_fingerprint"]["kind"] == "arrays"
    result = invoke("evaluate", iris_run.run_dir.path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data_changed"] is None
