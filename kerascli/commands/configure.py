"""What the options a command received mean: the model's own options, the
:class:`~kerascli.core.config.TrainConfig` they describe, which ones the user typed, and what
``--mlflow`` does once the run is saved. The options themselves are declared in
:mod:`kerascli.commands.options`.

Nothing here imports TensorFlow, Keras or NumPy.
"""
import click

from kerascli.commands import options
from kerascli.core import config


def model_params(info, kwargs):
    """The model's own options from the command line (``--param`` pairs merged in)."""
    from kerascli.errors import UserError

    declared = {p.name: p for p in info.params}
    params = {name: kwargs.pop(name) for name in declared}
    for pair in kwargs.pop("param_texts", ()) or ():
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in declared:
            raise UserError(f"--param {pair}: give NAME=VALUE with NAME one of: "
                            f"{', '.join(declared) or 'none'}.")
        try:
            params[name] = declared[name].check(text, info.name)
        except UserError as exc:  # name the option the user typed: --param, not --hidden
            raise UserError(f"--param {pair}: {str(exc).split(': ', 1)[-1]}") from None
    return {k: v for k, v in params.items() if v is not None}


def train_config(info, kwargs, **overrides):
    """The :class:`~kerascli.core.config.TrainConfig` the options in ``kwargs`` describe (the
    options used are popped; the rest stay for the command)."""
    if kwargs.get("label_alias") and not kwargs.get("label"):
        kwargs["label"] = kwargs["label_alias"]
    kwargs.pop("label_alias", None)
    params = model_params(info, kwargs)
    # every option named as a TrainConfig field or a data option, by that name
    fields = {k: kwargs.pop(k) for k in list(kwargs) if k in config.OPTION_NAMES}
    ctx = click.get_current_context(silent=True)
    carried = ctx.meta.get(options.CONFIG_CARRIED, {}) if ctx is not None else {}
    fields = {**carried, **fields, **overrides}
    return config.make_config(info.name, fields.pop("dataset", None), params=params, **fields)


def given_options(kwargs):
    """The options the user typed (not defaults, not environment variables), by name."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {name: value for name, value in kwargs.items()
            if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}



def track(kwargs):
    """Pop --mlflow from ``kwargs``; returns ``log(run_dir)`` to call once the run is saved
    (a no-op without --mlflow): one mechanism for train, compare, forecast and tune."""
    uri = kwargs.pop("mlflow", None)
    if uri is None:
        return lambda run_dir: None

    failed = []

    def log(run_dir):
        from kerascli import tracking
        from kerascli.commands.output import log as say
        if failed:  # tune logs a run per trial: a missing MLflow or a down server is said once
            return
        run_id = tracking.log_run(run_dir, uri, say)
        if run_id:
            say(f"mlflow: logged as run {run_id} at {tracking.resolve_uri(uri)}")
        else:
            failed.append(run_dir)
    return log
