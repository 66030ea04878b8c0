"""The benchmark scripts stay runnable and RESULTS.md stays honest: every section that holds a
table names, above it, the benchmarks/ command that wrote it (issue 13). Nothing is run."""
import py_compile
import re
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py")) + sorted((BENCHMARKS / "recipes").glob("*.py")) + [
    BENCHMARKS / "run_all"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_compiles(script, tmp_path):
    py_compile.compile(str(script), cfile=str(tmp_path / "x.pyc"), doraise=True)


def test_every_results_table_is_headed_by_the_command_that_wrote_it():
    text = (BENCHMARKS / "RESULTS.md").read_text()
    sections = re.split(r"(?m)^## ", text)[1:]
    assert sections
    for section in sections:
        title, _, body = section.partition("\n")
        first_table = body.find("\n|")
        if first_table < 0:
            continue
        above = body[:first_table]
        assert re.search(r"(python )?benchmarks/[\w/]+(\.py)?", above), (
            f"section {title!r}: no benchmarks/ command above its first table")


def test_run_all_runs_every_benchmark_script():
    run_all = (BENCHMARKS / "run_all").read_text()
    for script in BENCHMARKS.glob("*.py"):
        if script.name.startswith("_"):
            continue
        assert f"benchmarks/{script.name}" in run_all, f"run_all does not run {script.name}"
