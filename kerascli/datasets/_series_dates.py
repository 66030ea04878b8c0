"""Parsing date cells: ISO, US and European dates, ``YYYY-MM``, quarters (``1990Q1``), bare
integer years, epoch seconds and R's decimal years (``1949.0833``, as ``write.csv`` exports a
``ts``), each column read with the first format that reads every cell.
"""

# formats tried in order; month/day/year before day/month/year, as US exports are the common case
DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d",
                "%b %d, %Y", "%d %b %Y", "%d-%b-%Y", "%Y/%m/%d", "%Y/%m", "%b %Y", "%Y-%b",
                "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M")


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
    decimal_years = _decimal_years(strings)
    if decimal_years is not None:
        return decimal_years
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


R_FREQUENCIES = {12: "monthly", 4: "quarterly", 1: "yearly"}


def _decimal_years(strings):
    """R's decimal years, as ``write.csv`` exports every ``ts`` (``1949.0``, ``1949.0833``,
    ... for frequency 12; ``1960.25`` for 4): the start of each month or quarter (frequency 1
    is handled as bare years); None when the cells are not such a sequence."""
    import numpy as np
    import pandas as pd

    if not strings.str.fullmatch(r"\d{4}\.\d+").any() or \
            not strings.str.fullmatch(r"\d{4}(\.\d+)?").all() or len(strings) < 2:
        return None
    x = strings.astype(float).to_numpy()
    step = float(np.median(np.abs(np.diff(np.sort(x)))))
    if step <= 0:
        return None
    per_year = int(round(1 / step))
    if per_year not in (4, 12) or abs(step * per_year - 1) > 1e-3:
        return None
    years = np.floor(x + 1e-6).astype(int)
    index = (x - years) * per_year
    if np.abs(index - np.round(index)).max() > 0.01:  # not on the month/quarter grid
        return None
    months = np.round(index).astype(int) * (12 // per_year) + 1
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": years, "month": months,
                                                         "day": 1})))
