"""``kerascli forecast``: an LSTM forecast of a CSV series, set beside naive, drift and linear."""
from pathlib import Path

import click

from kerascli.commands._common import json_option, log, warn

FILLS = ("drop", "ffill", "interpolate")
TARGETS = ("auto", "levels", "returns", "diff")


@click.command("forecast")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--column", help="Column to forecast (default: Close, Adj Close or the only "
                               "numeric column).")
@click.option("--date-column", help="Date column (default: one named Date/Time/..., else the "
                                    "first column that parses as dates).")
@click.option("--fill", type=click.Choice(FILLS), default="drop", show_default=True,
              help="Null or empty cells: drop the rows, carry the last value forward, or "
                   "interpolate.")
@click.option("--lags", type=int, default=20, show_default=True,
              help="Past values in each input window.")
@click.option("--horizon", type=int, default=1, show_default=True,
              help="Steps ahead to forecast from each window.")
@click.option("--test-size", type=float, default=0.2, show_default=True,
              help="Fraction of the rows, the most recent, held out as the test period.")
@click.option("--target", type=click.Choice(TARGETS), default="auto", show_default=True,
              help="What the models learn: levels, simple returns or first differences "
                   "(auto: returns for a positive series, else diff). Scores are always on levels.")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--batch-size", type=int, default=128, show_default=True)
@click.option("--learning-rate", type=float, default=1e-3, show_default=True)
@click.option("--units", type=int, default=32, show_default=True, help="LSTM units.")
@click.option("--seed", type=int, default=42, show_default=True, envvar="KERASCLI_SEED")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"),
              show_default=True, envvar="KERASCLI_OUT", help="Where the run directory is created.")
@click.option("--plot/--no-plot", default=True, show_default=True,
              help="Write forecast.png (actual vs each forecast over the test period).")
@json_option
def command(file, column, date_column, fill, lags, horizon, test_size, target, epochs,
            batch_size, learning_rate, units, seed, out, plot, as_json):
    """Forecast a time series from a CSV file with an LSTM, against simple baselines.

    FILE is a CSV with a date column and a numeric column (default: the S&P 500 daily
    closes 1950-2019 shipped with kerascli). The most recent --test-size of the rows is held
    out; the LSTM, naive persistence, drift and a linear model on the same lags are scored on
    exactly the same test windows (RMSE, MAE, MAPE, MASE), and the next --horizon values
    beyond the data are forecast. The model (model.h5), config.json, metrics.json,
    predictions.csv and forecast.png go to a new directory under --out.

    \b
    Examples:
      kerascli forecast
      kerascli forecast prices.csv --column "Adj Close" --lags 30 --horizon 5
      kerascli forecast sensor.csv --target levels --fill interpolate --json
    """
    from kerascli import artifacts, interrupt
    from kerascli.forecasting import ForecastConfig, check_series, config_dict, load_series, run

    config = ForecastConfig(path=str(file) if file is not None else None, column=column,
                            date_column=date_column, fill=fill, lags=lags, horizon=horizon,
                            test_size=test_size, target=target, epochs=epochs,
                            batch_size=batch_size, learning_rate=learning_rate, units=units,
                            seed=seed).check()
    with interrupt.guard("forecast") as watch:
        artifacts.check_writable_dir(out)  # fail fast, before the data and the training
        watch.stage = "loading data"
        series = load_series(config)
        check_series(config, series)
        for note in series.notes:
            warn(f"{series.source}: {note}")
        log(f"series: {series.source}, column {series.column!r}, {len(series)} rows"
            + (f" from {series.describe()['first_date']} to {series.describe()['last_date']}"
               if series.dates is not None else ""))

        stem = "sp500" if file is None else file.stem
        run_dir = artifacts.new_run_dir(out, f"forecast-{stem}")
        watch.run_dir = run_dir
        artifacts.write_json(run_dir / "config.json", config_dict(config))
        from kerascli.safety import divergence_guard
        result = run(config, series=series,
                     callbacks=[divergence_guard(epochs, learning_rate), watch.callback(epochs)])
        watch.stage = "writing the results"
        artifacts.write_json(run_dir / "config.json", config_dict(config, result))
        payload = result.to_dict()
        files = {"model": run_dir / "model.h5", "config": run_dir / "config.json",
                 "metrics": run_dir / "metrics.json", "predictions": run_dir / "predictions.csv"}
        if plot:
            from kerascli.forecasting import plot as plot_forecast
            files["plot"] = plot_forecast(result, run_dir / "forecast.png")
        from kerascli.forecasting import predictions_csv
        artifacts.write_text(files["predictions"], predictions_csv(result))
        payload["run_dir"] = str(run_dir)
        payload["files"] = {k: str(v) for k, v in files.items()}
        artifacts.write_json(files["metrics"], payload)
        artifacts.save_model_h5(result.model, files["model"])  # last: saving .h5 alters the model
        artifacts.mark_complete(run_dir)

    if as_json:
        from kerascli.commands._common import emit_json
        emit_json(payload)
    else:
        _print_report(result, payload)


def _fmt(value, digits=4):
    if value is None:
        return "-"
    return f"{value:,.{digits}g}" if abs(value) < 1e4 else f"{value:,.1f}"


def _print_report(result, payload):
    from rich.table import Table

    from kerascli.commands._common import stdout_console
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
    console.print(f"LSTM trained {result.config.epochs} epochs in {result.train_seconds:.1f}s; "
                  f"run directory: {payload['run_dir']}")
