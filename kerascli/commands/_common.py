"""Options and output helpers shared by every command (one decorator per shared option).

Conventions: results on stdout (only JSON under ``--json``); progress, logs and warnings on
stderr through :func:`log`; bad input raises :class:`kerascli.errors.UserError` (exit 2).
"""
import json
import sys
from pathlib import Path

import click


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the results as JSON on stdout (and nothing else).")(f)


def data_options(f):
    """--data-dir and --cache-dir, with environment-variable fallbacks."""
    f = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                     envvar="KERASCLI_CACHE_DIR", show_envvar=True,
                     help="Where downloads are cached (default: the user cache directory).")(f)
    f = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                     envvar="KERASCLI_DATA_DIR", show_envvar=True,
                     help="A folder laid out as mnist/, fashion-mnist/, cifar10/ ... read first.")(f)
    return f


def stderr_console():
    from rich.console import Console
    return Console(stderr=True, highlight=False)


def stdout_console():
    from rich.console import Console
    return Console(highlight=False, soft_wrap=True)


def log(message):
    """One line of progress or information on stderr."""
    click.echo(message, err=True)


def warn(message):
    click.echo(f"warning: {message}", err=True)


def emit_json(payload):
    from kerascli.artifacts import _json_default
    click.echo(json.dumps(payload, indent=2, default=_json_default))


def is_tty(stream=None):
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
