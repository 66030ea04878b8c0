"""``kerascli evaluate RUN_DIR_OR_MODEL``: reload a saved model and report its test metrics."""
from pathlib import Path

import click

from kerascli.commands._common import data_options, json_option, log


@click.command()
@click.argument("run", metavar="RUN_DIR_OR_MODEL", type=click.Path(path_type=Path))
@click.option("--dataset", "-d", help="Evaluate on this dataset instead of the one in the run's "
                                      "config.json (a name, a CSV file or an image folder).")
@click.option("--unsafe", is_flag=True,
              help="Allow a model whose loading runs Python code stored in the file (Lambda "
                   "layers). Only for files from a source you trust.")
@json_option
@data_options
def command(run, dataset, unsafe, as_json, data_dir, cache_dir):
    """Reload a saved model and report its test metrics.

    RUN_DIR_OR_MODEL is a run directory made by `kerascli train` or a model.h5 file. The
    dataset, its split and its load options come from the config.json beside the model, so
    the metrics are the ones `train` reported (accuracy and macro-F1, or RMSE, MAE and R²).

    \b
    Examples:
      kerascli evaluate runs/cnn-mnist-20250101-120000
      kerascli evaluate model.h5 --dataset fashion-mnist --json
    """
    from kerascli import inference, report
    from kerascli.commands._common import emit_json, stdout_console

    log(f"evaluating {run} ...")
    result = inference.evaluate_run(run, dataset, data_dir=data_dir, cache_dir=cache_dir,
                                    unsafe=unsafe)
    if as_json:
        emit_json(result)
        return
    console = stdout_console()
    title = f"{result['model_path']} on {result['dataset']}: test set ({result['n_test']:,} examples)"
    report.print_table(report.metrics_table(result["metrics"], title=title), console)
