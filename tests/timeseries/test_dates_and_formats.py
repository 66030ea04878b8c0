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
