"""Fixtures for the forecast tests: an isolated home and small generated series as CSV files."""
import pytest

from _forecast_data import noisy_sine, write_series_csv


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)  # the default --out ./runs lands in tmp_path, never in the repo
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(home / ".keras"))
    monkeypatch.setenv("KERASCLI_CACHE_DIR", str(home / "cache"))
    monkeypatch.delenv("KERASCLI_OUT", raising=False)
    monkeypatch.delenv("KERASCLI_SEED", raising=False)
    return home


@pytest.fixture
def sine_csv(tmp_path):
    return write_series_csv(tmp_path / "sine.csv", noisy_sine())
