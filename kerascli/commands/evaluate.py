"""``kerascli evaluate RUN_DIR_OR_MODEL``: reload a saved model and report its test metrics."""
from pathlib import Path

import click

from kerascli.commands import options
from kerascli.commands.output import log


@click.command()
@click.argument("run", metavar="RUN_DIR_OR_MODEL", type=click.Path(path_type=Path))
@options.use(options.dataset_option(None), options.unsafe_option(), options.json_option(),
             options.data_options(), options.allow_changed_data_option(),
             options.allow_incomplete_option())
def command(run, dataset, unsafe, as_json, data_dir, cache_dir, allow_changed_data,
            allow_incomplete):
    """Reload a saved model and report its test metrics.

    RUN_DIR_OR_MODEL is a run directory made by `kerascli train` or a model.h5 file. The
    dataset, its split and its load options come from the config.json beside the model, so
    the metrics are the ones `train` reported (accuracy and macro-F1, or RMSE, MAE and R²).
    A `compare` run directory is evaluated through its Keras model (RUN/keras); a `forecast`
    run's LSTM is re-scored on its test windows (RMSE, MAE, MAPE, MASE on levels). A run
    marked INCOMPLETE (interrupted, diverged) is refused unless --allow-incomplete.

    \b
    Examples:
      kerascli evaluate runs/cnn-mnist-20250101-120000
      kerascli evaluate model.h5 --dataset fashion-mnist --json
    """
    from kerascli.inference.evaluate import evaluate_run
    from kerascli.commands.output import metrics_table, print_table
    from kerascli.commands.output import emit_json, stdout_console

    log(f"evaluating {run} ...")
    result = evaluate_run(run, dataset, data_dir=data_dir, cache_dir=cache_dir,
                          unsafe=unsafe, log=log,
                          allow_changed_data=allow_changed_data,
                          allow_incomplete=allow_incomplete)
    if result.get("data_changed"):
        from kerascli.commands.output import warn
        warn(f"scored on data that changed since training ({result['data_changed']}); "
             "these are not the run's test rows (--allow-changed-data).")
    if as_json:
        emit_json(result)
        return
    console = stdout_console()
    title = f"{result['model_path']} on {result['dataset']}: test set ({result['n_test']:,} examples)"
    if result.get("data_changed"):
        title += ", DATA CHANGED since training"
    print_table(metrics_table(result["metrics"], title=title), console)
