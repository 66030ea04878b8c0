"""``kerascli train MODEL``: one subcommand per model, generated from the model registry.

Listing models and building each subcommand's options reads only the models' ``INFO``
(no Keras import), so ``kerascli train --help`` and ``kerascli train mlp --help`` are instant.
"""
from pathlib import Path

import click

from kerascli import models
from kerascli.commands._common import data_options, json_option, log

from kerascli.distribute import STRATEGIES  # both modules import nothing heavy at load time
from kerascli.training import OPTIMIZERS


class IntList(click.ParamType):
    """Comma-separated positive integers: ``256,128``."""

    name = "INTS"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            numbers = tuple(int(v) for v in str(value).split(",") if v.strip())
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of integers (e.g. 256,128).",
                      param, ctx)
        if not numbers or min(numbers) < 1:
            self.fail(f"{value!r}: give positive integers (e.g. 256,128).", param, ctx)
        return numbers


class ImageSize(click.ParamType):
    """``28`` or ``28x28`` (height x width)."""

    name = "HxW"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().replace(",", "x").split("x")
        try:
            size = tuple(int(p) for p in parts)
        except ValueError:
            size = ()
        if len(size) == 1:
            size = size * 2
        if len(size) != 2 or min(size) < 1:
            self.fail(f"{value!r}: give a size such as 28 or 32x32.", param, ctx)
        return size


def _defaults_text(info, name):
    """'12 (iris: 100)': the model default and its per-dataset overrides, for --help."""
    default = getattr(info, name, None)
    if default is None:
        default = next((p.default for p in info.params if p.name == name), None)
    text = _show(default)
    overrides = [f"{ds}: {_show(o[name])}" for ds, o in info.per_dataset.items() if name in o]
    return f"{text}; {', '.join(overrides)}" if overrides else text


def _show(value):
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _param_option(info, param):
    types = {"int": int, "float": float, "str": str, "ints": IntList(),
             "choice": click.Choice(param.choices or ())}
    return click.Option([f"--{param.name.replace('_', '-')}", param.name], type=types[param.type],
                        default=None,
                        help=f"{param.help} [default: {_defaults_text(info, param.name)}]")


def make_command(info):
    """The ``train <model>`` command for one model's :class:`ModelInfo`."""
    per = lambda name: f"[default: {_defaults_text(info, name)}]"  # noqa: E731
    opts = [
        click.Option(["--dataset", "-d"], default=info.default_dataset, show_default=True,
                     help="A dataset name (kerascli datasets), a CSV file or a folder of images "
                          "(one subfolder per class)."),
        click.Option(["--epochs", "-e"], type=click.IntRange(min=1), help=f"Training epochs. {per('epochs')}"),
        click.Option(["--batch-size", "-b"], type=click.IntRange(min=1),
                     help=f"Examples per gradient step. {per('batch_size')}"),
        click.Option(["--learning-rate", "--lr", "learning_rate"],
                     type=click.FloatRange(min=0, min_open=True),
                     help=f"Initial learning rate. {per('learning_rate')}"),
        click.Option(["--optimizer"], type=click.Choice(OPTIMIZERS),
                     help=f"Optimizer. [default: {_defaults_text(info, 'optimizer')}]"),
        click.Option(["--validation-split"], type=click.FloatRange(0, 1, max_open=True), default=0.1,
                     show_default=True,
                     help="Fraction of the training part held out to watch overfitting (0: none)."),
        click.Option(["--seed"], type=int, default=42, show_default=True,
                     help="Random seed (weights, shuffling, dropout, validation split)."),
        click.Option(["--out", "-o"], type=click.Path(file_okay=False, path_type=Path),
                     default=Path("runs"), show_default=True, envvar="KERASCLI_OUT",
                     help="Where the run directory is created."),
        click.Option(["--tensorboard"], type=click.Path(file_okay=False, path_type=Path),
                     help="Also write TensorBoard logs to this directory."),
        click.Option(["--plot"], is_flag=True,
                     help="Save learning curves (and a confusion matrix) as PNG in the run directory."),
        click.Option(["--label"], help="CSV/Iris: the target column."),
        click.Option(["--features"], help="CSV/Iris: feature columns, comma-separated (default: all but the label)."),
        click.Option(["--image-size"], type=ImageSize(),
                     help="Image folders: resize images to this size, e.g. 64 or 64x48."),
        click.Option(["--strategy"], type=click.Choice(STRATEGIES), default="auto", show_default=True,
                     help="tf.distribute strategy: auto (all local GPUs if several, else one "
                          "device), default (one device), mirrored (all local GPUs), multiworker "
                          "(several machines, configured by TF_CONFIG; run the same command on each)."),
        click.Option(["--precision"], type=click.Choice(("float32", "mixed")), default="float32",
                     show_default=True,
                     help="mixed: bfloat16 (compute capability >= 8) or float16 (7.x) compute "
                          "with float32 weights; GPU only."),
        click.Option(["--resume"], type=click.Path(file_okay=False, path_type=Path),
                     metavar="RUN_DIR",
                     help="Continue a run that was interrupted or killed, from its last "
                          "completed epoch, with the options in its config.json."),
        click.Option(["--jit/--no-jit"], default=None,
                     help="XLA-compile the training step. [default: Keras' choice per device: "
                          "off on CPU, where it measured slower]"),
    ]
    opts += [_param_option(info, p) for p in info.params]

    def callback(**kwargs):
        _run(info, kwargs)

    command = click.Command(
        info.name, callback=callback, params=opts, short_help=info.summary,
        help=f"Train {info.name}: {info.summary}.\n\nAccepts: {', '.join(info.datasets)}"
             f"{', CSV tables' if 'tabular' in info.accepts else ''}"
             f"{', image folders' if 'image' in info.accepts else ''}. "
             "Prints the model summary and progress on stderr, the test metrics and the run "
             "directory on stdout; writes model.h5, config.json, metrics.json and history.csv.")
    # the shared option decorators append to a Command's params: --json, --data-dir, --cache-dir
    return data_options(json_option(command))


def _given_options(kwargs):
    """The options the user typed (not defaults, not environment variables), by name."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    given = {}
    for name, value in kwargs.items():
        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            if name == "features" and value:
                value = tuple(f.strip() for f in value.split(",") if f.strip())
            given[name] = value
    return given


def _run(info, kwargs):
    from kerascli import artifacts, distribute, interrupt, resume, training

    as_json = kwargs.pop("as_json")
    resume_dir = kwargs.pop("resume")
    if resume_dir is not None:
        cfg = resume.load_config(resume_dir, info.name)
        resume.check_no_conflict(cfg, _given_options(kwargs), resume_dir)
    else:
        params = {p.name: kwargs.pop(p.name) for p in info.params}
        features = kwargs.pop("features")
        cfg = training.make_config(
            info.name, kwargs.pop("dataset"), epochs=kwargs.pop("epochs"),
            batch_size=kwargs.pop("batch_size"), learning_rate=kwargs.pop("learning_rate"),
            optimizer=kwargs.pop("optimizer"),
            params={k: v for k, v in params.items() if v is not None},
            features=tuple(f.strip() for f in features.split(",") if f.strip()) if features else None,
            **kwargs)
    with interrupt.guard(f"train {info.name}") as watch:
        training.check_compatible(cfg)  # before any data loads
        training.check_runtime(cfg)  # --precision mixed needs a GPU
        # fail fast, before the data and the training
        artifacts.check_writable_dir(resume_dir if resume_dir is not None else cfg.out)
        log(f"loading dataset {cfg.dataset} ...")
        watch.stage = "loading data"
        dataset = training.load_data(cfg)
        if cfg.strategy == "multiworker" and not distribute.is_chief():
            run_dir = distribute.scratch_dir()  # workers other than the chief write no run
        elif resume_dir is not None:
            run_dir = resume_dir
            artifacts.mark_incomplete(run_dir, "running")
            watch.run_dir = run_dir
            log(f"resuming {run_dir} after epoch {resume.completed_epochs(run_dir)}/{cfg.epochs}")
        else:
            run_dir = artifacts.new_run_dir(cfg.out, f"{info.name}-{dataset.name}")
            watch.run_dir = run_dir
        if watch.run_dir is not None:
            watch.resume = f"kerascli train {info.name} --resume {run_dir}"
        log(f"training {info.name} on {dataset.name}: {len(dataset.x_train):,} training examples, "
            f"{cfg.epochs} epochs, batch {cfg.batch_size}, {cfg.optimizer} lr "
            f"{cfg.learning_rate:g}, seed {cfg.seed}")
        result = training.train(cfg, dataset, run_dir=run_dir,
                                callbacks=[watch.callback(cfg.epochs)])
    show_result(result, as_json)


def show_result(result, as_json):
    from kerascli import report
    from kerascli.commands._common import emit_json, stdout_console

    if as_json:
        emit_json({"model": result.config.model, "dataset": result.dataset.get("name"),
                   "task": result.dataset.get("task"), "metrics": result.metrics,
                   "epochs_run": result.epochs_run, "n_params": result.n_params,
                   "train_seconds": round(result.train_seconds, 3),
                   "predict_seconds": round(result.predict_seconds, 3),
                   "run_dir": str(result.run_dir), "artifacts": result.artifacts,
                   "config": result.config.to_dict()})
        return
    console = stdout_console()
    title = (f"{result.config.model} on {result.dataset.get('name')}: test set "
             f"({result.dataset.get('n_test'):,} examples, {result.epochs_run} epochs, "
             f"{result.train_seconds:.1f} s)")
    report.print_table(report.metrics_table(result.metrics, title=title), console)
    console.print(f"run directory: {result.run_dir}")
    for name, path in result.artifacts.items():
        console.print(f"  {name}: {Path(path).name}")


class ModelGroup(click.Group):
    """``train``'s subcommands: one per registered model, built on demand."""

    def list_commands(self, ctx):
        return models.names()

    def get_command(self, ctx, name):
        if name not in models.names():
            return None
        return make_command(models.get(name).INFO)


@click.group(cls=ModelGroup, invoke_without_command=False)
def command():
    """Train a textbook model on a dataset, evaluate it on the test set, save it as .h5.

    \b
    Examples:
      kerascli train logreg                      # Iris species (embedded)
      kerascli train cnn --dataset mnist         # LeNet-style CNN, ~99.2%
      kerascli train mlp --hidden 256,128 --dropout 0.2
      kerascli train linreg --dataset houses.csv --label price
      kerascli train cnn --dataset digits --epochs 3 --json

    Each model has its own options and defaults: kerascli train MODEL --help.
    """
