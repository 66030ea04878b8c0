"""Reading a time series' CSV as a table of text cells: the separator and decimal mark sniffed
(``01.01.2021;996,10``), a byte-order mark dropped, columns found by name, and cells such as
"$1,234.50" or "null" parsed into numbers (or None) with the first bad cell named.
"""
from pathlib import Path

from kerascli.errors import DataError

MISSING_TOKENS = frozenset({"", "null", "none", "nan", "na", "n/a", "#n/a", "-", "."})
SEPARATORS = (";", "\t", ",")  # a file consistent in ';' or tab uses ',' as its decimal mark


def sniff(path):
    """(separator, decimal mark) from the first lines: a separator whose count is the same
    non-zero number on every line wins (';' and tab before ','); with ';' or tab, cells such
    as 996,10 mean decimal commas."""
    import re

    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        lines = [line.rstrip("\r\n") for _, line in zip(range(20), handle) if line.strip()]
    sep = ","
    for candidate in SEPARATORS:
        counts = {line.count(candidate) for line in lines}
        if len(lines) >= 2 and len(counts) == 1 and counts != {0}:
            sep = candidate
            break
    decimal = "."
    if sep != ",":
        cells = [c.strip().strip('"') for line in lines[1:] for c in line.split(sep)]
        if any(re.fullmatch(r"[-+]?[\d.]*\d,\d+", c) for c in cells):
            decimal = ","
    return sep, decimal


def read_table(path):
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file; give the path of a CSV file.")
    if path.is_dir():
        raise DataError(path, "is a directory; give a CSV file.")
    try:
        # utf-8-sig drops a byte-order mark; everything read as text so that "$1,234.50",
        # "null" and dates are parsed here, with errors that name the row.
        sep, decimal = sniff(path)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skipinitialspace=True, sep=sep)
    except UnicodeDecodeError:
        raise DataError(path, "is not UTF-8 text; save it as CSV (UTF-8).") from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "is empty; it needs a header row and one row per date.") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(path, f"cannot be read as CSV ({first}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(path, "has a header but no rows.")
    frame.attrs["decimal"] = decimal
    if sep != "," or decimal != ".":
        names = {";": "semicolons", "\t": "tabs", ",": "commas"}
        frame.attrs["note"] = (f"read as separated by {names[sep]}"
                               + (" with decimal commas" if decimal == "," else ""))
    return frame


def find_column(columns, name):
    """The column matching ``name`` exactly, else case- and space-insensitively, else None."""
    if name in columns:
        return name
    wanted = name.strip().lower()
    for col in columns:
        if col.strip().lower() == wanted:
            return col
    return None


def parse_number(text, decimal="."):
    """ "$1,234.50" -> 1234.5 ("1.234,50" with ``decimal=","``); missing tokens -> None;
    raise ValueError if not a number."""
    cleaned = str(text).strip()
    if cleaned.lower() in MISSING_TOKENS:
        return None
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accounting style (12.5)
    if decimal == ",":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    cleaned = cleaned.strip("()").replace(",", "").replace("_", "").replace(" ", "")
    cleaned = cleaned.lstrip("$€£¥").rstrip("$€£¥")
    if cleaned.startswith("-") and cleaned[1:2] in "$€£¥" and len(cleaned) > 1:
        cleaned = "-" + cleaned[2:]
    value = float(cleaned)  # ValueError for text such as "abc"
    return -value if negative else value


def parse_column(raw, decimal="."):
    """Parse a column of strings; return (values as float list with None, first bad (row, text))."""
    values, bad = [], None
    for i, text in enumerate(raw):
        try:
            values.append(parse_number(text, decimal))
        except ValueError:
            values.append(None)
            if bad is None:
                bad = (i, text)
    return values, bad
