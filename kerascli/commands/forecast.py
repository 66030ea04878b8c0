"""``kerascli forecast [FILE]``: an LSTM forecast of a CSV series, set beside naive, drift and
linear. The network is ``train NAME``'s for the model that trains on series (models/lstm.py),
with the same options (generated from its spec)."""
from pathlib import Path

import click

from kerascli import models
from kerascli.commands import configure, options
from kerascli.commands.output import log, warn


def _spec():
    """The model forecast trains: the registry's model for series."""
    return models.for_data("series")[0]


def _params():
    info = _spec()
    return ([click.Argument(["file"], required=False,
                            type=click.Path(dir_okay=False, path_type=Path))]
            + options.network_options(info) + options.forecast_options()
            + options.resume_option("forecast"))


def _callback(**kwargs):
    _run(kwargs)


HELP = """Forecast a time series from a CSV file with an LSTM, backtested against baselines.

FILE is a CSV with a date column and a numeric column (default: the S&P 500 daily
closes 1950-2019 shipped with kerascli). The most recent --test-size of the rows is the
test period, evaluated from --backtest rolling origins (expanding window; --refit fits
every model again at each origin). The LSTM (exactly `kerascli train lstm --dataset FILE`),
naive, seasonal naive (--season, inferred from the dates), drift, a linear model on the same
lags and, with the forecast extra, AutoETS/AutoARIMA (--baseline) are scored on the same
windows: RMSE, MAE, MAPE and MASE, per origin (mean and spread), pooled, and per step
1..--horizon. Conformal --level intervals come with their coverage on the test period.
The next --horizon values beyond the data are forecast with their intervals. model.h5,
config.json, metrics.json, predictions.csv and (--plot) forecast.png go to a new directory
under --out.

\b
Examples:
  kerascli forecast
  kerascli forecast prices.csv --label "Adj Close" --lags 30 --horizon 5 --plot
  kerascli forecast airline.csv --backtest 10 --refit --baseline auto-ets --baseline auto-arima
  kerascli forecast sales.csv --covariates price,promo --level 90
  kerascli forecast --resume runs/forecast-prices-20261124-120000
"""

command = click.Command("forecast", callback=_callback, params=_params(), help=HELP,
                        short_help="Forecast a CSV series with an LSTM, backtested against "
                                   "naive, seasonal, linear, ETS and ARIMA baselines.")


def _run(kwargs):
    from kerascli import forecasting
    from kerascli.core import resume
    from kerascli.core.config import ForecastConfig
    from kerascli.core.rundir import RunDir
    from kerascli.core.session import session

    info = _spec()
    given = configure.given_options(kwargs)  # what the data may choose: what was not given
    as_json, file, resumed = kwargs.pop("as_json"), kwargs.pop("file"), None
    track = configure.track(kwargs)
    if kwargs.get("resume") is not None:
        # the evaluation options given again must agree with the run's, like the others
        resumed, cfg = RunDir.reopen(kwargs["resume"], "forecast")
        resume.check_no_conflict(cfg, configure.given_options(kwargs), resumed.path)
    else:
        evaluation = {k: kwargs.pop(k) for k in ("backtest", "refit", "levels", "strategy_h",
                                                 "baselines", "ensemble")}
        evaluation["levels"] = tuple(int(v) if float(v).is_integer() else float(v)
                                     for v in evaluation["levels"])
        evaluation["baselines"] = tuple(dict.fromkeys(evaluation["baselines"]))
        forecasting.check_baselines(evaluation["baselines"])  # before any data loads
        cfg = ForecastConfig(train=configure.train_config(
            info, kwargs, dataset=str(file) if file is not None else info.default_dataset),
            **evaluation)

    def notes(dataset):
        series = dataset.windows.series
        for note in series.notes:
            warn(f"{series.source}: {note}")
        described = series.describe()
        log(f"series: {series.source}, "
            + (f"series {series.series_id!r} of column {series.series_column!r}, "
               if series.series_id is not None else "")
            + f"column {series.column!r}, {len(series)} rows"
            + (f" from {described['first_date']} to {described['last_date']}"
               if series.dates is not None else "")
            + (f", {series.frequency}" if series.frequency else "")
            + f", season {dataset.windows.season}")

    with session("forecast", cfg.train, "forecast", resumed=resumed, log=log, check=notes) as (
            watch, dataset, run_dir):
        if resumed is None:
            cfg, dataset = forecasting.choose_defaults(cfg, dataset, given)
            chosen = cfg.train
            log(f"target {chosen.data.target}" + (" (lowest validation RMSE of a linear model among "
                                             + ", ".join(t for t, _ in cfg.target_scores) + ")"
                                             if cfg.target_scores else "")
                + (f"; highway {'chosen on validation' if cfg.choose_highway else 'given'}"))
            log(f"lags {chosen.data.lags}" + (" (lowest validation RMSE of a linear model among "
                                         + ", ".join(str(k) for k, _ in cfg.lag_scores) + ")"
                                         if cfg.lag_scores else "")
                + f"; batch {chosen.batch_size}; up to {chosen.epochs} epochs"
                + (f", stopped after {cfg.early_stopping} without a lower validation loss"
                   if cfg.early_stopping else ""))
        result = forecasting.run(cfg, dataset, run_dir=run_dir,
                                 callbacks=[watch.callback(cfg.train.epochs)])
        watch.stage = "writing the results"
        payload = result.to_dict()
        files = {name: run_dir / name for name in ("model.h5", "config.json", "metrics.json",
                                                   "predictions.csv")}
        if cfg.train.plot:
            files["forecast.png"] = forecasting.plot(result, run_dir / "forecast.png")
        run_dir.write_text("predictions.csv", forecasting.predictions_csv(result))
        payload["run_dir"] = str(run_dir)
        payload["files"] = {k.split(".")[0]: str(v) for k, v in files.items()}
        run_dir.write_json("metrics.json", payload)
        run_dir.save_model(result.model)  # last: saving .h5 alters the model
        run_dir.complete()
    track(run_dir.path)

    if as_json:
        from kerascli.commands.output import emit_json
        emit_json(payload)
    else:
        _print_report(result, payload)


def _fmt(value, digits=4):
    if value is None:
        return "-"
    return f"{value:,.{digits}g}" if abs(value) < 1e4 else f"{value:,.1f}"


def _print_report(result, payload):
    from rich.table import Table

    from kerascli.commands.output import stdout_console
    from kerascli.forecasting import METRICS

    console = stdout_console()
    split = payload["split"]
    w = result.windows
    folds = result.folds
    title = (f"{result.series.source} · {result.series.name} · target {result.target} · "
             f"lags {w.lags} · horizon {w.horizon} · season {w.season} · "
             f"{split['n_test_windows']} test windows"
             + (f" from {split['test_start_date']}" if split["test_start_date"] else "")
             + f" · {len(folds)} origin{'s' * (len(folds) > 1)}"
             + (" (refit at each)" if result.config.refit and len(folds) > 1 else ""))
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for m in METRICS:
        table.add_column(m.upper() + (" %" if m == "mape" else ""), justify="right")
    for level in result.config.levels:
        table.add_column(f"{level:g}% cover", justify="right")
    table.add_column("")
    best = {m: min((result.metrics[n][m] for n in result.models
                    if result.metrics[n][m] is not None), default=None) for m in METRICS}
    for name in result.models:
        cells = []
        for m in METRICS:
            v = result.metrics[name][m]
            spread = result.backtest[name][m]["std"] if len(folds) > 1 and m == "rmse" else None
            text = _fmt(v) + (f" ±{_fmt(spread, 2)}" if spread is not None else "")
            cells.append(f"[bold]{text}*[/bold]" if v is not None and v == best[m] else text)
        for level in result.config.levels:
            cov = result.coverage.get(name, {}).get(str(level))
            cells.append(f"{cov['overall']:.1f}" if cov else "-")
        table.add_row(name, *cells, "best" if name == result.best else "")
    console.print(table)
    console.print("* lowest in its column; best = lowest RMSE. Scores on observed levels of "
                  f"{result.series.column!r} over the whole test period"
                  + (f"; ± the standard deviation over the {len(folds)} origins"
                     if len(folds) > 1 else "") + "; cover = % of actual values inside the "
                  "conformal interval.")
    if w.horizon > 1:
        steps = Table(title="RMSE per horizon step", title_justify="left")
        steps.add_column("model")
        for j in range(w.horizon):
            steps.add_column(f"h={j + 1}", justify="right")
        for name in result.models:
            steps.add_row(name, *(_fmt(result.per_step[name][j]["rmse"])
                                  for j in range(w.horizon)))
        console.print(steps)
    console.print(result.verdict())
    ahead = Table(title=f"next {w.horizon} value(s) beyond the data (LSTM "
                        f"{max(result.config.levels):g}% interval)", title_justify="left")
    ahead.add_column("step")
    ahead.add_column("date")
    top = max(result.config.levels)
    ahead.add_column("lstm interval", justify="right")
    for name in result.models:
        ahead.add_column(name, justify="right")
    for row in result.future:
        lo, hi = row.get(f"lstm_lo{top}"), row.get(f"lstm_hi{top}")
        ahead.add_row(str(row["step"]), row["date"] or "-",
                      f"{_fmt(lo, 6)} .. {_fmt(hi, 6)}" if lo is not None else "-",
                      *(_fmt(row[n], 6) for n in result.models))
    console.print(ahead)
    epochs = payload["epochs_run"]
    console.print(f"LSTM trained {epochs} epoch{'s' * (epochs != 1)} in "
                  f"{result.train_seconds:.1f}s; run directory: {payload['run_dir']}")
