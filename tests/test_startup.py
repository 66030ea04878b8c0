"""The CLI must answer without importing TensorFlow, Keras or NumPy (import tensorflow
alone costs ~3.6 s): checked in a fresh interpreter for --help and the datasets listing."""
import json
import subprocess
import sys

import pytest

from kerascli.cli import COMMANDS

HEAVY = ("tensorflow", "keras", "numpy", "pandas", "sklearn", "matplotlib")

PROBE = """
import io, json, sys, contextlib
from click.testing import CliRunner
from kerascli.cli import cli
args = json.loads(sys.argv[1])
result = CliRunner().invoke(cli, args) if args is not None else None
heavy = [m for m in {heavy!r} if m in sys.modules]
print(json.dumps({{"heavy": heavy, "exit": result.exit_code if result else 0,
                  "out": result.output[-500:] if result else ""}}))
""".format(heavy=HEAVY)


def _probe(args):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_nothing_heavy():
    assert _probe(None)["heavy"] == []


@pytest.mark.parametrize("args", [["--help"], ["datasets"], ["datasets", "--json"],
                                  ["datasets", "--help"], ["datasets", "download", "--help"]])
def test_cli_answers_without_heavy_imports(args):
    report = _probe(args)
    assert report["exit"] == 0, report["out"]
    assert report["heavy"] == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_help_skips_heavy_imports(command):
    from importlib.util import find_spec
    if find_spec(f"kerascli.commands.{COMMANDS[command]}") is None:
        pytest.skip(f"kerascli {command} is not written yet")
    report = _probe([command, "--help"])
    assert report["exit"] == 0, report["out"]
    assert report["heavy"] == [], f"kerascli {command} --help imported {report['heavy']}"


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_file_that_is_no_model_is_refused_before_tensorflow_loads(tmp_path, command):
    """`kerascli evaluate notes.h5` says "not an HDF5 file" without the 4 s TensorFlow import."""
    path = tmp_path / "notamodel.h5"
    path.write_text("not a model")
    args = [command, str(path)] + ([str(path)] if command == "predict" else [])
    report = _probe(args)
    assert report["exit"] == 2, report["out"]
    assert "not an HDF5 file" in report["out"]
    assert "tensorflow" not in report["heavy"] and "keras" not in report["heavy"]
