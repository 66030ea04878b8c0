"""Messy CSV files as people download them, written small into tmp_path."""
import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)  # the default --out ./runs lands in tmp_path, never in the repo
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(home / ".keras"))
    monkeypatch.setenv("KERASCLI_CACHE_DIR", str(home / "cache"))


@pytest.fixture
def write(tmp_path):
    """write(text, name="f.csv", bom=False) -> path of a CSV file holding ``text``."""
    def _write(text, name="f.csv", bom=False):
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path
    return _write

