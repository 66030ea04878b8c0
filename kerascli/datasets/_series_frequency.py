"""A series' frequency from its dates (hourly ... yearly, pandas' ``infer_freq`` or the median
spacing), the anchored pandas offset that steps it, the dates ahead of it, and one sentence on
its irregular gaps.
"""

# (name, season): --season's default; the dates' pandas offset is found by frequency_offset
FREQUENCIES = (("hourly", 24), ("daily", 7), ("business-daily", 5), ("weekly", 52),
               ("monthly", 12), ("quarterly", 4), ("yearly", 1))


def _day():
    import pandas as pd
    return pd.Timedelta(days=1)


def iso_date(ts):
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _pandas_frequency(dates):
    """``pd.infer_freq`` of the last dates as an offset (None when they are not exactly
    regular): pandas' own reading, whatever the resolution (pandas 3 parses at microseconds)."""
    import warnings

    import pandas as pd

    tail = dates[-500:]
    if len(tail) < 3 or not tail.is_monotonic_increasing or not tail.is_unique:
        return None
    with warnings.catch_warnings():  # pandas 3 announces infer_freq returning an offset
        warnings.simplefilter("ignore")
        try:
            found = pd.infer_freq(tail)
        except (TypeError, ValueError):
            return None
    return None if found is None else pd.tseries.frequencies.to_offset(found)


def _name_of(offset):
    """The FREQUENCIES name of a single-step pandas offset, or None."""
    import pandas as pd

    o = pd.offsets
    if getattr(offset, "n", None) != 1:
        return None
    kinds = (("business-daily", (o.BusinessDay,)), ("hourly", (o.Hour,)), ("daily", (o.Day,)),
             ("weekly", (o.Week,)),
             ("monthly", (o.MonthBegin, o.MonthEnd, o.BusinessMonthBegin, o.BusinessMonthEnd)),
             ("quarterly", (o.QuarterBegin, o.QuarterEnd, o.BQuarterBegin, o.BQuarterEnd)),
             ("yearly", (o.YearBegin, o.YearEnd, o.BYearBegin, o.BYearEnd)))
    return next((name for name, types in kinds if isinstance(offset, types)), None)


def infer_frequency(dates):
    """The frequency name (see FREQUENCIES) of a sorted DatetimeIndex, or None when there is
    none (or fewer than 3 dates): pandas' ``infer_freq`` when the dates are exactly regular,
    else the median spacing (trading days with holidays, a month or two missing)."""
    import numpy as np

    if dates is None or len(dates) < 3:
        return None
    exact = _name_of(_pandas_frequency(dates))
    if exact is not None:
        return exact
    tail = dates[-500:]
    days = (tail[1:] - tail[:-1]).to_series().median() / _day()  # resolution-free
    if abs(days - 1 / 24) < 1e-3:
        return "hourly"
    if days == 1 or (1 < days <= 1.5):  # a weekday series' median step is 1 day too
        weekdays = np.asarray(tail.day_of_week)
        return "business-daily" if (weekdays < 5).all() and len(dates) >= 10 else "daily"
    for name, typical in (("weekly", 7), ("monthly", 30.44), ("quarterly", 91.3),
                          ("yearly", 365.25)):
        if abs(days - typical) <= 0.1 * typical:
            return name
    return None


def frequency_offset(dates, frequency):
    """The pandas offset that steps ``dates`` at ``frequency``, anchored as the dates are (a
    monthly series on the 1st: MonthBegin, on month ends: MonthEnd, else the same day each
    month; a weekly one on its weekday; quarters and years on their month); None for no
    frequency."""
    import pandas as pd

    o = pd.offsets
    if frequency is None:
        return None
    exact = _pandas_frequency(dates)
    if _name_of(exact) == frequency:
        return exact
    last = dates[-500:]
    start = bool(last.is_month_start.all()) and bool((last == last.normalize()).all())
    end = bool(last.is_month_end.all()) and not start
    month = int(last[-1].month)
    if frequency == "hourly":
        return o.Hour(1)
    if frequency == "daily":
        return o.Day(1)
    if frequency == "business-daily":
        return o.BusinessDay(1)
    if frequency == "weekly":
        return o.Week(1, weekday=int(last[-1].day_of_week))
    if frequency == "monthly":
        return o.MonthBegin(1) if start else o.MonthEnd(1) if end else pd.DateOffset(months=1)
    if frequency == "quarterly":
        anchor = (month - 1) % 3 + 1
        return (o.QuarterBegin(1, startingMonth=anchor) if start else
                o.QuarterEnd(1, startingMonth=anchor) if end else pd.DateOffset(months=3))
    if frequency == "yearly":
        return (o.YearBegin(1, month=month) if start else o.YearEnd(1, month=month) if end
                else pd.DateOffset(years=1))
    return None


def next_dates(dates, frequency, steps):
    """``steps`` dates after ``dates[-1]`` at ``frequency`` (pandas' ``date_range`` with the
    series' anchored offset); without a frequency, the median spacing; None without dates."""
    import pandas as pd

    if dates is None or len(dates) < 2:
        return None
    last = dates[-1]
    offset = frequency_offset(dates, frequency)
    if offset is None:
        spacing = (dates[-100:][1:] - dates[-100:][:-1]).to_series().median()
        return pd.DatetimeIndex([last + spacing * k for k in range(1, steps + 1)])
    ahead = pd.date_range(start=last, periods=steps + 1, freq=offset)
    return ahead[ahead > last][:steps]


def gaps_note(dates, frequency):
    """One sentence on gaps longer than the series' step (business days tolerate holidays),
    or None when the spacing is regular."""
    import numpy as np

    if frequency is None or len(dates) < 3:
        return None
    if frequency == "business-daily":
        steps = _bday_steps(dates)
        irregular = steps > 3  # one or two missing weekdays are holidays
    elif frequency in ("monthly", "quarterly", "yearly"):  # in calendar months, not days
        months = np.asarray(dates.year) * 12 + np.asarray(dates.month)
        steps = np.diff(months) / {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
        irregular = steps > 1.3
    else:
        typical = {"hourly": _day() / 24, "daily": _day(), "weekly": 7 * _day()}[frequency]
        steps = np.asarray((dates[1:] - dates[:-1]) / typical, dtype=np.float64)
        irregular = steps > 1.5
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
