"""The layering is a contract ([tool.importlinter] in pyproject.toml), checked on every test run:
edge (cli, commands) -> features (comparing, forecasting, inference) -> the training core ->
registries (models, datasets, baselines) -> base (artifacts, plots, safety, runtime, errors)."""
import shutil
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def lint_imports(*args, cwd=ROOT):
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_layers_contract_holds():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The check is real: a copy of the package where a registry imports the core fails it."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "kerascli", copy / "kerascli",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bad = copy / "kerascli" / "models" / "mlp.py"
    bad.write_text("from kerascli.core import fit  # noqa: F401\n" + bad.read_text())
    result = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.');"
                             "from importlinter.cli import lint_imports_command as c; c()"],
                            cwd=copy, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout
    assert "kerascli.models.mlp -> kerascli.core.fit" in result.stdout


def test_no_private_helper_is_imported_across_modules():
    """A leading underscore means 'this file's (or this package's) own': a private function
    or class is never imported from another module, and a private module only from within
    its own package (datasets/_idx.py by the dataset files beside it)."""
    import ast
    for path in (ROOT / "kerascli").rglob("*.py"):
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kerascli")):
                continue
            for alias in node.names:
                if not alias.name.startswith("_") or alias.name == "__version__":
                    continue
                target = ROOT / Path(*node.module.split("."), alias.name)
                is_module = target.with_suffix(".py").is_file() or target.is_dir()
                assert is_module and node.module == package, \
                    f"{path.relative_to(ROOT)} imports {alias.name} from {node.module}"
