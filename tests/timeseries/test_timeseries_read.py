"""Reading the CSVs people download: each messy case handled, or refused in one line (exit 2)."""
import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner

from kerascli.cli import cli
from kerascli.errors import DataError
from kerascli.datasets._series_table import parse_number
from kerascli.datasets._timeseries import read_series


def lines(n, start=100.0, date=lambda d: d.isoformat(), header="Date,Close"):
    d0 = dt.date(2020, 1, 1)
    return "\n".join([header] + [f"{date(d0 + dt.timedelta(days=i))},{start + i:.2f}"
                                 for i in range(n)]) + "\n"


def forecast_fails(path, *args):
    """Run `kerascli forecast` on a bad file: it must stop with exit 2 and one line, no traceback."""
    result = CliRunner().invoke(cli, ["forecast", str(path), "--no-plot", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("Error: "), result.stderr
    return message


def test_utf8_bom_is_ignored_in_header(write):
    s = read_series(write(lines(5), bom=True))
    assert s.date_column == "Date" and s.column == "Close"
    assert s.values.tolist() == [100, 101, 102, 103, 104]


def test_us_month_day_year_dates_are_parsed(write):
    s = read_series(write(lines(40, date=lambda d: d.strftime("%m/%d/%Y"))))
    assert s.dates[0] == np.datetime64("2020-01-01") and s.dates[12] == np.datetime64("2020-01-13")
    assert s.dates.is_monotonic_increasing


def test_newest_first_rows_are_sorted_and_reported(write):
    text = lines(6)
    header, *body = text.strip().splitlines()
    s = read_series(write("\n".join([header] + body[::-1]) + "\n"))
    assert s.values.tolist() == [100, 101, 102, 103, 104, 105]
    assert any("newest-first" in n for n in s.notes)


def test_duplicate_dates_are_reported_and_dropped(write):
    s = read_series(write("Date,Close\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n2020-01-03,4\n"))
    assert s.n_duplicates == 1 and s.values.tolist() == [1, 2, 4]
    assert any("1 duplicate date" in n and "2020-01-02" in n for n in s.notes)


def test_currency_and_thousands_separators_are_parsed(write):
    s = read_series(write('Date,Close\n2020-01-01,"$1,234.50"\n2020-01-02,"$2,000"\n'))
    assert s.values.tolist() == [1234.5, 2000.0]
    assert parse_number(" (12.5) ") == -12.5 and parse_number("null") is None


@pytest.mark.parametrize("fill, expected, note", [
    ("drop", [1, 4, 5], "dropped"),
    ("ffill", [1, 1, 1, 4, 5], "filled (--fill ffill)"),
    ("interpolate", [1, 2, 3, 4, 5], "filled (--fill interpolate)"),
])
def test_null_and_empty_cells_are_counted_and_filled(write, fill, expected, note):
    path = write("Date,Close\n2020-01-01,1\n2020-01-02,null\n2020-01-03,\n2020-01-04,4\n2020-01-05,5\n")
    s = read_series(path, fill=fill)
    assert s.values.tolist() == expected and s.n_missing == 2
    assert any(n.startswith("2 null or empty cells") and note in n for n in s.notes)


def test_close_is_preferred_then_adj_close_then_the_only_numeric_column(write):
    assert read_series(write("Date,Open,Close,Volume\n2020-01-01,1,2,3\n")).column == "Close"
    assert read_series(write("Date,Open,Adj Close\n2020-01-01,1,2\n")).column == "Adj Close"
    assert read_series(write("when,name,temp\n2020-01-01,a,2.5\n")).column == "temp"
    picked = read_series(write("Date,Open,Close\n2020-01-01,1,2\n"), column="open")
    assert picked.column == "Open" and picked.values.tolist() == [1.0]


def test_date_column_found_by_parsing_when_not_named(write):
    s = read_series(write("when,temp\n2020-01-02,1\n2020-01-01,2\n"))
    assert s.date_column == "when" and s.values.tolist() == [2, 1]


def test_several_numeric_columns_without_close_are_refused(write):
    with pytest.raises(DataError, match="several numeric columns .*--label"):
        read_series(write("Date,a,b\n2020-01-01,1,2\n"))


def test_cli_refuses_missing_column(write):
    message = forecast_fails(write(lines(60)), "--column", "Price")
    assert "no column 'Price'" in message and "Date, Close" in message


def test_cli_refuses_non_numeric_column(write):
    text = lines(60).replace("2020-01-05,104.00", "2020-01-05,n.a.x")
    message = forecast_fails(write(text))
    assert "column 'Close' is not numeric (row 6: 'n.a.x')" in message


def test_cli_refuses_too_short_series_saying_how_many_rows(write):
    message = forecast_fails(write(lines(30)))
    assert "only 30 usable rows" in message and "need at least 39 rows" in message


def test_cli_too_short_after_dropping_nulls_says_so(write):
    text = lines(39).replace("2020-01-03,102.00", "2020-01-03,null").replace(
        "2020-01-04,103.00", "2020-01-04,")
    message = forecast_fails(write(text))
    assert "only 37 usable rows (after dropping 2 null cells)" in message


def test_cli_refuses_empty_and_missing_files(write, tmp_path):
    assert "is empty" in forecast_fails(write("", name="empty.csv"))
    assert "no such file" in forecast_fails(tmp_path / "nope.csv")


def test_cli_refuses_bad_date_and_all_null_column(write):
    text = lines(60).replace("2020-01-07", "someday")
    assert "not a date at row 8: 'someday'" in forecast_fails(write(text))
    assert "has no values" in forecast_fails(write("Date,Close\n2020-01-01,null\n2020-01-02,\n"))


def test_cli_refuses_bad_option_values(write):
    path = write(lines(60))
    assert "--lags 0: must be at least 1" in forecast_fails(path, "--lags", "0")
    assert "--test-size 1.5: must be between 0 and 1" in forecast_fails(path, "--test-size", "1.5")
    negative = write(lines(60, start=-100.0), name="neg.csv")
    assert "--target returns needs a strictly positive series" in forecast_fails(
        negative, "--target", "returns")


def test_refused_file_leaves_no_run_directory(write, tmp_path):
    forecast_fails(write(lines(10)), "--out", str(tmp_path / "runs"))
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_date_column_option_picks_the_named_column(write):
    path = write("Opened,Closed,Close\n2020-01-02,2020-01-05,1\n2020-01-01,2020-01-06,2\n")
    assert read_series(path).date_column == "Opened"  # first parsing column by default
    s = read_series(path, date_column="closed")
    assert s.date_column == "Closed" and s.values.tolist() == [1, 2]
    with pytest.raises(DataError, match="no date column 'When' .*--date-column"):
        read_series(path, date_column="When")


def _long_table(write):
    import pandas as pd
    days = pd.bdate_range("2020-01-01", periods=30)
    rows = [f"{sym},{d.date()},{base + i}" for sym, base in (("AAA", 10), ("BBB", 500))
            for i, d in enumerate(days)]
    return write("symbol,date,price\n" + "\n".join(rows) + "\n")


def test_long_table_of_several_series_is_refused_naming_the_id_column(write):
    from kerascli.errors import DataError
    with pytest.raises(DataError, match=r"holds 2 series in column 'symbol' \(AAA, BBB\).*"
                                        r"--series-column symbol --series AAA"):
        read_series(_long_table(write))  # never one series cut from both (duplicate dates)


def test_long_table_series_is_read_by_its_id(write):
    path = _long_table(write)
    series = read_series(path, series_column="symbol", series_id="BBB")
    assert len(series) == 30 and list(series.values[:2]) == [500.0, 501.0]
    assert series.n_duplicates == 0 and series.frequency == "business-daily"
    assert series.name == "BBB · price" and series.describe()["series_id"] == "BBB"
    assert read_series(path, series_id="AAA").values[0] == 10.0  # the id column found
    from kerascli.errors import DataError
    with pytest.raises(DataError, match=r"no series 'CCC' in column 'symbol'.*AAA, BBB"):
        read_series(path, series_column="symbol", series_id="CCC")
