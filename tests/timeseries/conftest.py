"""Messy CSV files as people download them, written small into tmp_path (the isolated home and
working directory come from tests/conftest.py)."""
import pytest


@pytest.fixture
def write(tmp_path):
    """write(text, name="f.csv", bom=False) -> path of a CSV file holding ``text``."""
    def _write(text, name="f.csv", bom=False):
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path
    return _write

