"""Fixtures for the forecast tests: small generated series as CSV files (the isolated home and
working directory come from tests/conftest.py)."""
import pytest

from _forecast_data import noisy_sine, write_series_csv


@pytest.fixture
def sine_csv(tmp_path):
    return write_series_csv(tmp_path / "sine.csv", noisy_sine())
