"""The ``kerascli`` command line: a root group whose subcommands load lazily.

Nothing here imports TensorFlow, Keras or NumPy, so ``kerascli --help`` and
``kerascli COMMAND --help`` answer at once; each command imports what it needs when it runs.
"""
import importlib
import sys

import click

from kerascli import __version__
from kerascli.errors import UserError

# command name -> module under kerascli.commands (one module per command)
COMMANDS = {
    "train": "train",
    "evaluate": "evaluate",
    "predict": "predict",
    "compare": "compare",
    "forecast": "forecast",
    "datasets": "datasets",
    "serve": "serve",
    "export": "export",
    "tune": "tune",
    "runs": "runs",
}


class UsageFailure(click.ClickException):
    """A :class:`UserError` shown as one line, exit code 2 (the code Click uses for bad usage)."""

    exit_code = 2


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx):
        return sorted(n for n in COMMANDS if importlib.util.find_spec(f"kerascli.commands.{COMMANDS[n]}"))

    def get_command(self, ctx, name):
        module_name = COMMANDS.get(name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(f"kerascli.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kerascli.commands.{module_name}":
                return None
            raise
        return module.command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise UsageFailure(str(exc)) from None
        except click.UsageError as exc:
            # a bad option value: one line naming the option (Click would add two usage lines)
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: show its help
                raise
            where = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            raise UsageFailure(exc.format_message() + where) from None
        except KeyboardInterrupt:
            # Ctrl-C before a command's own guard is up (importing it, reading options): one
            # line and the shell's code for Ctrl-C, not Click's "Aborted!" and exit 1
            click.echo("kerascli interrupted before it started; nothing was written.",
                       err=True)
            raise SystemExit(130) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kerascli")
@click.option("-v", "--verbose", is_flag=True, envvar="KERASCLI_VERBOSE",
              help="Show TensorFlow's own log lines and debug messages on stderr.")
@click.pass_context
def cli(ctx, verbose):
    """The classic deep-learning experiments, one command each.

    Train textbook Keras models on real datasets, evaluate them, save them as .h5 and set
    them beside scikit-learn baselines. Results go to stdout, progress and logs to stderr.

    \b
    Examples:
      kerascli train cnn --dataset mnist
      kerascli compare logreg
      kerascli forecast sp500.csv
      kerascli datasets
    """
    ctx.obj = {"verbose": verbose}
    if verbose:
        import os
        os.environ["KERASCLI_VERBOSE"] = "1"


def main():
    """Console-script entry point."""
    from kerascli import stages
    stages.begin()  # the clock of --verbose's and KERASCLI_STAGE_TIMES' stage times
    try:
        cli(prog_name="kerascli")  # Click's standalone mode always ends in SystemExit
    except SystemExit as exc:
        from kerascli import runtime
        runtime.end_process(exc.code)  # ends here after TensorFlow: its teardown is 1-2.5 s
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
