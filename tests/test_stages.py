"""kerascli.stages: the stage clock behind --verbose's stage lines and KERASCLI_STAGE_TIMES."""
import json
import time

import pytest

from kerascli import stages


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(stages, "_totals", {})
    monkeypatch.setattr(stages, "_notes", {})
    monkeypatch.setattr(stages, "_stack", [])
    monkeypatch.setattr(stages, "_begun", time.time())


class FakeClock:
    """perf_counter() moved on by hand: timings that do not depend on the machine's load."""
    now = 100.0

    def perf_counter(self):
        return self.now

    def time(self):
        return time.time()


def test_nested_stage_counts_only_its_own_time(clock, monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(stages, "time", fake)
    with stages.stage("outer"):
        fake.now += 2
        with stages.stage("inner"):
            fake.now += 5
        fake.now += 1
    with stages.stage("inner"):  # a stage entered again adds up
        fake.now += 0.5
    assert stages.totals() == {"outer": 3, "inner": 5.5}


def test_stage_times_go_to_the_file_named_by_the_env_var(clock, tmp_path, monkeypatch):
    target = tmp_path / "stages.jsonl"
    monkeypatch.setenv(stages.FILE_ENV, str(target))
    with stages.stage("data"):
        pass
    stages.note("epoch_seconds", [1.5, 1.0])
    stages._report()
    stages._report()  # appended, one JSON line per report
    lines = target.read_text().splitlines()
    assert len(lines) == 2
    report = json.loads(lines[0])
    assert set(report["stages"]) == {"data"} and report["notes"]["epoch_seconds"] == [1.5, 1.0]
    assert report["ended"] >= report["began"] and report["other"] >= 0


def test_verbose_prints_stage_lines_on_stderr(clock, monkeypatch, capsys):
    monkeypatch.setenv("KERASCLI_VERBOSE", "1")
    monkeypatch.delenv(stages.FILE_ENV, raising=False)
    with stages.stage("keras import"):
        pass
    stages._report()
    captured = capsys.readouterr()
    assert captured.out == "" and "stage keras import:" in captured.err
