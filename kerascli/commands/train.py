"""``kerascli train MODEL``: one subcommand per model, generated from the model registry.

Listing models and building each subcommand's options reads only the model specs
(no Keras import), so ``kerascli train --help`` and ``kerascli train mlp --help`` are instant.
"""
from pathlib import Path

import click

from kerascli.commands import configure, options
from kerascli.commands.output import log, warn


def make_command(info):
    """The ``train <model>`` command for one model's :class:`~kerascli.models.spec.ModelSpec`."""
    params = (options.dataset_option(info) + options.network_options(info)
              + options.resume_option("train") + options.config_option())

    def callback(**kwargs):
        _run(info, kwargs)

    return click.Command(
        info.name, callback=callback, params=params, short_help=info.summary,
        help=f"Train {info.name}: {info.summary}.\n\nAccepts: {info.accepts_text()}. "
             "Prints the model summary and progress on stderr, the test metrics and the run "
             "directory on stdout; writes model.h5, config.json, metrics.json and history.csv.")


def _run(info, kwargs):
    from kerascli.core import config, fit, resume
    from kerascli.commands.output import plural
    from kerascli.core.rundir import RunDir
    from kerascli.core.session import session
    from kerascli.errors import UserError

    as_json = kwargs.pop("as_json")
    track = configure.track(kwargs)
    resumed = None
    if kwargs.get("resume") is not None:
        resumed, cfg = RunDir.reopen(kwargs["resume"], "train")
        if cfg.model != info.name:
            raise UserError(f"--resume {resumed}: that run trained {cfg.model!r}, not "
                            f"{info.name!r}; use kerascli train {cfg.model} --resume {resumed}.")
        resume.check_no_conflict(cfg, configure.given_options(kwargs), resumed.path)
    else:
        cfg = configure.train_config(info, kwargs)
    with session(f"train {info.name}", cfg, info.name, resumed=resumed, log=log) as (
            watch, dataset, run_dir):
        cfg = config.derive_from_data(cfg, len(dataset.x_train))  # a user's table or folder
        epochs = (f"up to {plural(cfg.epochs, 'epoch')} (stops after {plural(cfg.patience, 'epoch')} without a "
                  "better loss)" if cfg.patience else plural(cfg.epochs, "epoch"))
        log(f"training {info.name} on {dataset.name}: {len(dataset.x_train):,} training "
            f"examples, {epochs}, batch {cfg.batch_size}, {cfg.optimizer} lr "
            f"{cfg.learning_rate:g}, seed {cfg.seed}")
        result = fit.train(cfg, dataset, run_dir=run_dir, callbacks=[watch.callback(cfg.epochs)])
    if result.convergence.get("note"):
        warn(result.convergence["note"])
    track(result.run_dir)
    show_result(result, as_json)


def show_result(result, as_json):
    from kerascli.commands.output import (emit_json, metrics_table, plural, print_table,
                                          stdout_console)
    from kerascli.core import results

    if as_json:  # metrics.json's record (core.results), and where the run went
        emit_json({**results.metrics_record(result), "run_dir": str(result.run_dir),
                   "artifacts": result.artifacts, "config": result.config.to_dict()})
        return
    console = stdout_console()
    title = (f"{result.config.model} on {result.dataset.get('name')}: test set "
             f"({result.dataset.get('n_test'):,} examples, {plural(result.epochs_run, 'epoch')}, "
             f"{result.train_seconds:.1f} s)")
    print_table(metrics_table(result.metrics, title=title), console)
    console.print(f"run directory: {result.run_dir}")
    for name, path in result.artifacts.items():
        console.print(f"  {name}: {Path(path).name}")


@click.group(cls=options.ModelGroup, make_command=make_command, invoke_without_command=False)
def command():
    """Train a textbook model on a dataset, evaluate it on the test set, save it as .h5.

    \b
    Examples:
      kerascli train logreg                      # Iris species (embedded)
      kerascli train cnn --dataset mnist         # LeNet-style CNN, ~99.2%
      kerascli train mlp --hidden 256,128 --dropout 0.2
      kerascli train linreg --dataset houses.csv --label price
      kerascli train lstm --dataset prices.csv --lags 30   # same windows as forecast
      kerascli train cnn --dataset digits --epochs 3 --json

    Each model has its own options and defaults: kerascli train MODEL --help.
    """
