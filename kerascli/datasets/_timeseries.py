"""Read one numeric time series from the CSV files people actually download.

Handled: a UTF-8 byte-order mark; the date column found by name (Date, Datetime, Time,
Timestamp, Day) or by parsing; ISO (2019-11-21) and US month/day/year dates (11/21/2019);
rows newest-first or shuffled (sorted chronologically); duplicate dates (reported, the first
kept); the target column from ``column``, else Close, Adj Close or the only numeric column;
values such as "$1,234.50"; "null", "NaN" or empty cells (dropped, forward-filled or
interpolated, and counted). Anything else is a :class:`DataError`: one line, exit code 2.

No Click here: :func:`read_series` returns a :class:`Series` whose ``notes`` the command shows.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from kerascli.errors import DataError

FILLS = ("drop", "ffill", "interpolate")
DATE_NAMES = ("date", "datetime", "time", "timestamp", "day")
TARGET_NAMES = ("close", "adj close", "adj_close", "adjclose")
MISSING_TOKENS = frozenset({"", "null", "none", "nan", "na", "n/a", "#n/a", "-", "."})
# formats tried in order; month/day/year before day/month/year, as US exports are the common case
DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", "%b %d, %Y",
                "%d %b %Y", "%d-%b-%Y", "%Y/%m/%d")


@dataclass(frozen=True, eq=False)
class Series:
    """A chronologically sorted numeric series and what was done to get it."""

    values: Any  # float64 array, oldest first
    dates: Any  # pandas DatetimeIndex aligned with values, or None when the file has no dates
    column: str
    date_column: Optional[str]
    source: str
    n_missing: int = 0  # null/empty cells in the target column
    n_duplicates: int = 0  # rows dropped because their date repeated an earlier one
    notes: tuple = ()  # one sentence per repair, for stderr and config.json

    def __len__(self):
        return len(self.values)

    def describe(self):
        return {
            "source": self.source, "column": self.column, "date_column": self.date_column,
            "n_rows": len(self), "n_missing": self.n_missing, "n_duplicates": self.n_duplicates,
            "first_date": iso_date(self.dates[0]) if self.dates is not None and len(self) else None,
            "last_date": iso_date(self.dates[-1]) if self.dates is not None and len(self) else None,
            "notes": list(self.notes),
        }


def iso_date(ts):
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def shipped_sp500():
    """The S&P 500 daily series shipped with kerascli (a Traversable; use ``str()`` for a path)."""
    from importlib.resources import files
    return files("kerascli.data").joinpath("sp500.csv")


def parse_number(text):
    """ "$1,234.50" -> 1234.5; missing tokens -> None; raise ValueError if not a number."""
    cleaned = str(text).strip()
    if cleaned.lower() in MISSING_TOKENS:
        return None
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accounting style (12.5)
    cleaned = cleaned.strip("()").replace(",", "").replace("_", "").replace(" ", "")
    cleaned = cleaned.lstrip("$€£¥").rstrip("$€£¥")
    if cleaned.startswith("-") and cleaned[1:2] in "$€£¥" and len(cleaned) > 1:
        cleaned = "-" + cleaned[2:]
    value = float(cleaned)  # ValueError for text such as "abc"
    return -value if negative else value


def _parse_column(raw):
    """Parse a column of strings; return (values as float list with None, first bad (row, text))."""
    values, bad = [], None
    for i, text in enumerate(raw):
        try:
            values.append(parse_number(text))
        except ValueError:
            values.append(None)
            if bad is None:
                bad = (i, text)
    return values, bad


def parse_dates(raw):
    """Parse date strings with the first format that reads every non-empty one; None if none does."""
    import pandas as pd

    strings = pd.Series([str(s).strip() for s in raw])
    if strings.eq("").all():
        return None
    for fmt in DATE_FORMATS:
        try:
            parsed = pd.to_datetime(strings, format=fmt, errors="raise")
        except (ValueError, TypeError, OverflowError):
            continue
        if fmt == "%Y%m%d" and not strings.str.fullmatch(r"\d{8}").all():
            continue
        return pd.DatetimeIndex(parsed)
    return None


def _read_table(path):
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file; give the path of a CSV file.")
    if path.is_dir():
        raise DataError(path, "is a directory; give a CSV file.")
    try:
        # utf-8-sig drops a byte-order mark; everything read as text so that "$1,234.50",
        # "null" and dates are parsed here, with errors that name the row.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skipinitialspace=True)
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
    return frame


def _find(columns, name):
    """The column matching ``name`` exactly, else case- and space-insensitively, else None."""
    if name in columns:
        return name
    wanted = name.strip().lower()
    for col in columns:
        if col.strip().lower() == wanted:
            return col
    return None


def _date_column(frame, date_column, path):
    columns = list(frame.columns)
    if date_column is not None:
        found = _find(columns, date_column)
        if found is None:
            raise DataError(path, f"no date column {date_column!r} (--date-column); columns are: "
                                  f"{', '.join(columns)}.")
        dates = parse_dates(frame[found])
        if dates is None:
            raise DataError(path, _bad_dates_message(frame[found], found))
        return found, dates
    for col in columns:
        if col.strip().lower() in DATE_NAMES:
            dates = parse_dates(frame[col])
            if dates is None:
                raise DataError(path, _bad_dates_message(frame[col], col))
            return col, dates
    for col in columns:  # no column named like a date: the first one whose cells all parse
        values = frame[col].str.strip()
        if values.str.fullmatch(r"[-+$€£¥(]?[\d,.]+\)?").all():
            continue  # plain numbers are values, not dates (20190102 would parse as %Y%m%d)
        dates = parse_dates(frame[col])
        if dates is not None:
            return col, dates
    return None, None


def _bad_dates_message(raw, col):
    import pandas as pd

    for i, text in enumerate(raw):
        if str(text).strip() == "":
            return (f"date column {col!r} has an empty cell at row {i + 2}; "
                    "fill it or remove the row.")
        if pd.isna(pd.to_datetime(str(text).strip(), errors="coerce")):
            return (f"date column {col!r} has a value that is not a date at row {i + 2}: "
                    f"{text!r} (expected e.g. 2019-11-21 or 11/21/2019).")
    return (f"date column {col!r} mixes date formats (first value {raw.iloc[0]!r}); "
            "use one format, e.g. 2019-11-21, or name the column with --date-column.")


def _target_column(frame, column, date_col, path):
    columns = [c for c in frame.columns if c != date_col]
    if column is not None:
        found = _find(list(frame.columns), column)
        if found is None:
            raise DataError(path, f"no column {column!r} (--label); columns are: "
                                  f"{', '.join(frame.columns)}.")
        if found == date_col:
            raise DataError(path, f"column {found!r} holds the dates; choose a numeric column "
                                  "with --label.")
        return found
    for name in TARGET_NAMES:
        found = _find(columns, name)
        if found is not None:
            return found
    numeric = []
    for col in columns:
        values, bad = _parse_column(frame[col])
        if bad is None and any(v is not None for v in values):
            numeric.append(col)
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise DataError(path, f"no numeric column to forecast (columns: {', '.join(frame.columns)}); "
                              "name one with --label.")
    raise DataError(path, f"several numeric columns ({', '.join(numeric)}) and none named Close; "
                          "choose one with --label.")


def read_series(path, column=None, date_column=None, fill="drop", source=None):
    """Read one numeric column of a CSV file as a chronological :class:`Series`.

    Args:
        path: the CSV file.
        column: the column to forecast (default: Close, Adj Close or the only numeric column).
        date_column: the date column (default: one named like a date, else the first that parses).
        fill: what to do with null/empty cells: "drop" the rows, "ffill" (carry the last value
            forward) or "interpolate" (linearly, between neighbours).
        source: how to name the file in messages (default: ``path``).
    """
    import numpy as np
    import pandas as pd

    if fill not in FILLS:
        raise DataError(path, f"unknown --fill {fill!r}; choose one of: {', '.join(FILLS)}.")
    source = str(source or path)
    frame = _read_table(path)
    notes = []
    date_col, dates = _date_column(frame, date_column, source)
    col = _target_column(frame, column, date_col, source)
    parsed, bad = _parse_column(frame[col])
    if bad is not None:
        row, text = bad
        raise DataError(source, f"column {col!r} is not numeric (row {row + 2}: {text!r}); "
                                "choose another with --label.")
    values = np.array([np.nan if v is None else v for v in parsed], dtype=np.float64)
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values))[0])
        raise DataError(source, f"column {col!r} has an infinite value at row {row + 2}.")

    order = np.arange(len(values))
    if dates is not None:
        if dates.is_monotonic_decreasing and len(dates) > 1 and dates[0] != dates[-1]:
            notes.append("rows were newest-first; sorted oldest-first")
        elif not dates.is_monotonic_increasing:
            notes.append("rows were not in date order; sorted chronologically")
        order = np.argsort(dates.values, kind="stable")
        dates, values = dates[order], values[order]
    n_duplicates = 0
    if dates is not None:
        dup = np.asarray(dates.duplicated(keep="first"))
        n_duplicates = int(dup.sum())
        if n_duplicates:
            first = iso_date(dates[dup][0])
            notes.append(f"{n_duplicates} duplicate date{'s' * (n_duplicates > 1)} "
                         f"(first {first}); kept the first row of each")
            dates, values = dates[~dup], values[~dup]

    missing = np.isnan(values)
    n_missing = int(missing.sum())
    if n_missing == len(values):
        raise DataError(source, f"column {col!r} has no values (all {n_missing} cells are empty "
                                "or null); choose another with --label.")
    if n_missing:
        cells = f"{n_missing} null or empty cell{'s' * (n_missing > 1)} in {col!r}"
        if fill == "drop":
            notes.append(f"{cells} dropped (--fill drop)")
        else:
            s = pd.Series(values)
            s = s.ffill() if fill == "ffill" else s.interpolate(method="linear", limit_area="inside")
            values = s.to_numpy()
            notes.append(f"{cells} filled (--fill {fill})")
        keep = ~np.isnan(values)  # drop mode, and leading/trailing gaps nothing can fill
        if fill != "drop" and not keep.all():
            notes.append(f"{int((~keep).sum())} leading/trailing empty cell(s) dropped")
        values = values[keep]
        dates = dates[keep] if dates is not None else None
    if dates is None:
        notes.append("no date column found; rows taken in file order")
    return Series(values=values, dates=dates, column=col, date_column=date_col, source=source,
                  n_missing=n_missing, n_duplicates=n_duplicates, notes=tuple(notes))
