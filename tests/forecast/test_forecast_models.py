"""Forecasting core on series with known structure, the leakage guard and the inverse transforms."""
import numpy as np
import pytest

from _forecast_data import noisy_sine, random_walk
from kerascli.core.config import ForecastConfig, make_config
from kerascli.datasets import LoadOptions
from kerascli.datasets._timeseries import Series
from kerascli.datasets.series import MIN_TRAIN_WINDOWS, from_series, make_windows, rows_needed
from kerascli.forecasting import run

SMALL = dict(lags=12, epochs=12, batch_size=16, units=16, seed=7)


def as_series(values, name="generated"):
    return Series(values=np.asarray(values, dtype=float), dates=None, column="value",
                  date_column=None, source=name)


def forecast(values, *, target, lags, epochs, batch_size, units, seed=42):
    """forecast's core on a generated series (the CLI reads the same windows from a CSV)."""
    cfg = make_config("lstm", epochs=epochs, batch_size=batch_size, params={"units": units},
                      lags=lags, target=target, seed=seed, out=None)
    dataset = from_series(as_series(values), cfg.data)
    return run(ForecastConfig(train=cfg), dataset, quiet=True)


@pytest.fixture(scope="module")
def sine_result():
    return forecast(noisy_sine(), target="levels", **SMALL)


def test_lstm_and_linear_beat_naive_on_a_noisy_sine(sine_result):
    m = sine_result.metrics
    assert m["linear"]["rmse"] < 0.5 * m["naive"]["rmse"]
    assert m["lstm"]["rmse"] < 0.8 * m["naive"]["rmse"]
    assert sine_result.lstm_beats_naive and "beats naive" in sine_result.verdict()
    assert sine_result.best in ("lstm", "linear")


def test_sine_forecast_is_deterministic_for_a_seed(sine_result):
    again = forecast(noisy_sine(), target="levels", **SMALL)
    assert again.metrics["lstm"]["rmse"] == pytest.approx(sine_result.metrics["lstm"]["rmse"],
                                                          rel=1e-6)


def test_naive_is_hard_to_beat_on_a_random_walk():
    result = forecast(random_walk(), target="diff", lags=10, epochs=3, batch_size=32, units=8)
    for name in ("lstm", "linear", "drift"):
        assert result.metrics[name]["rmse"] > 0.95 * result.metrics["naive"]["rmse"], name
    if not result.lstm_beats_naive:
        assert "does not beat naive" in result.verdict()


def test_every_model_is_scored_on_the_same_test_windows(sine_result):
    w = sine_result.windows
    n_test = len(w.test_origins)
    assert n_test == len(w.levels) - w.split - w.horizon + 1
    for name, pred in sine_result.predictions.items():
        assert pred.shape == (n_test, w.horizon), name
    assert np.array_equal(sine_result.actual, w.actual_levels())
    # naive repeats each window's last input: the level just before its first target
    assert np.array_equal(sine_result.predictions["naive"][:, 0], w.levels[w.test_origins])


def test_scaler_never_sees_test_rows():
    values = np.concatenate([100 + np.sin(np.arange(80)), np.full(20, 1e9)])  # test part: huge
    w = make_windows(values, lags=5, horizon=2, test_size=0.2, target="levels")
    assert w.split == 80
    assert w.mean == pytest.approx(values[:80].mean()) and w.scale == pytest.approx(values[:80].std())
    train_seen = np.concatenate([w.x_train.ravel(), w.y_train.ravel()]) * w.scale + w.mean
    assert train_seen.max() < 200  # no training window reaches into the test period
    assert (w.y_test * w.scale + w.mean).min() > 1e8  # every test target is a test row
    result_scaler = make_windows(values, lags=5, horizon=2, test_size=0.2, target="returns")
    assert abs(result_scaler.mean) < 1  # returns of the training part only (a 1e7x jump excluded)


@pytest.mark.parametrize("target", ["levels", "returns", "diff", "sdiff", "sdiff-diff",
                                    "log-diff", "log-sdiff", "log-sdiff-diff"])
def test_perfect_scaled_predictions_give_back_the_true_levels(target):
    values = 50 + np.cumsum(np.random.default_rng(3).normal(0, 1, 120))
    # horizon 6 > season 4: later steps rebuild on the forecast levels of earlier ones
    w = make_windows(values, lags=6, horizon=6, test_size=0.25, target=target, season=4)
    assert np.allclose(w.to_levels(w.y_test, w.test_origins), w.actual_levels())
    assert np.allclose(w.to_levels(w.y_train, w.train_origins), w.actual_levels(w.train_origins))


def test_seasonal_differences_of_logs_are_what_the_windows_hold():
    values = np.exp(np.arange(1.0, 61.0) / 10)
    w = make_windows(values, lags=3, horizon=1, test_size=0.2, target="log-sdiff-diff", season=4)
    u = np.log(values)
    origin = int(w.train_origins[0])
    assert origin == 3 - 1 + 5  # lags - 1 + season + 1 levels before the first input
    z = (u[origin + 1] - u[origin]) - (u[origin + 1 - 4] - u[origin - 4])
    assert w.y_train[0, 0] * w.scale + w.mean == pytest.approx(z, abs=1e-5)


def test_targets_a_series_cannot_have_are_refused_in_one_line():
    from kerascli.datasets.series import resolve_target
    from kerascli.errors import UserError
    with pytest.raises(UserError, match="strictly positive"):
        resolve_target("log-sdiff", np.array([1.0, -1.0]), 12)
    with pytest.raises(UserError, match="season of at least 2"):
        resolve_target("sdiff", np.array([1.0, 2.0]), 1)


def test_too_short_series_is_refused_with_the_number_of_rows_needed():
    from kerascli.errors import DataError
    with pytest.raises(DataError, match=r"only 30 usable rows.*need at least 38"):
        make_windows(np.arange(1.0, 31.0), lags=20, horizon=1, test_size=0.2, target="levels")
    for target in ("levels", "returns"):  # exactly the rows needed: just enough windows
        need = rows_needed(20, 3, 0.2, target)
        w = make_windows(np.arange(1.0, need + 1), lags=20, horizon=3, test_size=0.2, target=target)
        assert len(w.x_train) == MIN_TRAIN_WINDOWS and len(w.x_test) >= 1


def test_forecast_beyond_the_data_has_horizon_steps_and_business_dates():
    import pandas as pd
    from kerascli.datasets._series_frequency import infer_frequency, next_dates

    def future_dates(dates, steps):
        return next_dates(dates, infer_frequency(dates), steps)
    dates = pd.bdate_range("2024-01-01", periods=30)  # ends Friday 2024-02-09
    assert [d.date().isoformat() for d in future_dates(dates, 2)] == ["2024-02-12", "2024-02-13"]
    daily = pd.date_range("2024-01-01", periods=30)
    assert future_dates(daily, 1)[0] == pd.Timestamp("2024-01-31")


def test_lstm_model_is_lstm_layers_then_dense_horizon_plus_a_linear_highway():
    from kerascli import models
    lstm = models.get("lstm")
    assert lstm.accepts == frozenset({"series"}) and lstm.default_dataset == "sp500"
    model = lstm.build((12, 1), "regression", 3, units=8, layers=2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "LSTM", "LSTM", "Flatten", "Dense", "Dense", "Add"]
    assert model.get_layer("highway").get_weights()[0].shape == (12, 3)
    assert model.output_shape == (None, 3)
    plain = lstm.build((12, 1), "regression", 3, units=8, layers=2, highway="none")
    assert [type(layer).__name__ for layer in plain.layers] == [
        "InputLayer", "LSTM", "LSTM", "Dense"]


def test_lstm_training_starts_at_the_least_squares_autoregression():
    from kerascli import models
    lstm = models.get("lstm")
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (200, 6, 1)).astype("float32")
    y = x[:, -1] * 0.8 - x[:, -2] * 0.3 + 0.1 + rng.normal(0, 0.01, (200, 1))
    model = lstm.build((6, 1), "regression", 1, units=4)
    lstm.initialize(model, x, y)
    design = np.hstack([x.reshape(200, -1), np.ones((200, 1))])
    ols = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), ols, atol=1e-4)
    kernel, bias = model.get_layer("highway").get_weights()
    assert kernel[-1, 0] == pytest.approx(0.8, abs=0.01) and bias[0] == pytest.approx(0.1, abs=0.01)


def test_series_dataset_gives_scaled_windows_from_a_csv(tmp_path):
    from _forecast_data import write_series_csv
    from kerascli import datasets
    path = write_series_csv(tmp_path / "s.csv", noisy_sine(200))
    d = datasets.get("series").load(LoadOptions(path=path))
    assert d.kind == "series" and d.task == "regression" and d.input_shape == (20, 1)
    assert d.x_train.shape[1:] == (20, 1) and d.y_train.shape[1:] == (1,)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.float32
    assert len(d.x_test) == 40 and d.extra["target"] == "returns"
    assert abs(float(d.y_train.mean())) < 0.2 and float(d.y_train.std()) == pytest.approx(1, abs=0.1)
    assert datasets.get("sp500").INFO.kind == "series"
