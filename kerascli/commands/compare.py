"""``kerascli compare MODEL``: a Keras model beside its scikit-learn counterparts on one split.

One subcommand per model, generated from the model registry like ``train``'s, with the same
options (and the model's own, ``--hidden`` ...) plus the comparison's.
"""
from pathlib import Path

import click

from kerascli.commands import configure, options
from kerascli.commands.output import log, warn


def make_command(info):
    """The ``compare <model>`` command for one model's :class:`~kerascli.models.spec.ModelSpec`
    (no --validation-split: the network fits exactly the baselines' rows)."""
    params = options.dataset_option(info) + options.network_options(info, validation=False) + [
        click.Option(["--baseline", "baselines"], multiple=True, metavar="NAME",
                     help="A scikit-learn baseline to include (repeatable): logistic-regression, "
                          "linear-regression, random-forest, mlp, svm, knn. Default: the "
                          "model's counterparts."),
        click.Option(["--repeats"], type=int, default=1, show_default=True,
                     help="Train every model with seeds SEED..SEED+N-1 on the same split and "
                          "report mean and standard deviation."),
        click.Option(["--plot-file"], type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE.png",
                     help="Also write the comparison plot to this file (implies --plot)."),
        click.Option(["--jobs", "n_jobs"], type=int, default=-1, show_default=True,
                     help="Processes for scikit-learn estimators that run in parallel (-1: all "
                          "cores)."),
    ]

    def callback(**kwargs):
        _run(info, kwargs)

    return click.Command(info.name, callback=callback, params=params, short_help=info.summary,
                         help=HELP.format(model=info.name, counterparts=_counterparts(info)))


def _counterparts(spec):
    """'logistic-regression and random-forest (classification)': from the model's spec."""
    return "; ".join(f"{' and '.join(spec.counterparts_for(task))} ({task})"
                     for task in sorted(spec.tasks))


HELP = """Is the neural network better than the simple model? Train {model} and its
scikit-learn counterparts on exactly the same train/test split and compare them side by side.

Every model gets the same training rows (scaling fit on them only) and is scored on the
same test rows by the same code: accuracy and macro-F1 for classification, RMSE, MAE and
R2 for regression, with train and predict times and parameter counts. The Keras model
trains on the whole training part (no validation hold-out), as the baselines do. With
--repeats N each model is trained with N seeds on the same split. The best is marked; its
lead over the runner-up is called separable only when a paired test on the shared test rows
(McNemar's exact test for classification, a paired bootstrap of the RMSE difference for
regression) gives p < 0.05 for every seed, else "not separable". The Keras model trains to
convergence: on a CSV or image folder (no measured epochs) it stops once its training loss
stops improving (it holds out no validation rows, so it sees exactly the baselines' rows).

Default baselines for {model}: {counterparts} (images: on flattened pixels). results.json, config.json, the plot (--plot) and the
first seed's Keras run (keras/model.h5) go to a new directory under --out.
"""


def _run(info, kwargs):
    from kerascli import artifacts, comparing, plots
    from kerascli.core.config import CompareConfig
    from kerascli.core.session import session
    from kerascli.errors import UserError

    as_json, plot_file = kwargs.pop("as_json"), kwargs.pop("plot_file")
    track = configure.track(kwargs)
    if plot_file is not None and plot_file.suffix.lower() != ".png":
        raise UserError(f"--plot-file {plot_file}: the file name must end in .png.")
    extra = {k: kwargs.pop(k) for k in ("baselines", "repeats", "n_jobs")}
    # the Keras model fits exactly the baselines' rows: no validation hold-out
    cfg = CompareConfig(train=configure.train_config(info, kwargs, validation_split=0.0),
                        baselines=tuple(extra["baselines"]), repeats=extra["repeats"],
                        n_jobs=extra["n_jobs"], plot_file=plot_file and str(plot_file))
    comparing.check_pair(cfg)
    if plot_file is not None:
        artifacts.check_writable_dir(plot_file.parent, option=f"--plot-file {plot_file}")

    def check(dataset):  # a CSV's task is known now: refuse a wrong baseline before training
        comparing.chosen_baselines(cfg, dataset)
        log(f"dataset: {dataset.name} ({dataset.task}), {len(dataset.x_train):,} training and "
            f"{len(dataset.x_test):,} test rows, from {dataset.source}")

    with session(f"compare {info.name}", cfg.train, f"compare-{info.name}", check=check,
                 resumable=False) as (watch, dataset, run_dir):
        run_dir.write_config(cfg, dataset=dataset.describe())
        watch.stage = "training the models"
        result = comparing.compare(cfg, dataset, run_dir=run_dir.path, log=log, warn=warn,
                                   callbacks=[watch.callback(cfg.train.epochs)])
        watch.stage = "writing the results"
        doc = result.to_dict()
        files = {"results": str(run_dir / "results.json"), "config": str(run_dir / "config.json"),
                 "keras_run": str(run_dir / "keras")}
        if cfg.train.plot or plot_file is not None:
            files["plot"] = str(plots.plot_comparison(result, run_dir / "comparison.png"))
        if plot_file is not None:
            files["plot_file"] = str(plots.plot_comparison(result, plot_file))
        doc.update(run_dir=str(run_dir), files=files)
        run_dir.write_json("results.json", doc)
        run_dir.complete()
    track(run_dir.path)

    if as_json:
        from kerascli.commands.output import emit_json
        emit_json(doc)
        return
    _print_table(doc)
    plot = files.get("plot_file") or files.get("plot")  # the file asked for by name first
    log(f"results: {files['results']}" + (f"; plot: {plot}" if plot else "")
        + (f" (and {files['plot']})" if "plot_file" in files else ""))


def _cell(stat, digits=4, repeats=1):
    if repeats > 1:
        return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"
    return f"{stat['mean']:.{digits}f}"


def _print_table(doc):
    from rich.table import Table
    from kerascli.commands.output import stdout_console
    from kerascli.plots import METRIC_LABELS

    repeats = doc["repeats"]
    metrics = list(doc["models"][0]["metrics"])
    title = (f"{doc['model']} vs scikit-learn on {doc['dataset']['name']}: "
             f"{doc['split']['n_train']:,} training / {doc['split']['n_test']:,} test rows"
             + (f", {repeats} seeds (mean ± std)" if repeats > 1 else f", seed {doc['seeds'][0]}"))
    table = Table(title=title, title_justify="left")
    table.add_column("model", overflow="fold")
    for m in metrics:
        marker = " ↑" if m in ("accuracy", "macro_f1", "r2") else " ↓"
        table.add_column(METRIC_LABELS.get(m, m) + marker, justify="right", overflow="fold")
    for name in ("train s", "predict s", "params"):
        table.add_column(name, justify="right", overflow="fold")
    table.add_column("best", justify="center")
    tied = doc["verdict"].get("tied") or [doc["verdict"]["best"]]
    for m in doc["models"]:
        table.add_row(m["name"], *(_cell(m["metrics"][k], 4, repeats) for k in metrics),
                      _cell(m["train_seconds"], 2, repeats), _cell(m["predict_seconds"], 3, repeats),
                      f"{m['n_params']:,}", "★" if m["name"] in tied else "")
    console = stdout_console()
    console.print(table)
    v = doc["verdict"]
    label = METRIC_LABELS.get(v["metric"], v["metric"])
    line = f"best by {label}: {v['best']}"
    tied = v.get("tied") or [v["best"]]
    if v["runner_up"]:
        if not v["difference"]:
            names = ", ".join(tied[:-1]) + f" and {tied[-1]}" if len(tied) > 1 else v["best"]
            line = f"{label}: {names} tie"
        else:
            line += f"; ahead of {v['runner_up']} by {v['difference']:.4f}"
        if v.get("test"):
            seeds = f"in each of {repeats} seeds" if repeats > 1 else "one seed"
            verdict = "separable" if v["separated"] else "not separable"
            line += (f": {verdict} ({v['test']} on the {doc['split']['n_test']:,} shared test "
                     f"rows, p = {v['p_value']:.3g}, {seeds})")
            if repeats == 1:
                line += "; --repeats 3 also tests training noise"
    console.print(line)
    noted = [m for m in doc["models"] if m["warnings"]]
    for m in noted:
        console.print(f"note: {m['name']} raised {len(m['warnings'])} warning(s), e.g. "
                      f"{m['warnings'][0]}")


@click.group(cls=options.ModelGroup, make_command=make_command, invoke_without_command=False)
def command():
    """Set a Keras model beside its scikit-learn counterparts on one split.

    \b
    Examples:
      kerascli compare logreg
      kerascli compare linreg --repeats 5
      kerascli compare cnn --dataset fashion-mnist --epochs 3 --plot
      kerascli compare mlp --dataset digits --hidden 64,32 --baseline random-forest --json

    Each model takes the options of kerascli train MODEL: kerascli compare MODEL --help.
    """
