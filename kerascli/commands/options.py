"""Every option of every command, declared once.

A command lists the groups it takes (:func:`training_options`, :func:`data_options`, ...);
the same concept therefore has the same name, short form, type, environment variable and
meaning on ``train``, ``compare`` and ``forecast`` (tests/commands/test_option_vocabulary.py
walks every command and fails when two spell one concept differently). A model's own options
(``--hidden``, ``--dropout`` ...) are generated from its file's ``INFO.params``. Old spellings
users may have in scripts stay as hidden aliases (``--column``, ``--param``).

Nothing here imports TensorFlow, Keras or NumPy: ``--help`` stays instant.
"""
from pathlib import Path

import click

from kerascli import models
from kerascli.core import config


class CommaList(click.ParamType):
    """Comma-separated values: ``256,128`` (positive integers) or ``a,b`` (column names)."""

    def __init__(self, cast=str):
        self.cast, self.name = cast, "INTS" if cast is int else "A,B,..."

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            items = tuple(self.cast(v.strip()) for v in str(value).split(",") if v.strip())
        except ValueError:
            items = ()
        if not items or (self.cast is int and min(items) < 1):
            self.fail(f"{value!r}: give {'positive integers' if self.cast is int else 'names'} "
                      "separated by commas, e.g. 256,128.", param, ctx)
        return items


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


OUT_DIR = click.Path(file_okay=False, path_type=Path)


def _defaults_text(info, name):
    """'12; iris: 100': the model default and its per-dataset overrides, for --help."""
    default = getattr(info, name, None)
    if default is None:
        default = next((p.default for p in info.params if p.name == name), None)
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


def training_options(info=None):
    """-e, -b, --lr, --optimizer (defaults: the model's, per dataset), --seed, --validation-split."""
    return [
        click.Option(["-e", "--epochs"], type=click.IntRange(min=1),
                     help="Training epochs." + _default(info, "epochs")),
        click.Option(["-b", "--batch-size"], type=click.IntRange(min=1),
                     help="Examples per gradient step." + _default(info, "batch_size")),
        click.Option(["--lr", "--learning-rate", "learning_rate"],
                     type=click.FloatRange(min=0, min_open=True),
                     help="Initial learning rate." + _default(info, "learning_rate")),
        click.Option(["--optimizer"], type=click.Choice(models.OPTIMIZERS),
                     help="Optimizer." + _default(info, "optimizer")),
        click.Option(["--seed"], type=int, default=42, show_default=True, envvar="KERASCLI_SEED",
                     show_envvar=True,
                     help="Random seed (weights, shuffling, dropout, validation split)."),
        click.Option(["--validation-split"], type=click.FloatRange(0, 1, max_open=True),
                     default=0.1, show_default=True,
                     help="Fraction of the training part held out to watch overfitting (0: "
                          "none; series: the latest windows)."),
    ]


def model_options(info):
    """The model's own options, from its file's ``INFO.params``."""
    opts = []
    for param in info.params:
        types = {"int": click.IntRange(min=getattr(param, "minimum", 1)), "float": float, "str": str, "ints": CommaList(int),
                 "choice": click.Choice(param.choices or ())}
        opts.append(click.Option([f"--{param.name.replace('_', '-')}", param.name],
                                 type=types[param.type], default=None,
                                 help=f"{param.help}{_default(info, param.name)}"))
    # the old spelling of compare (--param hidden=64,32), kept for scripts
    opts.append(click.Option(["--param", "legacy_params"], multiple=True, hidden=True,
                             metavar="NAME=VALUE"))
    return opts


def output_options(plots="learning curves (and a confusion matrix)"):
    return [
        click.Option(["-o", "--out"], type=OUT_DIR, default=Path("runs"), show_default=True,
                     envvar="KERASCLI_OUT", show_envvar=True,
                     help="Where the run directory is created."),
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
    """--label, --features, --image-size, --test-size: how a table, folder or series is read."""
    return [
        click.Option(["--label"], help="The target column of a CSV table (or Iris); for a "
                                       "series, the column to forecast (default: Close, Adj "
                                       "Close or the only numeric column)."),
        click.Option(["--column", "label_alias"], hidden=True),  # forecast's old spelling
        click.Option(["--task"], type=click.Choice(config.TASKS),
                     help="CSV tables: what the label is, overriding the guess (a numeric label "
                          "with few distinct values reads as classes; a regression-only model "
                          "such as linreg always reads a numeric label as values)."),
        click.Option(["--features"], type=CommaList(),
                     help="Feature columns of a CSV table, comma-separated (default: all but "
                          "the label)."),
        click.Option(["--image-size"], type=ImageSize(),
                     help="Image folders: resize images to this size, e.g. 64 or 64x48."),
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
        click.Option(["--max-upload-mb"], type=click.FloatRange(min=0, min_open=True),
                     default=5, show_default=True,
                     help="Largest request body accepted; bigger ones get a 413 JSON error."),
    ]


def network_options(info):
    """Everything that says how a network trains, for train/compare/forecast alike (a model
    that reads only series has no image, feature or download options)."""
    series_only = info is not None and set(info.accepts) == {"series"}
    table = table_options()
    if series_only:
        table = [o for o in table if o.name not in ("features", "image_size", "strict", "task")]
    opts = training_options(info) + output_options() + ([] if series_only else data_options())
    opts += table + (series_options() if info is None or "series" in info.accepts else [])
    opts += runtime_options()
    return opts + (model_options(info) if info is not None else [])


def use(*groups):
    """A decorator adding option groups to a ``@click.command`` function, in order."""
    def decorate(f):
        params = [opt for group in groups for opt in group]
        f.__click_params__ = getattr(f, "__click_params__", []) + params[::-1]
        return f
    return decorate


# ---------------------------------------------------------------- options -> TrainConfig

TRAIN_FIELDS = ("validation_split", "seed", "out", "tensorboard", "plot", "label", "task",
                "features",
                "image_size", "strict", "data_dir", "cache_dir", "test_size", "lags", "horizon",
                "target", "fill", "date_column", "season", "covariates", "strategy", "precision",
                "jit")


def model_params(info, kwargs):
    """The model's own options from the command line (``--param`` pairs merged in)."""
    from kerascli.errors import UserError

    declared = {p.name: p for p in info.params}
    params = {name: kwargs.pop(name) for name in declared}
    for pair in kwargs.pop("legacy_params", ()) or ():
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in declared:
            raise UserError(f"--param {pair}: give NAME=VALUE with NAME one of: "
                            f"{', '.join(declared) or 'none'}.")
        kind = declared[name].type
        try:
            params[name] = (CommaList(int).convert(text, None, None) if kind == "ints" else
                            int(text) if kind == "int" else float(text) if kind == "float"
                            else text)
        except (ValueError, click.BadParameter):
            raise UserError(f"--param {pair}: {name} takes "
                            f"{'comma-separated integers' if kind == 'ints' else kind}.") from None
    return {k: v for k, v in params.items() if v is not None}


def train_config(info, kwargs, **overrides):
    """The :class:`~kerascli.core.config.TrainConfig` the options in ``kwargs`` describe (the
    options used are popped; the rest stay for the command)."""
    if kwargs.get("label_alias") and not kwargs.get("label"):
        kwargs["label"] = kwargs["label_alias"]
    kwargs.pop("label_alias", None)
    params = model_params(info, kwargs)
    fields = {k: kwargs.pop(k) for k in TRAIN_FIELDS if k in kwargs}
    fields.update(overrides)
    dataset = fields.pop("dataset", None) or kwargs.pop("dataset", None)
    return config.make_config(
        info.name, dataset, epochs=kwargs.pop("epochs"),
        batch_size=kwargs.pop("batch_size"), learning_rate=kwargs.pop("learning_rate"),
        optimizer=kwargs.pop("optimizer"), params=params, **fields)


def given_options(kwargs):
    """The options the user typed (not defaults, not environment variables), by name."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {name: value for name, value in kwargs.items()
            if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}


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
        return self.make_command(models.get(name).INFO)
