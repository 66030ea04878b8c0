"""Long-format tables (``symbol,date,price``: several series, their dates repeated): finding
the series id column and cutting the table to the rows of one series.
"""
from kerascli.datasets._series_table import find_column, parse_column
from kerascli.errors import DataError


def one_series(frame, dates, date_col, column, series_column, series_id, covariates, path):
    """A long-format table (``symbol,date,price``: several series, their dates repeated) cut to
    the rows of one series, and the name of its id column (None for a single series).

    The id column is ``series_column``, else found: a text column, neither the date nor the
    value column, that makes every (id, date) pair unique while the dates alone repeat.
    Several series and no ``series_id``: refused in one line (never silently one series)."""
    columns = list(frame.columns)
    taken = {date_col, find_column(columns, column) if column else None,
             *(find_column(columns, c) for c in covariates or ())}
    found = None
    if series_column is not None:
        found = find_column(columns, series_column)
        if found is None or found in taken:
            raise DataError(path, f"no series id column {series_column!r} (--series-column); "
                                  f"columns are: {', '.join(columns)}.")
    elif dates is not None and dates.has_duplicates:
        decimal = frame.attrs.get("decimal", ".")
        for col in columns:
            cells = frame[col].str.strip()
            if col in taken or cells.eq("").any() or parse_column(cells, decimal)[1] is None:
                continue  # dates, values, empty cells or numbers: not an id
            n_ids = cells.nunique()
            if 2 <= n_ids <= len(cells) // 2 and not \
                    frame.assign(_d=dates.to_numpy())[[col, "_d"]].duplicated().any():
                found = col
                break
    if found is None:
        if series_id is not None:
            raise DataError(path, f"--series {series_id!r} needs the column holding the series "
                                  "ids: give it with --series-column.")
        return frame, dates, None, None
    cells = frame[found].str.strip()
    ids = list(dict.fromkeys(cells))
    shown = ", ".join(ids[:5]) + (f", ... ({len(ids)} in all)" if len(ids) > 5 else "")
    if series_id is None:
        if len(ids) > 1:
            raise DataError(path, f"holds {len(ids)} series in column {found!r} ({shown}), one "
                                  f"row per series and date; forecast one: --series-column "
                                  f"{found} --series {ids[0]}.")
        series_id = ids[0]
    keep = (cells == str(series_id).strip()).to_numpy()
    if not keep.any():
        raise DataError(path, f"no series {series_id!r} in column {found!r} (--series); the "
                              f"series are: {shown}.")
    attrs = dict(frame.attrs)
    frame = frame.loc[keep].drop(columns=[found]).reset_index(drop=True)
    frame.attrs = attrs
    return frame, (dates[keep] if dates is not None else None), found, str(series_id).strip()
