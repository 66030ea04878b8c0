"""Reading a request: its body within the size limit, the files of a multipart form, JSON rows
turned into the CSV they stand for, and ``top_k``; anything wrong is a :class:`BadRequest`
(an HTTP status and one sentence saying what to fix)."""
import csv
import io
import json
import math
from pathlib import Path

from kerascli.inference.inputs import Upload
from kerascli.inference.table_inputs import FLOAT32_MAX

MAX_TOP_K = 100
MAX_FILES = 64


class BadRequest(Exception):
    """A request the server refuses: an HTTP status and one sentence saying what to fix."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def top_k_value(value, default=3):
    """``top_k`` from the query, a form field or the JSON body, one rule for all: a whole
    number from 1 to MAX_TOP_K (``3`` or ``3.0``; ``2.7``, ``"3.5"``, ``true``, Infinity are
    refused)."""
    if value is None or value == "":
        return default
    number = None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    whole = number is not None and math.isfinite(number) and float(number).is_integer()
    if not whole or not 1 <= number <= MAX_TOP_K:
        shown = value if isinstance(value, str) and len(value) <= 20 else \
            (str(value)[:20] + "..." if len(str(value)) > 20 else value)
        raise BadRequest(400, f"top_k={shown!r}: give a whole number from 1 to {MAX_TOP_K}.")
    return int(number)


def finite_float32(value):
    """A JSON number the model's float32 inputs hold (an int of 400 digits or 1e39 do not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return abs(value) <= FLOAT32_MAX
    return math.isfinite(value) and abs(value) <= FLOAT32_MAX


def json_rows(body, description):
    """JSON rows -> (an :class:`~kerascli.inference.inputs.Upload` holding them as CSV, top_k
    or None).

    Accepts ``{"rows": [...], "top_k": 3}`` or a bare list; a row is an object by feature name
    or a list in the features' order. They are predicted as the CSV file ``rows.csv`` with
    these rows would be (inputs named ``rows.csv row 1``, ``rows.csv row 2``... as predict
    names CSV rows)."""
    try:
        payload = json.loads(body)
    except RecursionError:
        raise BadRequest(400, "the JSON is nested too deeply; send {\"rows\": [{feature: "
                              "value, ...}]}.") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(400, "the body is not valid JSON; send {\"rows\": [{feature: value, "
                              "...}]}.") from None
    top_k = None
    if isinstance(payload, dict):
        unknown = sorted(set(payload) - {"rows", "top_k"})
        if unknown:
            raise BadRequest(400, f"unknown key {unknown[0]!r}; send {{\"rows\": [...], "
                                  "\"top_k\": 3}.")
        top_k = payload.get("top_k")
        payload = payload.get("rows")
    if description["kind"] != "table":
        raise BadRequest(400, "this model takes images, not rows; send image files as "
                              "multipart/form-data.")
    names = [f["name"] for f in description["features"]]
    if not isinstance(payload, list) or not payload:
        raise BadRequest(400, "no rows; send {\"rows\": [{feature: value, ...}, ...]} with at "
                              "least one row.")
    kinds = {f["name"]: f["kind"] for f in description["features"]}
    table = []
    for i, row in enumerate(payload, start=1):
        if isinstance(row, dict):
            unknown = [k for k in row if k not in names]
            missing = [n for n in names if n not in row]
            if unknown or missing:
                what = (f"unknown feature {unknown[0]!r}" if unknown
                        else f"feature {missing[0]!r} is missing")
                raise BadRequest(400, f"row {i}: {what}; the model's features are: "
                                      f"{', '.join(names)}.")
            values = [row[n] for n in names]
        elif isinstance(row, list):
            if len(row) != len(names):
                raise BadRequest(400, f"row {i}: {len(row)} values but the model takes "
                                      f"{len(names)} ({', '.join(names)}).")
            values = row
        else:
            raise BadRequest(400, f"row {i}: give an object by feature name or a list of "
                                  f"{len(names)} values.")
        for name, value in zip(names, values):
            number = finite_float32(value)
            text = kinds[name] != "numeric" and isinstance(value, str)
            empty = description["text_cells"] and value is None  # an empty cell, as in a CSV
            if not (number or text or empty):
                shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
                raise BadRequest(400, f"row {i}, feature {name!r}: {shown} is not a finite "
                                      "number a float32 holds (at most 3.4e38)"
                                      f"{' or text' if kinds[name] != 'numeric' else ''}.")
        table.append(["" if v is None else repr(v) if isinstance(v, float) else v
                      for v in values])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([names] + table)
    return Upload("rows.csv", text.getvalue().encode()), top_k


async def read_body(request, max_bytes):
    """The request body, refused past ``max_bytes`` (by Content-Length, else while reading)."""
    limit = f"the limit is {max_bytes / 2**20:g} MB (kerascli serve --max-upload-mb)"
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        raise BadRequest(400, "a malformed Content-Length header.") from None
    if declared > max_bytes:
        raise BadRequest(413, f"the request is too large ({declared / 2**20:.1f} MB); {limit}.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BadRequest(413, f"the request is too large (over {max_bytes / 2**20:g} MB); "
                                  f"{limit}.")
        chunks.append(chunk)
    return b"".join(chunks)


async def multipart_inputs(request, body, max_bytes):
    """Files of a multipart body -> ([Upload...], top_k field or None)."""
    from starlette.formparsers import MultiPartException
    from starlette.requests import Request

    async def replay():  # the body was read (and size-checked) already: hand it to the parser
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=MAX_FILES, max_fields=16,
                                                         max_part_size=max_bytes)
    except MultiPartException as exc:
        raise BadRequest(400, f"a malformed multipart body ({exc.message}).") from None
    uploads, top_k = [], None
    try:
        for field, value in form.multi_items():
            if isinstance(value, str):
                if field != "top_k":
                    raise BadRequest(400, f"unknown form field {field!r}; send files (and "
                                          "optionally top_k).")
                top_k = value
                continue
            data = await value.read()
            name = Path(value.filename or field).name or "upload"
            if not data:
                raise BadRequest(400, f"{name}: the file is empty.")
            uploads.append(Upload(name, data))
    finally:
        await form.close()
    if not uploads:
        raise BadRequest(400, "no file in the form; send image or CSV files as "
                              "multipart/form-data.")
    return uploads, top_k
