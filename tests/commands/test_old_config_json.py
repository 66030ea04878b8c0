"""A run written before config.json version 4 (its data options flat beside the others)
still evaluates and resumes with the options it was trained with."""
import json
import shutil

import pytest

from kerascli.core.rundir import INCOMPLETE


def _as_version_3(run_dir):
    """Rewrite a run's config.json as version 3 wrote it: no "data" section."""
    path = run_dir / "config.json"
    record = json.loads(path.read_text())
    config = record["config"]
    data = config.pop("data")
    for new_in_4 in ("path", "color_mode", "download"):
        data.pop(new_in_4)
    config.update(data)
    record["version"] = 3
    path.write_text(json.dumps(record))


def test_a_version_3_run_evaluates_with_its_label(invoke, linreg_run, tmp_path):
    """linreg's label (petal_length) is a data option: read flat, the run scores as trained."""
    copy = tmp_path / "run"
    shutil.copytree(linreg_run.run_dir, copy)
    _as_version_3(copy)
    result = invoke("evaluate", copy, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert {k: round(v, 4) for k, v in metrics.items()} == \
        {k: round(v, 4) for k, v in linreg_run.metrics.items()}


def _interrupted_v3_copy(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run.run_dir, copy)
    _as_version_3(copy)
    (copy / INCOMPLETE).write_text("interrupted\n")
    return copy


def test_resuming_a_version_3_run_compares_against_its_flat_options(invoke, linreg_run,
                                                                    tmp_path):
    copy = _interrupted_v3_copy(linreg_run, tmp_path)
    conflict = invoke("train", "linreg", "--resume", copy, "--label", "sepal_width")
    assert conflict.exit_code == 2 and "conflicts" in conflict.stderr
    assert "petal_length" in conflict.stderr


@pytest.mark.slow
def test_a_version_3_run_resumes_and_is_rewritten_as_version_4(invoke, linreg_run, tmp_path):
    copy = _interrupted_v3_copy(linreg_run, tmp_path)
    result = invoke("train", "linreg", "--resume", copy, "--label", "petal_length", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["task"] == "regression" and doc["config"]["data"]["label"] == "petal_length"
    record = json.loads((copy / "config.json").read_text())
    assert record["version"] == 4 and record["config"]["data"]["features"] == ["sepal_length"]
