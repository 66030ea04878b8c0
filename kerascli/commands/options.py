"""Every option of every command, declared once.

A command lists the groups it takes (:func:`training_options`, :func:`data_options`, ...);
the same concept therefore has the same name, short form, type, environment variable and
meaning on ``train``, ``compare`` and ``forecast`` (tests/commands/test_option_vocabulary.py
walks every command and fails when two spell one concept differently). A model's own options
(``--hidden``, ``--dropout`` ...) are generated from its spec's ``params`` (models/spec.py),
each checked by that ``Param``'s own validator. Old spellings
users may have in scripts stay as hidden aliases (``--column``, ``--param``).

What the options a command received make (its TrainConfig) is
:mod:`kerascli.commands.configure`'s job.

Nothing here imports TensorFlow, Keras or NumPy: ``--help`` stays instant.
"""
from pathlib import Path

import click

from kerascli import datasets, models
from kerascli.core import config
from kerascli.commands.types import (CommaList, ImageShape, ImageSize,  # noqa: F401
                                     ParamValue, UploadLimit)


OUT_DIR = click.Path(file_okay=False, path_type=Path)


def _defaults_text(info, name):
    """'12; iris: 100': the model default and its per-dataset overrides, for --help."""
    default = info.default(name)
    show = lambda v: ",".join(str(x) for x in v) if isinstance(v, tuple) else str(v)  # noqa: E731
    overrides = [f"{ds}: {show(o[name])}" for ds, o in info.per_dataset.items() if name in o]
    return f"{show(default)}; {', '.join(overrides)}" if overrides else show(default)


def _default(info, name):
    return f" [default: {_defaults_text(info, name)}]" if info is not None else \
        " [default: the model's]"


# ---------------------------------------------------------------- groups of options

def dataset_option(info):
    default = info.default_dataset if info is not None else None
    return [click.Option(["-d", "--dataset"], default=default, show_default=default is not None,
                         help="A dataset name (kerascli datasets), a CSV file or a folder of "
                              "images (one subfolder per class).")]


def training_options(info=None, validation=True):
    """-e, -b, --lr, --optimizer (defaults: the model's, per dataset), --seed and, where the
    command holds a validation part out, --validation-split."""
    return [
        click.Option(["-e", "--epochs"], type=click.IntRange(min=1),
                     help="Training epochs." + _default(info, "epochs")),
        click.Option(["-b", "--batch-size"], type=click.IntRange(min=1),
                     help="Examples per gradient step." + _default(info, "batch_size")),
        click.Option(["--lr", "--learning-rate", "learning_rate"],
                     type=click.FloatRange(min=0, min_open=True),
                     help="Initial learning rate." + _default(info, "learning_rate")),
        click.Option(["--optimizer"], type=click.Choice(models.spec.OPTIMIZERS),
                     help="Optimizer." + _default(info, "optimizer")),
        click.Option(["--seed"], type=int, default=42, show_default=True, envvar="KERASCLI_SEED",
                     show_envvar=True,
                     help="Random seed (weights, shuffling, dropout, validation split)."),
    ] + ([click.Option(["--validation-split"], type=click.FloatRange(0, 1, max_open=True),
                       default=0.1, show_default=True,
                       help="Fraction of the training part held out to watch overfitting (0: "
                            "none; series: the latest windows).")] if validation else [])


def model_options(info):
    """The model's own options, from its spec's ``params``."""
    opts = []
    for param in info.params:
        opts.append(click.Option([param.option, param.name], type=ParamValue(param, info.name),
                                 default=None, help=f"{param.help}{_default(info, param.name)}"))
    # --param NAME=VALUE: a model option by name (compare's old spelling, kept for scripts);
    # tune's --param takes the same NAME with a range or choices
    opts.append(click.Option(["--param", "param_texts"], multiple=True, metavar="NAME=VALUE",
                             help="A model option by name, e.g. hidden=64,32 (the same as "
                                  "--hidden 64,32). Repeatable."))
    return opts


def out_option(help="Where the run directory is created."):
    """-o/--out: the folder of run directories (KERASCLI_OUT), written or (runs) read."""
    return [click.Option(["-o", "--out"], type=OUT_DIR, default=Path("runs"), show_default=True,
                         envvar="KERASCLI_OUT", show_envvar=True, help=help)]


def mlflow_option():
    """--mlflow [URI]: also log the finished run to MLflow (kerascli.tracking); a bare
    --mlflow means MLFLOW_TRACKING_URI, else MLflow's local default sqlite:///mlflow.db."""
    return [click.Option(["--mlflow"], is_flag=False, flag_value="", default=None,
                         metavar="[URI]",
                         help="Also log parameters, per-epoch and test metrics and the files to "
                              "MLflow: a tracking server (http://...) or a store URI; without "
                              "one, MLFLOW_TRACKING_URI or sqlite:///mlflow.db. Needs "
                              "pip install \"kerascli[mlflow]\".")]


def output_options(plots="learning curves (and a confusion matrix)"):
    return out_option() + [
        click.Option(["--plot/--no-plot"], default=False, show_default=True,
                     help=f"Save {plots} as PNG in the run directory."),
    ] + json_option()


def json_option():
    return [click.Option(["--json", "as_json"], is_flag=True,
                         help="Print the results as JSON on stdout (and nothing else).")]


def data_options():
    """--data-dir and --cache-dir, with environment-variable fallbacks."""
    return [
        click.Option(["--data-dir"], type=OUT_DIR, envvar="KERASCLI_DATA_DIR", show_envvar=True,
                     help="A folder laid out as mnist/, fashion-mnist/, cifar10/ ... read first."),
        click.Option(["--cache-dir"], type=OUT_DIR, envvar="KERASCLI_CACHE_DIR", show_envvar=True,
                     help="Where downloads are cached (default: the user cache directory)."),
    ]


def table_options():
    """--label, --features, --image-size, --image-shape, --test-size: how a table, folder or
    series is read."""
    return [
        click.Option(["--label"], help="The target column of a CSV table (or Iris); for a "
                                       "series, the column to forecast (default: Close, Adj "
                                       "Close or the only numeric column)."),
        click.Option(["--column", "label_alias"], hidden=True),  # forecast's old spelling
        click.Option(["--task"], type=click.Choice(datasets.TASKS),
                     help="CSV tables: what the label is, overriding the guess (a numeric label "
                          "with few distinct values reads as classes; a regression-only model "
                          "such as linreg always reads a numeric label as values)."),
        click.Option(["--features"], type=CommaList(),
                     help="Feature columns of a CSV table, comma-separated (default: all but "
                          "the label)."),
        click.Option(["--image-size"], type=ImageSize(),
                     help="Image folders: resize images to this size, e.g. 64 or 64x48."),
        click.Option(["--image-shape"], type=ImageShape(),
                     help="CSV tables of pixels: the image shape, e.g. 28,28 or 32,32,3 (the "
                          "columns in row-major order, channels last). [default: pixel0.. "
                          "columns of a square count, 784 -> 28,28]"),
        click.Option(["--strict"], is_flag=True, default=False,
                     help="Image folders: refuse a folder with files that cannot be decoded "
                          "(listing them all) instead of skipping them."),
        click.Option(["--test-size"], type=float, default=0.2, show_default=True,
                     help="Fraction held out as the test set where a dataset has none of its "
                          "own (CSV tables, image folders, series: the most recent rows)."),
    ]


def series_options():
    """How a CSV series is cut into windows (datasets/series.py)."""
    return [
        click.Option(["--lags"], type=int, default=20, show_default=True,
                     help="Series: past values in each input window."),
        click.Option(["--horizon"], type=int, default=1, show_default=True,
                     help="Series: steps ahead forecast from each window."),
        click.Option(["--target"], type=click.Choice(config.TARGETS), default="auto",
                     show_default=True,
                     help="Series: what the model learns: levels, simple returns, or first "
                          "(diff) / seasonal (sdiff) differences of the levels or their logs "
                          "(auto: returns for a positive series, else diff; forecast chooses "
                          "on validation). Scores are always on levels."),
        click.Option(["--fill"], type=click.Choice(config.FILLS), default="drop",
                     show_default=True,
                     help="Series: null or empty cells: drop the rows, carry the last value "
                          "forward, or interpolate."),
        click.Option(["--date-column"],
                     help="Series: the date column (default: one named Date/Time/..., else "
                          "the first column that parses as dates)."),
        click.Option(["--season"], type=click.IntRange(min=1),
                     help="Series: seasonal period (seasonal naive, MASE's scale). [default: "
                          "from the dates: hourly 24, daily 7, business-daily 5, weekly 52, "
                          "monthly 12, quarterly 4, else 1]"),
        click.Option(["--covariates"], type=CommaList(),
                     help="Series: other columns fed to the model as lagged inputs (never "
                          "same-time values), comma-separated."),
        click.Option(["--series-column"],
                     help="Series: a long-format table's column of series ids (symbol,date,"
                          "price); default: found when the dates repeat."),
        click.Option(["--series", "series_id"], metavar="ID",
                     help="Series: which series of a long-format table to read."),
    ]


def forecast_options():
    """How ``forecast`` evaluates: backtest origins, intervals, multi-step strategy, peers."""
    return [
        click.Option(["--backtest"], type=click.IntRange(min=1), default=5, show_default=True,
                     help="Rolling origins over the test period (expanding window); 1: one "
                          "split."),
        click.Option(["--refit/--no-refit"], default=False, show_default=True,
                     help="Fit every model again at each origin (else fit once, roll forward)."),
        click.Option(["--level", "levels"], type=click.FloatRange(0, 100, min_open=True,
                                                                  max_open=True),
                     multiple=True, default=(80, 95), show_default=True,
                     help="Prediction interval coverage in % (repeatable; conformal, per step)."),
        click.Option(["--strategy-h"], type=click.Choice(config.STRATEGIES_H), default="auto",
                     show_default=True,
                     help="How the LSTM forecasts --horizon steps: all at once (direct), one "
                          "step fed back (recursive), or auto: the better on validation."),
        click.Option(["--baseline", "baselines"], multiple=True, metavar="NAME",
                     help='A statistical peer to include (repeatable): auto-ets, auto-arima '
                          '(pip install "kerascli[forecast]").'),
        click.Option(["--ensemble"], type=click.IntRange(min=1), default=1, show_default=True,
                     help="LSTMs trained with consecutive seeds, their forecasts averaged."),
    ]


def runtime_options():
    """--strategy, --precision, --jit, --tensorboard: how the network trains."""
    return [
        click.Option(["--strategy"], type=click.Choice(config.STRATEGIES), default="auto",
                     show_default=True,
                     help="tf.distribute strategy: auto (all local GPUs if several, else one "
                          "device), default (one device), mirrored (all local GPUs), multiworker "
                          "(several machines, configured by TF_CONFIG; run the same command on "
                          "each)."),
        click.Option(["--precision"], type=click.Choice(config.PRECISIONS), default="float32",
                     show_default=True,
                     help="mixed: bfloat16 (compute capability >= 8) or float16 (7.x) compute "
                          "with float32 weights; GPU only."),
        click.Option(["--jit/--no-jit"], default=None,
                     help="XLA-compile the training step. [default: Keras' choice per device: "
                          "off on CPU, where it measured slower]"),
        click.Option(["--tensorboard"], type=OUT_DIR,
                     help="Also write TensorBoard logs to this directory."),
    ]


def resume_option(command):
    return [click.Option(["--resume"], type=OUT_DIR, metavar="RUN_DIR",
                         help=f"Continue a {command} run that was interrupted or killed, from "
                              "its last completed epoch, with the options in its config.json.")]


CONFIG_CARRIED = "kerascli.config_carried"  # ctx.meta key: --config's settings without an option


def config_option():
    """--config FILE: a train record (a run's config.json, tune's best.json) whose settings
    become this command's defaults; options typed on the command line still win."""
    def load(ctx, param, value):
        if value is None:
            return None
        import json
        from kerascli.errors import UserError
        try:
            cfg = config.from_dict(json.loads(Path(value).read_text(encoding="utf-8")), "train")
        except (OSError, ValueError) as exc:  # UserError is a ValueError
            message = str(exc) if isinstance(exc, UserError) else f"unreadable ({exc})"
            raise click.BadParameter(f"{value}: {message}", ctx, param) from None
        if cfg.model != ctx.command.name:
            raise click.BadParameter(f"{value} trains {cfg.model!r}; use kerascli train "
                                     f"{cfg.model} --config {value}.", ctx, param)
        names = {p.name for p in ctx.command.params}
        # settings still to choose from the data (tune.json's "auto": epochs by early
        # stopping) stay unset, so they are chosen again as that run chose them
        names -= set(cfg.auto)
        defaults = {k: v for k, v in cfg.options().items() if k in names and v is not None}
        ctx.default_map = {**(ctx.default_map or {}), **{
            k: tuple(v) if isinstance(v, list) else v for k, v in defaults.items()}}
        # chosen settings that no option carries: a run's early stopping (the patience it
        # derived with its epochs), which train_config applies unless typed over
        ctx.meta[CONFIG_CARRIED] = ({"patience": cfg.patience}
                                    if cfg.patience is not None and not cfg.auto else {})
        return value

    return [click.Option(["--config"], type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path),
                         is_eager=True, expose_value=False, callback=load, metavar="FILE.json",
                         help="Start from the settings in a config.json or tune's best.json "
                              "(options given here win).")]


def background_option():
    return [click.Option(["--background"], type=click.Choice(("dark", "light")),
                         help="Images: the training images' background (dark: light strokes on "
                              "black, as MNIST), when the model file does not say; drawings of "
                              "the other polarity are inverted to match.")]


def allow_changed_data_option():
    return [click.Option(["--allow-changed-data"], is_flag=True,
                         help="Score even when the run's data changed since training (its "
                              "fingerprint in config.json differs); the output says so.")]


def unsafe_option():
    return [click.Option(["--unsafe"], is_flag=True,
                         help="Allow a model whose loading runs Python code stored in the file "
                              "(Lambda layers). Only for files from a source you trust.")]


def allow_incomplete_option():
    return [click.Option(["--allow-incomplete"], is_flag=True,
                         help="Use the model.h5 of a run marked INCOMPLETE (interrupted, "
                              "diverged) anyway; without it such a run is refused.")]


def serve_options():
    """--host, --port, --json-only, --max-upload-mb: how `kerascli serve` listens."""
    return [
        click.Option(["--host"], default="127.0.0.1", show_default=True, envvar="KERASCLI_HOST",
                     show_envvar=True,
                     help="Address to listen on; 0.0.0.0 makes the model reachable from the "
                          "network."),
        click.Option(["--port"], type=click.IntRange(0, 65535), default=8000, show_default=True,
                     envvar="KERASCLI_PORT", show_envvar=True,
                     help="TCP port (0: any free port; the URL is printed)."),
        click.Option(["--json-only"], is_flag=True,
                     help="Serve only the JSON API (/predict, /model, /health), no web page."),
        click.Option(["--max-upload-mb"], type=UploadLimit(),
                     default=5, show_default=True,
                     help="Largest request body accepted; bigger ones get a 413 JSON error."),
    ]


def network_options(info, validation=True):
    """Everything that says how a network trains, for train/compare/forecast alike (a model
    that reads only series has no image, feature or download options; ``validation``: the
    command offers --validation-split)."""
    series_only = info is not None and set(info.accepts) == {"series"}
    table = table_options()
    if series_only:
        table = [o for o in table
                 if o.name not in ("features", "image_size", "image_shape", "strict", "task")]
    opts = training_options(info, validation) + output_options() + ([] if series_only else data_options())
    opts += table + (series_options() if info is None or "series" in info.accepts else [])
    opts += runtime_options() + mlflow_option()
    return opts + (model_options(info) if info is not None else [])


def use(*groups):
    """A decorator adding option groups to a ``@click.command`` function, in order."""
    def decorate(f):
        params = [opt for group in groups for opt in group]
        f.__click_params__ = getattr(f, "__click_params__", []) + params[::-1]
        return f
    return decorate


class ModelGroup(click.Group):
    """A group with one subcommand per registered model (``train``, ``compare``), each built
    on demand by ``make_command(info)`` from the model's file."""

    def __init__(self, *args, make_command=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.make_command = make_command

    def list_commands(self, ctx):
        return models.names()

    def get_command(self, ctx, name):
        if name not in models.names():
            return None
        return self.make_command(models.get(name))
