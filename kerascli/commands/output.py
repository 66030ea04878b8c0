"""How every command shows its results: tables and JSON on stdout, lines on stderr.

Conventions: results on stdout (only JSON under ``--json``); progress, logs and warnings on
stderr through :func:`log`; bad input raises :class:`kerascli.errors.UserError` (exit 2).
"""
import json
import math

import click


UNBOUNDED_WIDTH = 100_000  # a pipe or a file: no screen to fit, so no cell is folded or cut


def stdout_console():
    """The console results are printed on. On a terminal, tables fit its width (cells fold
    onto more lines); into a pipe or a file they keep their natural width, so nothing a
    script reads is ever cut (rich would otherwise assume 80 columns and cut to '14…')."""
    from rich.console import Console
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = UNBOUNDED_WIDTH
    return console


def log(message):
    """One line of progress or information on stderr."""
    click.echo(message, err=True)


def warn(message):
    click.echo(f"warning: {message}", err=True)


def emit_json(payload):
    from kerascli.artifacts import json_default
    click.echo(json.dumps(payload, indent=2, default=json_default))


def format_value(value, digits=4):
    """A number as a table shows it: 4 decimals, integers as they are, NaN as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}"
    return str(value)


def plural(n, word, words=None):
    """'1 epoch', '2 epochs', '1,437 examples': a count with its noun, thousands separated."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def table(rows, columns=None, title=None):
    """A rich Table from a list of dicts (columns default to the first row's keys)."""
    from rich.table import Table

    columns = list(columns or (rows[0].keys() if rows else []))
    result = Table(title=title, title_justify="left")
    for col in columns:
        numeric = any(isinstance(r.get(col), (int, float)) and not isinstance(r.get(col), bool)
                      for r in rows)
        result.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        result.add_row(*(format_value(row.get(col)) for col in columns))
    return result


def metrics_table(metrics, title=None):
    """A two-column table (metric, value) for one metrics dict."""
    from kerascli.plots import METRIC_LABELS
    rows = [{"metric": METRIC_LABELS.get(k, k), "value": v} for k, v in metrics.items()]
    return table(rows, ["metric", "value"], title=title)


def print_table(rich_table, console=None):
    (console or stdout_console()).print(rich_table)
