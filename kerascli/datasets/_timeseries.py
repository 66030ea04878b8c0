"""Read one numeric time series from the CSV files people actually download.

Handled: a UTF-8 byte-order mark; comma, semicolon or tab separators, decimal commas
(``01.01.2021;996,10``); the date column found by name (Date, Datetime, Time, Timestamp, Day,
Year, Month, Quarter, Period) or by parsing; ISO (2019-11-21), US (11/21/2019) and European
(21.11.2019) dates, ``YYYY-MM``, quarters (``1990Q1``), bare integer years (``1700``) and epoch
seconds; the series' frequency (hourly ... yearly) inferred from the dates, with irregular gaps
reported in one line;
rows newest-first or shuffled (sorted chronologically); duplicate dates (reported, the first
kept); the target column from ``column``, else Close, Adj Close or the only numeric column;
values such as "$1,234.50"; "null", "NaN" or empty cells (dropped, forward-filled or
interpolated, and counted; filled cells are marked unobserved so that they are never scored). Anything else is a :class:`DataError`: one line, exit code 2.

No Click here: :func:`read_series` returns a :class:`Series` whose ``notes`` the command shows.
Its neighbours: :mod:`._series_table` reads the cells, :mod:`._series_dates` parses dates,
:mod:`._series_frequency` finds the frequency, :mod:`._series_long` cuts a long-format table.
"""
from dataclasses import dataclass
from typing import Any, Optional

from kerascli.datasets._series_dates import parse_dates
from kerascli.datasets._series_frequency import (FREQUENCIES, gaps_note, infer_frequency,
                                                 iso_date, next_dates)
from kerascli.datasets._series_long import one_series
from kerascli.datasets._series_table import find_column, parse_column, read_table
from kerascli.errors import DataError

FILLS = ("drop", "ffill", "interpolate")
DATE_NAMES = ("date", "datetime", "time", "timestamp", "day", "year", "month", "quarter",
              "period", "ds")
TARGET_NAMES = ("close", "adj close", "adj_close", "adjclose")


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
    observed: Any = None  # bool array: False where --fill made the value up (never scored)
    frequency: Optional[str] = None  # hourly, daily, business-daily, ... (FREQUENCIES) or None
    covariates: Any = None  # {column: float64 array aligned with values (NaN where missing)}
    series_column: Optional[str] = None  # a long-format table's id column ...
    series_id: Optional[str] = None  # ... and the series read from it

    @property
    def name(self):
        """What the series is called in titles: its column, after its id in a long table."""
        return f"{self.series_id} · {self.column}" if self.series_id is not None else self.column

    def __len__(self):
        return len(self.values)

    def describe(self):
        return {
            "source": self.source, "column": self.column, "date_column": self.date_column,
            "series_column": self.series_column, "series_id": self.series_id,
            "n_rows": len(self), "n_missing": self.n_missing, "n_duplicates": self.n_duplicates,
            "first_date": iso_date(self.dates[0]) if self.dates is not None and len(self) else None,
            "last_date": iso_date(self.dates[-1]) if self.dates is not None and len(self) else None,
            "frequency": self.frequency, "season": self.season,
            "n_filled": int(len(self) - self.observed.sum()) if self.observed is not None else 0,
            "covariates": sorted(self.covariates or {}),
            "notes": list(self.notes),
        }

    @property
    def season(self):
        """The season length the frequency implies (hourly 24, daily 7, business-daily 5,
        weekly 52, monthly 12, quarterly 4, yearly 1); 1 without dates or a known frequency."""
        return next((m for name, m in FREQUENCIES if name == self.frequency), 1)

    def next_dates(self, steps):
        """The ``steps`` dates after the last one, at the series' frequency (a monthly series
        on the 1st stays on the 1st; an hourly one keeps its hours); None without dates."""
        return next_dates(self.dates, self.frequency, steps)


def shipped_sp500():
    """The S&P 500 daily series shipped with kerascli (a Traversable; use ``str()`` for a path)."""
    from importlib.resources import files
    return files("kerascli.data").joinpath("sp500.csv")


def _date_column(frame, date_column, path):
    columns = list(frame.columns)
    if date_column is not None:
        found = find_column(columns, date_column)
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
        if values.str.fullmatch(r"[-+$€£¥(]?[\d,.]+\)?").all() and not values.str.fullmatch(
                r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}").all():
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


def _is_row_names(cells, name):
    """Whether a column is R's row names: unnamed (or "rownames") and holding 1 .. n."""
    import re

    if not (re.fullmatch(r"Unnamed: \d+", name) or name.strip().lower() in ("", "rownames")):
        return False
    return list(cells.str.strip()) == [str(i) for i in range(1, len(cells) + 1)]


def _target_column(frame, column, date_col, path):
    columns = [c for c in frame.columns if c != date_col]
    if column is not None:
        found = find_column(list(frame.columns), column)
        if found is None:
            raise DataError(path, f"no column {column!r} (--label); columns are: "
                                  f"{', '.join(frame.columns)}.")
        if found == date_col:
            raise DataError(path, f"column {found!r} holds the dates; choose a numeric column "
                                  "with --label.")
        return found
    for name in TARGET_NAMES:
        found = find_column(columns, name)
        if found is not None:
            return found
    numeric = []
    for col in columns:
        if _is_row_names(frame[col], col):
            continue  # R's write.csv row names ("", "rownames"): 1, 2, 3 ... are no series
        values, bad = parse_column(frame[col], frame.attrs.get("decimal", "."))
        if bad is None and any(v is not None for v in values):
            numeric.append(col)
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise DataError(path, f"no numeric column to forecast (columns: {', '.join(frame.columns)}); "
                              "name one with --label.")
    raise DataError(path, f"several numeric columns ({', '.join(numeric)}) and none named Close; "
                          "choose one with --label.")


def read_series(path, column=None, date_column=None, fill="drop", source=None, covariates=(),
                series_column=None, series_id=None):
    """Read one numeric column of a CSV file as a chronological :class:`Series`.

    Args:
        path: the CSV file.
        column: the column to forecast (default: Close, Adj Close or the only numeric column).
        date_column: the date column (default: one named like a date, else the first that parses).
        fill: what to do with null/empty cells: "drop" the rows, "ffill" (carry the last value
            forward) or "interpolate" (linearly, between neighbours).
        source: how to name the file in messages (default: ``path``).
        covariates: other numeric columns read alongside, aligned with the values (their
            empty cells stay NaN unless ``fill`` fills them).
        series_column, series_id: a long-format table's id column (default: found when the
            dates repeat) and the series to read (required when there are several).
    """
    import numpy as np
    import pandas as pd

    if fill not in FILLS:
        raise DataError(path, f"unknown --fill {fill!r}; choose one of: {', '.join(FILLS)}.")
    source = str(source or path)
    frame = read_table(path)
    notes = [frame.attrs["note"]] if frame.attrs.get("note") else []
    decimal = frame.attrs.get("decimal", ".")
    date_col, dates = _date_column(frame, date_column, source)
    frame, dates, id_col, series_id = one_series(frame, dates, date_col, column, series_column,
                                                  series_id, covariates, source)
    col = _target_column(frame, column, date_col, source)
    parsed, bad = parse_column(frame[col], decimal)
    if bad is not None:
        row, text = bad
        hint = ("; if it uses decimal commas, separate the columns with ';'"
                if "," in str(text) and decimal == "." else "")
        raise DataError(source, f"column {col!r} is not numeric (row {row + 2}: {text!r}); "
                                f"choose another with --label{hint}.")
    values = np.array([np.nan if v is None else v for v in parsed], dtype=np.float64)
    extra = {}
    for name in covariates or ():
        found = find_column(list(frame.columns), name)
        if found is None or found in (col, date_col):
            raise DataError(source, f"no covariate column {name!r} (--covariates); columns are: "
                                    f"{', '.join(c for c in frame.columns if c not in (col, date_col))}.")
        cells, bad = parse_column(frame[found], decimal)
        if bad is not None:
            raise DataError(source, f"covariate {found!r} is not numeric (row {bad[0] + 2}: "
                                    f"{bad[1]!r}).")
        extra[found] = np.array([np.nan if v is None else v for v in cells], dtype=np.float64)
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
        extra = {k: v[order] for k, v in extra.items()}
    n_duplicates = 0
    if dates is not None:
        dup = np.asarray(dates.duplicated(keep="first"))
        n_duplicates = int(dup.sum())
        if n_duplicates:
            first = iso_date(dates[dup][0])
            notes.append(f"{n_duplicates} duplicate date{'s' * (n_duplicates > 1)} "
                         f"(first {first}); kept the first row of each")
            dates, values = dates[~dup], values[~dup]
            extra = {k: v[~dup] for k, v in extra.items()}

    missing = np.isnan(values)
    observed = ~missing
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
            notes.append(f"{cells} filled (--fill {fill}) as model inputs; never scored")
        keep = ~np.isnan(values)  # drop mode, and leading/trailing gaps nothing can fill
        if fill != "drop" and not keep.all():
            notes.append(f"{int((~keep).sum())} leading/trailing empty cell(s) dropped")
        values, observed = values[keep], observed[keep]
        extra = {k: v[keep] for k, v in extra.items()}
        dates = dates[keep] if dates is not None else None
    if fill != "drop":
        for k, v in extra.items():
            s = pd.Series(v)
            extra[k] = (s.ffill() if fill == "ffill"
                        else s.interpolate(method="linear", limit_area="inside")).to_numpy()
    frequency = None
    if dates is None:
        notes.append("no date column found; rows taken in file order")
    else:
        frequency = infer_frequency(dates)
        gaps = gaps_note(dates, frequency)
        if gaps:
            notes.append(gaps)
        elif frequency is None and len(dates) >= 3:
            notes.append("the dates have no regular spacing (not hourly, daily, weekly, monthly, "
                         "quarterly or yearly); rows are treated as consecutive steps")
    return Series(values=values, dates=dates, column=col, date_column=date_col, source=source,
                  n_missing=n_missing, n_duplicates=n_duplicates, notes=tuple(notes),
                  observed=observed, frequency=frequency, covariates=extra or None,
                  series_column=id_col, series_id=series_id)
