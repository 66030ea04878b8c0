"""A plain ``pip install .`` ships the exporting package: setuptools lists kerascli's packages
by hand in pyproject.toml, and a package missing there imports in a checkout but not after an
install (``kerascli export`` would fail with ModuleNotFoundError)."""
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]


def test_every_kerascli_package_is_listed_for_setuptools():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "kerascli").rglob("__init__.py")}
    assert "kerascli.exporting" in on_disk
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
