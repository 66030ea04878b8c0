"""``kerascli compare``: a Keras model beside its scikit-learn counterparts on one split."""
from pathlib import Path

import click

from kerascli.commands._common import data_options, json_option, log, warn
from kerascli.commands.train import ImageSize


def _parse_params(model, pairs):
    """``--param hidden=64,32`` -> (("hidden", (64, 32)),), typed by the model's Param list."""
    from kerascli import models
    from kerascli.errors import UserError

    declared = {p.name: p for p in models.get(model).INFO.params}
    parsed = []
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in declared:
            raise UserError(f"--param {pair}: give NAME=VALUE with NAME one of: "
                            f"{', '.join(declared) or 'none (model ' + model + ' has no options)'}.")
        kind = declared[name].type
        try:
            if kind == "ints":
                value = tuple(int(v) for v in text.split(",") if v.strip())
            elif kind == "int":
                value = int(text)
            elif kind == "float":
                value = float(text)
            else:
                value = text
        except ValueError:
            wanted = "comma-separated integers" if kind == "ints" else f"a value of type {kind}"
            raise UserError(f"--param {pair}: {name} takes {wanted}.") from None
        parsed.append((name, value))
    return tuple(parsed)


@click.command("compare")
@click.argument("model")
@click.option("--dataset", "-d", help="Registry name, CSV file or image folder (default: the model's "
                                "own, e.g. iris for logreg and linreg, mnist for cnn).")
@click.option("--baseline", "baselines", multiple=True, metavar="NAME",
              help="A scikit-learn baseline to include (repeatable): logistic-regression, "
                   "linear-regression, random-forest, mlp, svm, knn. Default: the model's "
                   "counterparts.")
@click.option("--repeats", type=int, default=1, show_default=True,
              help="Train every model with seeds SEED..SEED+N-1 on the same split and report "
                   "mean and standard deviation.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.png",
              help="Write a PNG: the metric per model as bars and, for classification, the "
                   "confusion matrices side by side.")
@click.option("--epochs", "-e", type=int,
              help="Keras epochs (default: the model's for this dataset, as train).")
@click.option("--batch-size", "-b", type=int, help="Keras batch size.")
@click.option("--learning-rate", "--lr", "learning_rate", type=float, help="Keras learning rate.")
@click.option("--optimizer", help="Keras optimizer (adam, sgd, rmsprop, ...).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A model option, e.g. --param hidden=64,32 --param dropout=0.1 for mlp.")
@click.option("--label", help="Target column of a CSV table (or of iris).")
@click.option("--features", help="Comma-separated feature columns (default: all but the label).")
@click.option("--image-size", type=ImageSize(),
              help="Image folders: resize images to this size, e.g. 64 or 64x48.")
@click.option("--jobs", "n_jobs", type=int, default=-1, show_default=True,
              help="Processes for scikit-learn estimators that run in parallel (-1: all cores).")
@click.option("--seed", type=int, default=42, show_default=True, envvar="KERASCLI_SEED")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"),
              show_default=True, envvar="KERASCLI_OUT", help="Where the run directory is created.")
@data_options
@json_option
def command(model, dataset, baselines, repeats, plot, epochs, batch_size, learning_rate,
            optimizer, params, label, features, image_size, n_jobs, seed, out, data_dir,
            cache_dir, as_json):
    """Is the neural network better than the simple model? Train MODEL and its scikit-learn
    counterparts on exactly the same train/test split and compare them side by side.

    Every model gets the same training rows (scaling fit on them only) and is scored on the
    same test rows by the same code: accuracy and macro-F1 for classification, RMSE, MAE and
    R2 for regression, with train and predict times and parameter counts. The Keras model
    trains on the whole training part (no validation hold-out), as the baselines do. With
    --repeats N each model is trained with N seeds on the same split; the best is marked and
    its lead counts as real when it exceeds the two models' summed standard deviations.

    Default baselines: logreg -> logistic-regression; linreg -> linear-regression; mlp ->
    mlp (MLPClassifier/MLPRegressor); cnn, alexnet, cifar -> logistic-regression and
    random-forest on flattened pixels. results.json, config.json and the first seed's Keras
    run (keras/model.h5) go to a new directory under --out.

    \b
    Examples:
      kerascli compare logreg
      kerascli compare linreg --repeats 5
      kerascli compare cnn --dataset fashion-mnist --epochs 3 --plot cnn-vs-sklearn.png
      kerascli compare mlp --dataset digits --baseline random-forest --baseline knn --json
    """
    from kerascli import artifacts, comparing, interrupt
    from kerascli.errors import UserError

    if plot is not None and plot.suffix.lower() != ".png":
        raise UserError(f"--plot {plot}: the file name must end in .png.")
    from kerascli import models
    models.get(model)
    config = comparing.CompareConfig(
        model=model, dataset=dataset, baselines=tuple(baselines), repeats=repeats, seed=seed,
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
        params=_parse_params(model, params), n_jobs=n_jobs, label=label,
        features=tuple(f.strip() for f in features.split(",") if f.strip()) if features else None,
        image_size=image_size, data_dir=str(data_dir) if data_dir else None,
        cache_dir=str(cache_dir) if cache_dir else None, out=str(out)).check()
    comparing.check_pair(config)
    if plot is not None:
        artifacts.check_writable_dir(plot.parent, option=f"--plot {plot}")
    with interrupt.guard(f"compare {model}") as watch:
        artifacts.check_writable_dir(out)  # fail fast, before the data and the training
        watch.stage = "loading data"
        data = comparing.load_dataset(config)
        comparing.chosen_baselines(config, data)  # a CSV's task is known now: refuse before training
        log(f"dataset: {data.name} ({data.task}), {len(data.x_train)} training and "
            f"{len(data.x_test)} test rows, from {data.source}")

        run_dir = artifacts.new_run_dir(out, f"compare-{model}-{data.name}")
        watch.run_dir, watch.stage = run_dir, "training the models"
        artifacts.write_json(run_dir / "config.json", config.to_dict())
        result = comparing.compare(config, data, run_dir=run_dir, log=log, warn=warn)
        watch.stage = "writing the results"
        doc = result.to_dict()
        files = {"results": str(run_dir / "results.json"), "config": str(run_dir / "config.json"),
                 "keras_run": str(run_dir / "keras")}
        if plot is not None:
            files["plot"] = str(comparing.plot(result, plot))
        doc["run_dir"] = str(run_dir)
        doc["files"] = files
        artifacts.write_json(run_dir / "results.json", doc)
        artifacts.mark_complete(run_dir)

    if as_json:
        from kerascli.commands._common import emit_json
        emit_json(doc)
        return
    _print_table(doc)
    log(f"results: {files['results']}" + (f"; plot: {files['plot']}" if "plot" in files else ""))


def _cell(stat, digits=4, repeats=1):
    if repeats > 1:
        return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"
    return f"{stat['mean']:.{digits}f}"


def _print_table(doc):
    from rich.table import Table
    from kerascli.commands._common import stdout_console
    from kerascli.report import METRIC_LABELS

    repeats = doc["repeats"]
    metrics = list(doc["models"][0]["metrics"])
    title = (f"{doc['model']} vs scikit-learn on {doc['dataset']['name']}: "
             f"{doc['split']['n_train']} training / {doc['split']['n_test']} test rows"
             + (f", {repeats} seeds (mean ± std)" if repeats > 1 else f", seed {doc['seeds'][0]}"))
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for m in metrics:
        marker = " ↑" if m in ("accuracy", "macro_f1", "r2") else " ↓"
        table.add_column(METRIC_LABELS.get(m, m) + marker, justify="right")
    for name in ("train s", "predict s", "params"):
        table.add_column(name, justify="right")
    table.add_column("best", justify="center")
    for m in doc["models"]:
        table.add_row(m["name"], *(_cell(m["metrics"][k], 4, repeats) for k in metrics),
                      _cell(m["train_seconds"], 2, repeats), _cell(m["predict_seconds"], 3, repeats),
                      f"{m['n_params']:,}", "★" if m["best"] else "")
    console = stdout_console()
    if not console.is_terminal:
        console.width = max(console.width, 160)  # a pipe or file: do not fold the cells
    console.print(table)
    v = doc["verdict"]
    label = METRIC_LABELS.get(v["metric"], v["metric"])
    line = f"best by {label}: {v['best']}"
    if v["runner_up"]:
        line += f"; ahead of {v['runner_up']} by {v['difference']:.4f}"
        if v["separated"] is None:
            line += " (one seed: run --repeats 3 or more to tell it from training noise)"
        elif v["separated"]:
            line += f", more than their spread ({v['spread']:.4f}): a real difference"
        else:
            line += f", within their spread ({v['spread']:.4f}): not a clear difference"
    console.print(line)
    noted = [m for m in doc["models"] if m["warnings"]]
    for m in noted:
        console.print(f"note: {m['name']} raised {len(m['warnings'])} warning(s), e.g. "
                      f"{m['warnings'][0]}")
