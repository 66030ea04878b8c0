"""``kerascli tune MODEL``: a hyperparameter search with Optuna (kerascli.tuning).

One subcommand per model, generated from the model registry like ``train``'s, with train's
data, training and runtime options; ``kerascli tune --resume STUDY_DIR`` continues a study.
"""
import datetime
import re
from pathlib import Path

import click

from kerascli.commands import configure, options
from kerascli.commands.output import log

TRAINING_SETTINGS = ("epochs", "batch_size", "learning_rate")


class Duration(click.ParamType):
    """``90``, ``90s``, ``20m``, ``1.5h``: seconds."""

    name = "DURATION"
    UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|m|min|h)?\s*", str(value).lower())
        seconds = float(match.group(1)) * self.UNITS[match.group(2) or ""] if match else 0
        if not seconds > 0:
            self.fail(f"{value!r}: give a duration above 0 such as 90s, 20m or 1.5h.", param, ctx)
        return seconds


def search_options():
    return [
        click.Option(["--trials"], type=click.IntRange(min=1),
                     help="Trials in all (across every process sharing the study). [default: "
                          "20, or until --timeout]"),
        click.Option(["--timeout"], type=Duration(),
                     help="Start no new trial after this long (90s, 20m, 1.5h)."),
        click.Option(["--param", "param_texts"], multiple=True, metavar="NAME=LOW:HIGH[:log]",
                     help="Search NAME (a model option, learning_rate, batch_size or epochs) "
                          "over a range, or over choices NAME=A,B,C (sizes: hidden=64|128,64); "
                          "one value fixes it. Repeatable. [default: the model's own ranges]"),
        click.Option(["--study"],
                     help="The study's name (its directory under --out); a study that exists "
                          "is joined. Needed with --storage. [default: MODEL-DATASET-TIME]"),
        click.Option(["--storage"], envvar="KERASCLI_TUNE_STORAGE", show_envvar=True,
                     metavar="URL",
                     help="postgresql:// or mysql:// URL of a database shared by tune "
                          "processes on several machines (same --study on each). [default: "
                          "a journal file in the study directory]"),
        click.Option(["--prune/--no-prune"], default=True, show_default=True,
                     help="Stop a trial whose validation metric is behind the median of "
                          "earlier trials at the same epoch."),
    ]


def make_command(info):
    """The ``tune <model>`` command for one model's spec: train's options, no model options
    (they are searched: --param) and the search's."""
    series_only = set(info.accepts) == {"series"}
    table = options.table_options()
    if series_only:
        table = [o for o in table
                 if o.name not in ("features", "image_size", "image_shape", "strict", "task")]
    params = (options.dataset_option(info) + options.training_options(info)
              + options.output_options(plots="the optimisation history and the parameter "
                                             "importances")
              + ([] if series_only else options.data_options()) + table
              + (options.series_options() if "series" in info.accepts else [])
              + options.runtime_options() + search_options() + options.mlflow_option())
    space = ", ".join(f"{name} ({dim.text()})" for name, dim in _space_preview(info).items())

    def callback(**kwargs):
        _run(info, kwargs)

    return click.Command(
        info.name, callback=callback, params=params, short_help=f"Search {info.name}'s settings.",
        help=f"Search {info.name}'s settings with Optuna: every trial trains it on the "
             "training part and is scored on the validation split (the test set is never "
             "seen); the best trial is then scored once on the test set beside the default "
             "run.\n\nSearched by default: " + space + ". --epochs, --batch-size and --lr fix "
             "those settings. Writes a study directory under --out: a run directory per "
             "trial, journal.log (the study), best.json (kerascli train MODEL --config "
             "best.json) and results.json.")


def _space_preview(info):
    from kerascli import tuning
    return tuning.search_space(info)


def _run(info, kwargs):
    from kerascli import tuning
    from kerascli.core.rundir import safe_name
    from kerascli.errors import UserError

    as_json, plot = kwargs.pop("as_json"), kwargs.pop("plot")
    trials, timeout = kwargs.pop("trials"), kwargs.pop("timeout")
    texts, study, storage = kwargs.pop("param_texts"), kwargs.pop("study"), kwargs.pop("storage")
    prune = kwargs.pop("prune")
    track = configure.track(kwargs)
    if storage and not study:
        raise UserError("--storage: give --study NAME too, the same on every machine, so the "
                        "processes share one study.")
    fixed = [k for k in TRAINING_SETTINGS if kwargs.get(k) is not None]
    out = kwargs.get("out")
    kwargs.update({p.name: None for p in info.params})  # searched (--param), not options
    base = configure.train_config(info, kwargs, plot=False)
    space = tuning.search_space(info, texts, fixed)
    if trials is None and timeout is None:
        trials = 20
    if study is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        study = f"{info.name}-{safe_name(Path(str(base.dataset)).stem)}-{stamp}"
    study = safe_name(study)
    tcfg = tuning.TuneConfig(train=base, space=space, trials=trials, study=study,
                             storage=storage, prune=prune)
    execute(tcfg, Path(out) / study, timeout=timeout, plot=plot, as_json=as_json, track=track)


def execute(tcfg, study_dir, *, timeout=None, plot=False, as_json=False, resumed=False,
            track=None):
    """Open (or join) the study, load the data, run the trials under Ctrl-C's guard, show."""
    import json
    from kerascli import artifacts, tuning
    from kerascli.core import data, devices, interrupt

    cfg = tcfg.train
    storage_url = tcfg.storage
    data.check_compatible(cfg)
    devices.check_runtime(cfg)
    artifacts.check_writable_dir(study_dir.parent)
    if storage_url is not None:  # the database answers, before anything is written
        storage = tuning.open_storage(storage_url, study_dir)
        study_dir.mkdir(parents=True, exist_ok=True)
    else:
        study_dir.mkdir(parents=True, exist_ok=True)
        storage = tuning.open_storage(None, study_dir)
    stored = tuning.load_stored(tcfg.study, storage)
    if stored is not None:  # joining (or resuming) a study: its own settings
        trials = tcfg.trials if resumed and tcfg.trials else stored.trials
        tcfg = tuning.TuneConfig(train=stored.train, space=stored.space, trials=trials,
                                 study=stored.study, storage=storage_url, prune=stored.prune)
        if not resumed:
            log(f"study {tcfg.study} exists: joining it with its own settings")
    tune_file = study_dir / tuning.TUNE_FILE
    if not tune_file.exists():
        artifacts.write_json(tune_file, tcfg.to_dict())
    elif resumed and tcfg.trials is not None:
        record = json.loads(tune_file.read_text(encoding="utf-8"))
        record["trials"] = tcfg.trials
        artifacts.write_json(tune_file, record)
    with interrupt.guard(f"tune {cfg.model}") as watch:
        watch.resume = f"kerascli tune --resume {study_dir}"
        log(f"loading dataset {tcfg.train.dataset} ...")
        watch.stage = "loading data"
        dataset = data.load_data(tcfg.train)
        log(f"searching {', '.join(tcfg.space)} for {cfg.model} on {dataset.name}; study "
            f"directory {study_dir}")
        watch.stage = "searching"
        result = tuning.run(tcfg, study_dir, dataset, storage, watch=watch, log=log,
                            timeout=timeout, plot=plot)
    show(result, as_json)
    if track is not None:  # --mlflow: every trial's run directory, then the default run
        runs = [Path(r.run_dir) for r in result.rows if r.run_dir]
        for run_dir in runs + [result.study_dir / tuning.results.DEFAULT_RUN]:
            if (run_dir / "config.json").is_file():
                track(run_dir)
    if result.best is None:
        from kerascli.errors import UserError
        raise UserError(f"study {tcfg.study}: no trial completed; see the table, then resume "
                        f"with kerascli tune --resume {study_dir} --trials N.")


def show(result, as_json):
    from kerascli.commands.output import emit_json, print_table, stdout_console, table
    if as_json:
        emit_json(result.to_dict())
        return
    console = stdout_console()
    names = list(result.config.space)
    rows = []
    for r in result.rows:
        row = {"trial": r.number, "state": r.state}
        row.update({n: _cell(r.params.get(n)) for n in names})
        row.update({f"val {result.metric}": r.value, "epochs run": r.epochs,
                    "seconds": None if r.seconds is None else f"{r.seconds:.1f}"})
        if r.note:
            row["note"] = r.note
        rows.append(row)
    columns = ["trial", "state", *names, f"val {result.metric}", "epochs run", "seconds"]
    if any("note" in r for r in rows):
        columns.append("note")
    counts = {}
    for r in result.rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    title = (f"study {result.config.study}: {result.config.train.model} on "
             f"{result.config.train.dataset}, "
             + ", ".join(f"{n} {s}" for s, n in counts.items()) + f", {result.seconds:.0f} s")
    print_table(table(rows, columns, title=title), console)
    if result.best is None:
        return
    best = result.best
    console.print(f"best trial: {best.number} "
                  + " ".join(f"{k}={_cell(v)}" for k, v in best.params.items()))
    compare = []
    metrics = list(result.best_test or {})
    for label, val, test, epochs in (
            (f"best (trial {best.number})", best.value, result.best_test, best.epochs),
            ("default", (result.default_val or {}).get(result.metric), result.default_test,
             result.default_epochs)):
        row = {"run": label, f"val {result.metric}": val, "epochs run": epochs}
        row.update({f"test {m}": (test or {}).get(m) for m in metrics})
        compare.append(row)
    print_table(table(compare, ["run", f"val {result.metric}", *[f"test {m}" for m in metrics],
                                "epochs run"],
                      title="best trial and default run, scored once on the test set"), console)
    console.print(f"study directory: {result.study_dir}")
    for name, path in result.files.items():
        console.print(f"  {name}: {Path(path).name}")
    console.print(f"train it again: kerascli train {result.config.train.model} --config "
                  f"{result.files.get('best')}")


def _cell(value):
    """A searched value as the table shows it: sizes joined, floats to 4 significant digits."""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return f"{value:.4g}" if isinstance(value, float) else value


@click.group(cls=options.ModelGroup, make_command=make_command, invoke_without_command=True)
@click.option("--resume", type=options.OUT_DIR, metavar="STUDY_DIR",
              help="Continue a study (after Ctrl-C or a kill) with its own settings: finished "
                   "trials are kept, a trial killed mid-way is marked failed.")
@click.option("--trials", type=click.IntRange(min=1),
              help="With --resume: the trials the study should have in all.")
@click.option("--timeout", type=Duration(), help="With --resume: start no new trial after this.")
@click.option("--plot/--no-plot", default=False, help="With --resume: save the plots.")
@click.option("--json", "as_json", is_flag=True, help="With --resume: results as JSON.")
@click.pass_context
def command(ctx, resume, trials, timeout, plot, as_json):
    """Search a model's settings with Optuna, trial by trial, pruning the unpromising.

    \b
    Examples:
      kerascli tune mlp --dataset digits --trials 20
      kerascli tune cnn --dataset fashion-mnist --timeout 20m --plot
      kerascli tune mlp --dataset houses.csv --label price --param dropout=0:0.5
      kerascli tune mlp --param learning_rate=1e-4:1e-2:log --param batch_size=32,64
      kerascli tune --resume runs/mlp-digits-20250101-120000
      kerascli tune mlp --study s1 --storage postgresql://me@db/optuna   # on each machine

    Each model's searched settings: kerascli tune MODEL --help.
    """
    if ctx.invoked_subcommand is not None:
        if resume is not None:
            raise click.UsageError("--resume STUDY_DIR takes no model: kerascli tune --resume "
                                   "STUDY_DIR.")
        return
    if resume is None:
        click.echo(ctx.get_help())
        ctx.exit(0)
    _resume(resume, trials, timeout, plot, as_json)


def _resume(study_dir, trials, timeout, plot, as_json):
    import dataclasses
    import json
    from kerascli import tuning
    from kerascli.errors import UserError

    tune_file = Path(study_dir) / tuning.TUNE_FILE
    try:
        tcfg = tuning.TuneConfig.from_dict(json.loads(tune_file.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise UserError(f"--resume {study_dir}: no {tuning.TUNE_FILE} there; give the "
                        "directory a kerascli tune study wrote.") from None
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"--resume {study_dir}: {tuning.TUNE_FILE} is unreadable ({exc}).") \
            from None
    if trials is not None:
        tcfg = dataclasses.replace(tcfg, trials=trials)
    execute(tcfg, Path(study_dir), timeout=timeout, plot=plot, as_json=as_json, resumed=True)
