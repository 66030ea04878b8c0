"""``kerascli runs``: every run directory listed (``runs [DIR ...]``), compared
(``runs compare RUN RUN``) and reported as one HTML page (``runs report RUN``).

Listing reads only the files of each run (never TensorFlow): a thousand runs in well under
a second.
"""
import csv
import sys
from pathlib import Path

import click

from kerascli.commands import options
from kerascli.commands.output import log

STATUS_CHOICES = ("complete", "incomplete", "running", "interrupted", "diverged", "failed",
                  "unreadable")


class DefaultList(click.Group):
    """``kerascli runs [DIR ...]`` is ``kerascli runs list [DIR ...]``."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultList)
def command():
    """List, compare and report the run directories of train, compare, forecast and tune.

    \b
    Examples:
      kerascli runs                              # every run under ./runs (or --out)
      kerascli runs --model mlp --sort accuracy  # best first
      kerascli runs --status incomplete --json
      kerascli runs compare runs/mlp-iris-A runs/mlp-iris-B --plot-file curves.png
      kerascli runs report runs/mlp-iris-20260101-120000
    """


@command.command("list")
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path), metavar="[DIR ...]")
@options.use(options.out_option("The folder of run directories, when no DIR is given."))
@click.option("--model", help="Only runs of this model.")
@click.option("-d", "--dataset", help="Only runs on this dataset (name, or a CSV's file name).")
@click.option("--status", type=click.Choice(STATUS_CHOICES),
              help="Only runs with this status (incomplete: all but complete and unreadable).")
@click.option("--sort", metavar="METRIC",
              help="Best first by this test metric (accuracy descending, rmse ascending; "
                   "-METRIC reverses), or started, duration.")
@options.use(options.json_option())
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV on stdout.")
def list_command(folders, out, model, dataset, status, sort, as_json, as_csv):
    """One row per run directory: id, command and model, dataset, status, start, duration,
    the options that differ among the runs listed, and the test metrics.

    A damaged or foreign folder is a row marked unreadable with the reason; nothing is
    changed or deleted.
    """
    from kerascli.runs import listing

    runs, option_names, metric_names = listing.list_runs(
        folders or [out], model=model, dataset=dataset, status=status, sort=sort)
    if as_json:
        from kerascli.commands.output import emit_json
        emit_json({"runs": [r.to_dict() for r in runs], "differing_options": option_names,
                   "metrics": metric_names})
        return
    rows = listing.rows(runs, option_names, metric_names)
    columns = [*listing.FIXED_COLUMNS, *option_names, *metric_names, "note"]
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        return
    if not runs:
        log(f"no run directories in {', '.join(map(str, folders or [out]))}")
        return
    for row in rows:
        row["started"] = (row["started"] or "")[:16].replace("T", " ") or None
        row["duration_s"] = _duration(row["duration_s"])
        if row["command"] and row["model"]:
            row["command"] = f"{row['command']} {row.pop('model')}"
    shown = ["id", "command", "dataset", "status", "started", "duration_s", *option_names,
             *metric_names, "note"]
    click.echo(f"{len(runs)} run{'s' if len(runs) != 1 else ''}")
    click.echo(plain_table(rows, shown, {"duration_s": "duration"}))


def plain_table(rows, columns, headers=None):
    """Columns aligned with spaces (numbers to the right), one line per row. Not a rich
    Table: rich measures and wraps every cell, 6 s of CPU for a thousand runs where this
    takes 0.05 s (benchmarks/runs_list.py); a listing must stay quick however many runs."""
    from kerascli.commands.output import format_value

    headers = headers or {}
    cells = [[format_value(row.get(c)) for c in columns] for row in rows]
    heads = [headers.get(c, c) for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    right = [any(isinstance(row.get(c), (int, float)) and not isinstance(row.get(c), bool)
                 for row in rows) for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if r else v.ljust(w)
                         for v, w, r in zip(values, widths, right)).rstrip()
    return "\n".join([line(heads), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _duration(seconds):
    if seconds is None:
        return None
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@command.command("compare")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="RUN RUN [RUN ...]")
@click.option("--all", "show_all", is_flag=True,
              help="Show every configuration value, not only those that differ.")
@click.option("--plot-file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.png",
              help="Overlay the runs' learning curves in one PNG written to this file.")
@options.use(options.json_option())
def compare_command(run_dirs, show_all, plot_file, as_json):
    """Two or more runs side by side: configuration (differences only unless --all),
    test metrics, learning curves (--plot-file) and, for two classifiers scored on the same test
    rows, McNemar's exact test on the rows exactly one of them gets right."""
    from kerascli.errors import UserError
    from kerascli.runs import compare as runs_compare

    if len(run_dirs) < 2:
        raise UserError("kerascli runs compare: give at least two run directories.")
    if plot_file is not None and plot_file.suffix.lower() != ".png":
        raise UserError(f"--plot-file {plot_file}: the file name must end in .png.")
    result = runs_compare.compare(run_dirs, show_all=show_all)
    if plot_file is not None:
        result["plot"] = str(runs_compare.plot_curves(result["runs_read"], plot_file))
    runs = result.pop("runs_read")
    if as_json:
        from kerascli.commands.output import emit_json
        emit_json(result)
        return
    from kerascli.commands.output import print_table, stdout_console, table
    ids = [r.id for r in runs]
    console = stdout_console()
    config_rows = [{"option": k, **dict(zip(ids, v))} for k, v in result["config"].items()]
    title = "configuration" + ("" if show_all else " (differences)")
    if config_rows:
        print_table(table(config_rows, ["option", *ids], title=title), console)
    else:
        console.print("configuration: the same in every run")
    metric_rows = [{"metric": k, **dict(zip(ids, v))} for k, v in result["metrics"].items()]
    if metric_rows:
        print_table(table(metric_rows, ["metric", *ids], title="test metrics"), console)
    test = result.get("test")
    if test:
        console.print(test["line"])
    if result.get("plot"):
        log(f"learning curves: {result['plot']}")


@command.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path), metavar="RUN")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page [default: RUN/report.html].")
def report_command(run_dir, output):
    """Write one self-contained HTML page about a run (no network needed to open it):
    command, configuration, data and fingerprint, metrics, learning curves, confusion matrix
    and per-class scores (or the forecast and its per-horizon table), model summary, skipped
    files, versions."""
    from kerascli.runs import record, report

    run = record.read(run_dir) if run_dir.is_dir() else None
    root = click.get_current_context().find_root().command  # kerascli's own group
    command_line = remake(run, root) if run is not None and run.status != "unreadable" else None
    path = report.write(run_dir, output, command=command_line)
    click.echo(str(path))


# the run's options that say where files went or how it was shown, not how it was made
NOT_REMADE = frozenset({"out", "plot", "plot_file", "as_json", "mlflow", "resume", "config",
                        "param_texts", "tensorboard", "data_dir", "cache_dir"})


def remake(run, cli):
    """The kerascli command line that makes ``run`` again: its recorded configuration spelled
    with the options of the command that made it (read from ``cli``, kerascli's root group,
    so every word is one it takes), leaving out the values that are the option's default."""
    import shlex

    ctx = click.Context(cli)
    top = cli.get_command(ctx, run.command) if run.command else None
    if top is None:
        return None
    words = ["kerascli", run.command]
    cmd = top
    if isinstance(top, click.Group):
        cmd = top.get_command(ctx, run.model) if run.model else None
        if cmd is None:
            return None
        words.append(run.model)
    train = getattr(run.config, "train", run.config)
    values = {**run.options, "dataset": train.dataset, "file": train.dataset}
    for param in cmd.params:
        value = values.get(param.name)
        if param.name in NOT_REMADE or value is None:
            continue
        if isinstance(param, click.Argument):
            words.append(str(value))
        elif _same(value, param.default):
            continue
        elif getattr(param, "is_flag", False):
            if value is True:
                words.append(param.opts[-1])
            elif value is False and param.secondary_opts:
                words.append(param.secondary_opts[-1])
        elif param.multiple and isinstance(value, (list, tuple)):
            for item in value:
                words += [param.opts[-1], str(item)]
        elif isinstance(value, (list, tuple)):
            words += [param.opts[-1], ",".join(map(str, value))]
        else:
            words += [param.opts[-1], str(value)]
    return " ".join(shlex.quote(w) for w in words)


def _same(value, default):
    if isinstance(value, (list, tuple)) or isinstance(default, (list, tuple)):
        return isinstance(default, (list, tuple)) and list(value) == list(default)
    return value == default
