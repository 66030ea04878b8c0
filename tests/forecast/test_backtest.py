"""Backtests over rolling origins, leakage per origin, horizons per step, conformal intervals,
seasonality, covariates, --fill scoring and the statsforecast peers."""
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from _forecast_data import noisy_sine, random_walk
from kerascli.cli import cli
from kerascli.core.config import ForecastConfig, make_config
from kerascli.datasets._timeseries import Series
from kerascli.datasets.series import from_series
from kerascli import forecasting

TINY = dict(epochs=1, batch_size=32, params={"units": 4}, lags=8, seed=1, out=None)
try:
    import statsforecast  # noqa: F401
    HAVE_STATSFORECAST = True
except ImportError:
    HAVE_STATSFORECAST = False


def monthly(values, start="1990-01-01", covariates=None, observed=None):
    dates = pd.date_range(start, periods=len(values), freq="MS")
    return Series(values=np.asarray(values, float), dates=dates, column="y", date_column="Date",
                  source="generated", frequency="monthly", covariates=covariates,
                  observed=observed)


def seasonal_values(n=156, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)


def run(series, *, train=None, **evaluation):
    cfg = make_config("lstm", **{**TINY, **(train or {})})
    dataset = from_series(series, cfg.data)
    return forecasting.run(ForecastConfig(train=cfg, **evaluation), dataset, quiet=True)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_backtest_1_is_the_single_split_and_k_origins_pool_to_the_same_scores():
    series = monthly(seasonal_values())
    one = run(series, backtest=1)
    three = run(series, backtest=3)
    assert len(one.folds) == 1 and len(three.folds) == 3
    assert sum(f["n_windows"] for f in three.folds) == len(one.actual)
    for name in one.models:  # no refit: the same models, so the same pooled scores
        assert three.metrics[name]["rmse"] == pytest.approx(one.metrics[name]["rmse"], rel=1e-6)
    spread = three.backtest["naive"]["rmse"]
    assert len(spread["folds"]) == 3 and spread["std"] > 0
    assert spread["mean"] == pytest.approx(np.mean(spread["folds"]))


@pytest.mark.parametrize("refit,target,choose", [
    pytest.param(False, "auto", False, marks=pytest.mark.slow),
    pytest.param(False, "log-sdiff-diff", True, marks=pytest.mark.slow),
    pytest.param(False, "sdiff", False, marks=pytest.mark.slow),
    pytest.param(True, "auto", False, marks=pytest.mark.slow),
    pytest.param(True, "log-sdiff", True, marks=pytest.mark.slow)])
def test_nothing_after_an_origin_reaches_any_model_at_that_origin(refit, target, choose):
    """Change every value after origin c_k: the forecasts made at c_k (model, scaler,
    baselines, statsforecast's when installed) must not move. Without --refit every model is
    fit at c_0 only; with it, at every origin (here c_1, the later one). For every target
    (seasonal differences of logs too) and with the highway chosen on validation."""
    values = seasonal_values(120)
    extra = ("auto-ets",) if HAVE_STATSFORECAST else ()
    train = {"target": target}
    base = run(monthly(values), train=train, backtest=2, refit=refit, baselines=extra,
               choose_highway=choose)
    bounds = [0] + list(np.cumsum([f["n_windows"] for f in base.folds]))
    for k in ([1] if refit else [0]):
        c = base.folds[k]["origin_row"]
        changed = values.copy()
        changed[c + 1:] = changed[c + 1:] * 3 + 50  # the future, very different
        other = run(monthly(changed), train=train, backtest=2, refit=refit, baselines=extra,
                    choose_highway=choose)
        assert other.highway_rmse == base.highway_rmse  # chosen before the origin too
        row = bounds[k]
        for name in base.models:
            np.testing.assert_allclose(other.predictions[name][row],
                                       base.predictions[name][row], rtol=1e-5, err_msg=name)
        # and the data did change: the next window's forecast moves
        assert not np.allclose(other.predictions["naive"][row + 1],
                               base.predictions["naive"][row + 1])


def test_every_step_is_scored_and_naive_gets_worse_with_the_horizon():
    values = random_walk(400)
    series = Series(values=values, dates=None, column="v", date_column=None, source="walk")
    result = run(series, train={"horizon": 3, "target": "diff"}, backtest=2,
                 strategy_h="direct")
    rmse = [s["rmse"] for s in result.per_step["naive"]]
    assert len(rmse) == 3 and rmse[0] < rmse[1] < rmse[2]
    assert result.predictions["lstm"].shape == (len(result.actual), 3)
    assert len(result.coverage["lstm"]["80"]["per_step"]) == 3


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_strategy_auto_trains_both_and_keeps_the_better_on_validation():
    series = Series(values=noisy_sine(300), dates=None, column="v", date_column=None,
                    source="sine")
    result = run(series, train={"horizon": 2, "target": "levels"}, backtest=1)
    chosen = result.strategy
    assert set(result.strategy_rmse) == {"direct", "recursive"}
    assert chosen == min(result.strategy_rmse, key=result.strategy_rmse.get)


def test_conformal_quantile_is_the_ceil_n_plus_1_rank():
    errors = np.arange(1.0, 10.0)  # 9 errors
    assert forecasting.conformal_quantile(errors, 80) == 8.0  # ceil(10 * 0.8) = 8th
    assert forecasting.conformal_quantile(errors, 95) == 9.0  # capped at the largest
    assert forecasting.conformal_quantile([], 80) == float("inf")


def test_intervals_cover_about_their_level_on_white_noise():
    rng = np.random.default_rng(3)
    values = 50 + rng.normal(0, 1, 1500)
    series = Series(values=values, dates=None, column="v", date_column=None, source="noise")
    result = run(series, train={"target": "levels"}, backtest=5)
    for name in ("naive", "linear", "lstm"):
        for level in (80, 95):
            cover = result.coverage[name][str(level)]["overall"]
            assert abs(cover - level) < 5, (name, level, cover)
    lo, hi = result.intervals["lstm"][80]
    assert (lo <= result.predictions["lstm"]).all() and (hi >= result.predictions["lstm"]).all()


def test_intervals_and_forecasts_of_a_positive_series_stay_positive():
    # UKgas-like: a quarterly season from high winters to summers near zero; a naive or drift
    # error the size of the swing put the symmetric interval far below zero (-48.85 .. 616.62)
    rng = np.random.default_rng(4)
    t = np.arange(160)
    values = (1 + 0.01 * t) * np.array([60.0, 20.0, 3.0, 40.0])[t % 4] * np.exp(
        rng.normal(0, 0.1, len(t)))
    series = Series(values=values, dates=pd.date_range("1960-01-01", periods=len(t), freq="QS"),
                    column="gas", date_column="time", source="generated", frequency="quarterly")
    result = run(series, train={"target": "levels", "horizon": 3}, backtest=2,
                 strategy_h="direct")
    for name, by_level in result.intervals.items():
        assert (result.predictions[name] > 0).all(), name
        for level, (lo, hi) in by_level.items():
            assert (lo > 0).all() and (lo <= result.predictions[name]).all(), (name, level)
            assert (hi >= result.predictions[name]).all()
    for row in result.future:
        for name in result.models:
            assert row[name] > 0 and 0 < row[f"{name}_lo95"] <= row[name] <= row[f"{name}_hi95"]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_season_is_inferred_and_seasonal_naive_scales_mase():
    values = seasonal_values()
    result = run(monthly(values), backtest=2)
    w = result.windows
    assert w.season == 12 and "seasonal-naive" in result.models
    train = values[: w.split]
    assert w.insample_naive_mae() == pytest.approx(np.mean(np.abs(train[12:] - train[:-12])))
    sn = result.predictions["seasonal-naive"]
    assert sn[0, 0] == values[w.test_origins[0] + 1 - 12]  # the value one season back
    assert result.metrics["seasonal-naive"]["rmse"] < result.metrics["naive"]["rmse"]
    four = run(monthly(values), train={"season": 4}, backtest=1)
    assert four.windows.season == 4


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_covariates_are_lagged_inputs_and_help_the_linear_model():
    rng = np.random.default_rng(0)
    driver = rng.normal(0, 1, 300)
    y = 100 + np.concatenate([[0.0], 5 * driver[:-1]]) + rng.normal(0, 0.1, 300)  # y_t = 5 x_{t-1}
    plain = run(monthly(y), train={"target": "levels"}, backtest=1)
    helped = run(monthly(y, covariates={"x": driver}),
                 train={"target": "levels", "covariates": ("x",)}, backtest=1)
    assert helped.windows.x_train.shape[-1] == 2 and helped.windows.covariates == ("x",)
    assert helped.metrics["linear"]["rmse"] < 0.2 * plain.metrics["linear"]["rmse"]
    # a window's covariate inputs end at its origin: never the target's own time
    w = helped.windows
    origin = w.train_origins[0]
    assert w.x_train[0, -1, 1] == pytest.approx((driver[origin] - driver[:w.split].mean())
                                                / driver[:w.split].std(), rel=1e-5)


def write_csv(path, rows, header="Date,y,x"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_a_covariate_missing_where_the_forecast_needs_it_is_refused_in_one_line(tmp_path):
    dates = pd.date_range("2000-01-01", periods=80, freq="MS")
    rows = [f"{d.date()},{100 + i % 12},{'' if i == 79 else i}" for i, d in enumerate(dates)]
    csv = write_csv(tmp_path / "cov.csv", rows)
    result = CliRunner().invoke(cli, ["forecast", str(csv), "--label", "y", "--covariates", "x",
                                      "-e", "1", "--lags", "6", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "covariate 'x' has no value at 2006-08-01" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3
    unknown = CliRunner().invoke(cli, ["forecast", str(csv), "--label", "y", "--covariates",
                                       "nope", "-e", "1", "--out", str(tmp_path)])
    assert unknown.exit_code == 2 and "no covariate column 'nope'" in unknown.output


def test_filled_cells_are_inputs_only_never_scored():
    values = seasonal_values(120)
    observed = np.ones(120, bool)
    observed[100:110] = False  # say these were empty cells carried forward
    filled = values.copy()
    for i in range(100, 110):
        filled[i] = filled[i - 1]
    result = run(monthly(filled, observed=observed), train={"fill": "ffill"}, backtest=1)
    w = result.windows
    targets = w.test_origins + 1
    seen = observed[targets]
    naive_mae = np.mean(np.abs(filled[targets] - filled[w.test_origins])[seen])
    assert result.metrics["naive"]["mae"] == pytest.approx(naive_mae)
    assert seen.sum() < len(seen)  # the filled cells were in the test period


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_hourly_dates_keep_their_hour_in_json(tmp_path):
    dates = pd.date_range("2022-03-01 00:00", periods=200, freq="h")
    rows = [f"{d},{10 + np.sin(i / 4):.4f}" for i, d in enumerate(dates)]
    csv = write_csv(tmp_path / "hourly.csv", rows, header="Date,Value")
    # one target and one strategy: the dates are the claim, not the choices (one LSTM fit)
    result = CliRunner().invoke(cli, ["forecast", str(csv), "--horizon", "3", "-e", "1",
                                      "--lags", "8", "--backtest", "2", "--json",
                                      "--target", "levels", "--strategy-h", "direct",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["season"] == 24 and payload["series"]["frequency"] == "hourly"
    assert [r["date"] for r in payload["forecast"]] == [
        "2022-03-09T08:00:00", "2022-03-09T09:00:00", "2022-03-09T10:00:00"]
    assert payload["split"]["test_start_date"] == "2022-03-07T16:00:00"  # 160 rows in
    assert "lstm_lo95" in payload["forecast"][0] and "lstm_hi80" in payload["forecast"][0]
    assert payload["backtest"]["origins"][0]["origin_date"] == "2022-03-07T15:00:00"


def test_statistical_peers_without_the_extra_are_one_line_saying_what_to_install(
        tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "statsforecast", None)  # as if not installed
    result = CliRunner().invoke(cli, ["forecast", "--baseline", "auto-ets",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert 'pip install "kerascli[forecast]"' in result.output
    assert not any(tmp_path.iterdir())  # refused before anything was made


@pytest.mark.needs_extra("forecast")
@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_auto_ets_and_auto_arima_forecast_exactly_the_same_windows():
    values = seasonal_values(96)
    result = run(monthly(values), backtest=2, baselines=("auto-ets", "auto-arima"))
    assert result.models[-2:] == ("auto-ets", "auto-arima")
    for name in ("auto-ets", "auto-arima"):
        assert result.predictions[name].shape == result.predictions["naive"].shape
        assert result.metrics[name]["rmse"] < result.metrics["naive"]["rmse"]  # seasonal data
        assert np.isfinite(result.future[0][name])
    # the first window: fit on the levels up to the first origin only
    from statsforecast.models import AutoETS
    c = int(result.windows.test_origins[0])
    alone = AutoETS(season_length=12).forecast(values[: c + 1], h=1)["mean"][0]
    assert result.predictions["auto-ets"][0, 0] == pytest.approx(alone, rel=1e-6)


def test_defaults_chosen_from_the_data_never_look_at_the_test_period():
    values = seasonal_values(200)
    cfg = make_config("lstm", out=None)  # lags 20, the model's epochs and batch
    dataset = from_series(monthly(values), cfg.data)
    chosen, windows = forecasting.choose_defaults(ForecastConfig(train=cfg), dataset, given={})
    lags = [k for k, _ in chosen.lag_scores]
    assert lags == forecasting.lag_candidates(12, 200) and 24 in lags
    assert chosen.train.data.lags == min(chosen.lag_scores, key=lambda p: p[1])[0]
    assert windows.windows.lags == chosen.train.data.lags == windows.x_train.shape[1]
    assert chosen.train.batch_size <= cfg.batch_size and chosen.early_stopping >= 5
    assert chosen.train.epochs > cfg.epochs
    changed = values.copy()
    changed[dataset.windows.split:] = changed[dataset.windows.split:] * 3 + 50  # the test period
    again, _ = forecasting.choose_defaults(
        ForecastConfig(train=cfg), from_series(monthly(changed), cfg.data), given={})
    assert again.lag_scores == chosen.lag_scores
    assert again.target_scores == chosen.target_scores  # --target: chosen before the test too
    targets = [t for t, _ in chosen.target_scores]
    assert {"returns", "diff", "sdiff", "log-sdiff-diff"} <= set(targets)
    assert chosen.train.data.target == min(chosen.target_scores, key=lambda p: p[1])[0]
    assert windows.windows.target == chosen.train.data.target and chosen.choose_highway
    kept, _ = forecasting.choose_defaults(ForecastConfig(train=cfg), dataset,
                                          given={"lags": 20, "epochs": 10, "batch_size": 128,
                                                 "target": "auto", "highway": "linear"})
    assert (kept.train.data.lags, kept.train.epochs, kept.early_stopping) == (20, 10, None)
    assert kept.train.data.target == "auto" and not kept.target_scores and not kept.choose_highway


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_the_highway_the_lstm_alone_or_both_is_kept_by_validation_rmse():
    result = run(monthly(seasonal_values(156)), backtest=1, choose_highway=True)
    scores = result.highway_rmse
    assert set(scores) == {"linear", "none", "both"}
    kept = min(scores, key=scores.get)
    assert result.to_dict()["highway"] == kept
    assert dict(result.config.train.params)["highway"] == ("linear" if kept == "both" else kept)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_plot_shows_the_forecast_beyond_the_data_first_with_one_legend(tmp_path, monkeypatch):
    from kerascli import plots
    figures = []
    real = plots.save_figure

    def keep(fig, path, **kwargs):
        figures.append(fig)
        return real(fig, path, **kwargs)

    monkeypatch.setattr(plots, "save_figure", keep)
    result = run(monthly(seasonal_values(120)), train={"horizon": 12}, backtest=1,
                 strategy_h="direct")
    forecasting.plot(result, tmp_path / "f.png")
    fig = figures[0]
    # a horizon of 12: three panels (not 12 stacked), one legend for the figure
    assert len(fig.axes) == 3 and len(fig.legends) == 1
    assert all(ax.get_legend() is None for ax in fig.axes)
    width, height = fig.get_size_inches()
    assert width <= 14 and height <= 9
    first = fig.axes[0]  # the forecast beyond the data: it reaches past the last date
    last_date = pd.Timestamp(result.future[-1]["date"])
    assert last_date == pd.Timestamp("2000-12-01")  # monthly, 12 steps after 1999-12-01
    import matplotlib.dates as mdates
    reach = mdates.num2date(first.get_xlim()[1]).replace(tzinfo=None)
    assert reach >= last_date.to_pydatetime()
    labels = fig.legends[0].get_texts()
    assert any("interval" in t.get_text() for t in labels)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
