"""Result tables are never cut: whole in a pipe or a file, folded (not '…') on a terminal."""
import io
import re

from rich.console import Console

from kerascli.commands.output import print_table, stdout_console, table

LONG = "tables/new_penguins_from_the_palmer_station_field_season.csv"
ROWS = [{"input": f"{LONG}:{i + 2}", "class": "Chinstrap (Pygoscelis antarcticus)",
         "probability": 0.1234567 * (i + 1), "count": 1_234_567_890 + i} for i in range(3)]


def test_a_table_printed_into_a_pipe_or_file_keeps_every_cell_whole(capsys):
    print_table(table(ROWS, title="predictions of a model with a long name " * 3))
    out = capsys.readouterr().out
    assert "…" not in out
    for i in range(3):
        assert f"{LONG}:{i + 2}" in out  # on one line, not folded
        assert f"{1_234_567_890 + i:,}" in out
    assert "Chinstrap (Pygoscelis antarcticus)" in out
    assert max(len(line) for line in out.splitlines()) > 80  # not squeezed into 80 columns


def test_the_stdout_console_is_unbounded_only_off_a_terminal(capsys):
    assert stdout_console().width > 1000  # capsys' stdout is not a terminal


def test_a_narrow_terminal_folds_cells_instead_of_cutting_them():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=40, color_system=None)
    print_table(table([{"input": LONG}]), console)
    out = buffer.getvalue()
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 40
    assert re.sub(r"\W", "", LONG) in re.sub(r"\W", "", out)  # every character, folded
