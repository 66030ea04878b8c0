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
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from kerascli.errors import DataError

FILLS = ("drop", "ffill", "interpolate")
DATE_NAMES = ("date", "datetime", "time", "timestamp", "day", "year", "month", "quarter",
              "period", "ds")
TARGET_NAMES = ("close", "adj close", "adj_close", "adjclose")
MISSING_TOKENS = frozenset({"", "null", "none", "nan", "na", "n/a", "#n/a", "-", "."})
# formats tried in order; month/day/year before day/month/year, as US exports are the common case
DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d",
                "%b %d, %Y", "%d %b %Y", "%d-%b-%Y", "%Y/%m/%d", "%Y/%m", "%b %Y", "%Y-%b",
                "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M")
SEPARATORS = (";", "\t", ",")  # a file consistent in ';' or tab uses ',' as its decimal mark
# (name, season, pandas offset for the next dates, typical spacing in days): --season's default
FREQUENCIES = (("hourly", 24, "h", 1 / 24), ("daily", 7, "D", 1), ("business-daily", 5, "B", 1),
               ("weekly", 52, "W", 7), ("monthly", 12, "MS", 30.44), ("quarterly", 4, "QS", 91.3),
               ("yearly", 1, "YS", 365.25))


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

    def __len__(self):
        return len(self.values)

    def describe(self):
        return {
            "source": self.source, "column": self.column, "date_column": self.date_column,
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
        return next((m for name, m, _, _ in FREQUENCIES if name == self.frequency), 1)

    def next_dates(self, steps):
        """The ``steps`` dates after the last one, at the series' frequency (a monthly series
        on the 1st stays on the 1st; an hourly one keeps its hours); None without dates."""
        return next_dates(self.dates, self.frequency, steps)


def iso_date(ts):
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def infer_frequency(dates):
    """The frequency name (see FREQUENCIES) of a sorted DatetimeIndex from its median spacing,
    or None when the spacing matches none (or there are fewer than 3 dates)."""
    import numpy as np

    if dates is None or len(dates) < 3:
        return None
    days = np.median(np.diff(dates.asi8[-500:])) / 86_400e9
    if abs(days - 1 / 24) < 1e-3:
        return "hourly"
    if days == 1 or (1 < days <= 1.5):  # a weekday series' median step is 1 day too
        weekdays = dates[-500:].dayofweek
        return "business-daily" if (weekdays < 5).all() and len(dates) >= 10 else "daily"
    for name, _, _, typical in FREQUENCIES[3:]:
        if abs(days - typical) <= 0.1 * typical:
            return name
    return None


def _offset(frequency, dates, k):
    import pandas as pd

    last = dates[-1]
    if frequency == "business-daily":
        return last + pd.offsets.BDay(k)
    if frequency in ("monthly", "quarterly"):
        months = k * (1 if frequency == "monthly" else 3)
        if last.is_month_end and not last.is_month_start:
            return last + pd.offsets.MonthEnd(months)
        return last + pd.DateOffset(months=months)
    if frequency == "yearly":
        return last + pd.DateOffset(years=k)
    if frequency == "weekly":
        return last + pd.Timedelta(weeks=k)
    if frequency == "daily":
        return last + pd.Timedelta(days=k)
    if frequency == "hourly":
        return last + pd.Timedelta(hours=k)
    spacing = pd.Series(dates[-100:]).diff().dropna().median()
    return last + spacing * k


def next_dates(dates, frequency, steps):
    """``steps`` dates after ``dates[-1]`` at ``frequency`` (median spacing when unknown)."""
    import pandas as pd

    if dates is None or len(dates) < 2:
        return None
    return pd.DatetimeIndex([_offset(frequency, dates, k) for k in range(1, steps + 1)])


def gaps_note(dates, frequency):
    """One sentence on gaps longer than the series' step (business days tolerate holidays),
    or None when the spacing is regular."""
    import numpy as np

    if frequency is None or len(dates) < 3:
        return None
    if frequency == "business-daily":
        steps = _bday_steps(dates)
        irregular = steps > 3  # one or two missing weekdays are holidays
    else:
        typical = next(t for n, _, _, t in FREQUENCIES if n == frequency) * 86_400e9
        steps = np.diff(dates.asi8) / typical
        irregular = steps > 1.5 if frequency not in ("monthly", "quarterly", "yearly") \
            else steps > 1.3
    n = int(irregular.sum())
    if not n:
        return None
    i = int(np.argmax(np.where(irregular, steps, 0)))
    return (f"{n} irregular gap{'s' * (n > 1)} in the {frequency} dates (largest: "
            f"{iso_date(dates[i])} to {iso_date(dates[i + 1])}); rows are treated as "
            "consecutive steps")


def _bday_steps(dates):
    import numpy as np

    days = dates.values.astype("datetime64[D]")
    return np.busday_count(days[:-1], days[1:])


def shipped_sp500():
    """The S&P 500 daily series shipped with kerascli (a Traversable; use ``str()`` for a path)."""
    from importlib.resources import files
    return files("kerascli.data").joinpath("sp500.csv")


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


def _parse_column(raw, decimal="."):
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


def parse_dates(raw):
    """Parse date strings with the first format that reads every non-empty one; None if none does."""
    import pandas as pd

    strings = pd.Series([str(s).strip() for s in raw])
    if strings.eq("").all():
        return None
    special = _special_dates(strings)
    if special is not None:
        return special
    for fmt in DATE_FORMATS:
        try:
            parsed = pd.to_datetime(strings, format=fmt, errors="raise")
        except (ValueError, TypeError, OverflowError):
            continue
        if fmt == "%Y%m%d" and not strings.str.fullmatch(r"\d{8}").all():
            continue
        return pd.DatetimeIndex(parsed)
    return None


def _special_dates(strings):
    """Quarters (1990Q1, 1990-Q1), bare integer years (1700, 1700.0) and epoch seconds (or
    milliseconds): what pandas' formats do not read as people mean them; None otherwise."""
    import numpy as np
    import pandas as pd

    quarters = strings.str.upper().str.extract(r"^(\d{4})\s*-?\s*Q([1-4])$")
    if quarters.notna().all().all():
        return pd.DatetimeIndex(pd.PeriodIndex.from_fields(
            year=quarters[0].astype(int), quarter=quarters[1].astype(int), freq="Q"
        ).to_timestamp())
    if not strings.str.fullmatch(r"\d+(\.0+)?").all():
        return None
    numbers = strings.astype(float).astype(np.int64)
    if numbers.between(1000, 2999).all() and strings.str.fullmatch(r"\d{4}(\.0+)?").all():
        return pd.DatetimeIndex(pd.to_datetime(numbers.astype(str), format="%Y"))
    if numbers.between(10**8, 10**10 - 1).all():  # 1973 .. 2286 in seconds
        return pd.DatetimeIndex(pd.to_datetime(numbers, unit="s"))
    if numbers.between(10**11, 10**13 - 1).all():  # the same in milliseconds
        return pd.DatetimeIndex(pd.to_datetime(numbers, unit="ms"))
    return None


def _sniff(path):
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
        sep, decimal = _sniff(path)
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
        values, bad = _parse_column(frame[col], frame.attrs.get("decimal", "."))
        if bad is None and any(v is not None for v in values):
            numeric.append(col)
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise DataError(path, f"no numeric column to forecast (columns: {', '.join(frame.columns)}); "
                              "name one with --label.")
    raise DataError(path, f"several numeric columns ({', '.join(numeric)}) and none named Close; "
                          "choose one with --label.")


def read_series(path, column=None, date_column=None, fill="drop", source=None, covariates=()):
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
    """
    import numpy as np
    import pandas as pd

    if fill not in FILLS:
        raise DataError(path, f"unknown --fill {fill!r}; choose one of: {', '.join(FILLS)}.")
    source = str(source or path)
    frame = _read_table(path)
    notes = [frame.attrs["note"]] if frame.attrs.get("note") else []
    decimal = frame.attrs.get("decimal", ".")
    date_col, dates = _date_column(frame, date_column, source)
    col = _target_column(frame, column, date_col, source)
    parsed, bad = _parse_column(frame[col], decimal)
    if bad is not None:
        row, text = bad
        hint = ("; if it uses decimal commas, separate the columns with ';'"
                if "," in str(text) and decimal == "." else "")
        raise DataError(source, f"column {col!r} is not numeric (row {row + 2}: {text!r}); "
                                f"choose another with --label{hint}.")
    values = np.array([np.nan if v is None else v for v in parsed], dtype=np.float64)
    extra = {}
    for name in covariates or ():
        found = _find(list(frame.columns), name)
        if found is None or found in (col, date_col):
            raise DataError(source, f"no covariate column {name!r} (--covariates); columns are: "
                                    f"{', '.join(c for c in frame.columns if c not in (col, date_col))}.")
        cells, bad = _parse_column(frame[found], decimal)
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
                  observed=observed, frequency=frequency, covariates=extra or None)
