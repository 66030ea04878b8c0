"""``kerascli forecast [FILE]``: an LSTM forecast of a CSV series, set beside naive, drift and
linear. The LSTM is ``train lstm``'s, with the same options (generated from models/lstm.py)."""
from pathlib import Path

import click

from kerascli import models
from kerascli.commands import options
from kerascli.commands.output import log, warn


def _params():
    info = models.get("lstm").INFO
    return ([click.Argument(["file"], required=False,
                            type=click.Path(dir_okay=False, path_type=Path))]
            + options.network_options(info) + options.resume_option("forecast"))


def _callback(**kwargs):
    _run(kwargs)


HELP = """Forecast a time series from a CSV file with an LSTM, against simple baselines.

FILE is a CSV with a date column and a numeric column (default: the S&P 500 daily
closes 1950-2019 shipped with kerascli). The most recent --test-size of the rows is held
out; the LSTM (exactly `kerascli train lstm --dataset FILE`), naive persistence, drift and
a linear model on the same lags are scored on the same test windows (RMSE, MAE, MAPE, MASE),
and the next --horizon values beyond the data are forecast. model.h5, config.json,
metrics.json, predictions.csv and (--plot) forecast.png go to a new directory under --out.

\b
Examples:
  kerascli forecast
  kerascli forecast prices.csv --label "Adj Close" --lags 30 --horizon 5 --plot
  kerascli forecast sensor.csv --target levels --fill interpolate --json
  kerascli forecast --resume runs/forecast-prices-20261124-120000
"""

command = click.Command("forecast", callback=_callback, params=_params(), help=HELP,
                        short_help="Forecast a CSV series with an LSTM against naive, drift "
                                   "and linear baselines.")


def _run(kwargs):
    from kerascli import forecasting
    from kerascli.core import resume
    from kerascli.core.config import ForecastConfig
    from kerascli.core.rundir import RunDir
    from kerascli.core.session import session

    info = models.get("lstm").INFO
    as_json, file, resumed = kwargs.pop("as_json"), kwargs.pop("file"), None
    if kwargs.get("resume") is not None:
        resumed, cfg = RunDir.reopen(kwargs["resume"], "forecast")
        resume.check_no_conflict(cfg.train, options.given_options(kwargs), resumed.path)
    else:
        cfg = ForecastConfig(train=options.train_config(
            info, kwargs, dataset=str(file) if file is not None else info.default_dataset))

    def notes(dataset):
        series = dataset.windows.series
        for note in series.notes:
            warn(f"{series.source}: {note}")
        described = series.describe()
        log(f"series: {series.source}, column {series.column!r}, {len(series)} rows"
            + (f" from {described['first_date']} to {described['last_date']}"
               if series.dates is not None else ""))

    with session("forecast", cfg.train, "forecast", resumed=resumed, log=log, check=notes) as (
            watch, dataset, run_dir):
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
    from kerascli.forecasting import METRICS, MODELS

    console = stdout_console()
    split = payload["split"]
    title = (f"{result.series.source} · {result.series.column} · target {result.target} · "
             f"lags {result.windows.lags} · horizon {result.windows.horizon} · "
             f"{split['n_test_windows']} test windows"
             + (f" from {split['test_start_date']}" if split["test_start_date"] else ""))
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for m in METRICS:
        table.add_column(m.upper() + (" %" if m == "mape" else ""), justify="right")
    table.add_column("")
    best = {m: min((result.metrics[n][m] for n in MODELS if result.metrics[n][m] is not None),
                   default=None) for m in METRICS}
    for name in MODELS:
        cells = []
        for m in METRICS:
            v = result.metrics[name][m]
            text = _fmt(v)
            cells.append(f"[bold]{text}*[/bold]" if v is not None and v == best[m] else text)
        table.add_row(name, *cells, "best" if name == result.best else "")
    console.print(table)
    console.print("* lowest in its column; best = lowest RMSE. Scores on levels of "
                  f"{result.series.column!r} over the test period.")
    console.print(result.verdict())
    ahead = Table(title=f"next {result.windows.horizon} value(s) beyond the data", title_justify="left")
    ahead.add_column("step")
    ahead.add_column("date")
    for name in MODELS:
        ahead.add_column(name, justify="right")
    for row in result.future:
        ahead.add_row(str(row["step"]), row["date"] or "-", *(_fmt(row[n], 6) for n in MODELS))
    console.print(ahead)
    console.print(f"LSTM trained {result.config.train.epochs} epochs in {result.train_seconds:.1f}s; "
                  f"run directory: {payload['run_dir']}")
