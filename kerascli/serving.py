"""``kerascli serve``: one loaded model behind a local web page and a JSON API.

Built on Starlette and uvicorn, imported only when ``serve`` runs (``kerascli --help`` stays
instant). The routes:

- ``GET /``: one self-contained page (no external script, font or stylesheet), chosen by the
  model's input: a drawing canvas and image drop for image models, a form for table models.
- ``POST /predict``: image or CSV files (``multipart/form-data``) or JSON rows; the answer is
  exactly what ``kerascli predict --json`` prints for the same inputs, because both go through
  :func:`kerascli.inference.predict`. ``?top_k=N`` as in ``--top-k``; ``?show_input=1`` adds
  each image as the model saw it (a small PNG data URL), for the page.
- ``GET /model``: the run's config.json and test metrics; ``GET /health``.

Bad requests get a 4xx JSON ``{"error": "one sentence"}``. Predictions run in a worker thread,
one at a time (a lock around the model), so the event loop keeps accepting requests.
"""
import csv
import io
import json
import math
import threading
from pathlib import Path

from kerascli import inference
from kerascli.errors import UserError

DEFAULT_MAX_MB = 5  # a phone photo fits; far more than a drawing or a CSV of rows needs
MAX_TOP_K = 100
MAX_FILES = 64
PAGE = Path(__file__).with_name("serve_page.html")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# what `pip install "kerascli[serve]"` adds: (module, distribution)
SERVE_PACKAGES = [("starlette", "starlette"), ("uvicorn", "uvicorn"),
                  ("python_multipart", "python-multipart")]


def check_installed():
    """One line naming the missing package when the serve extra is not installed."""
    import importlib.util

    for module, dist in SERVE_PACKAGES:
        if importlib.util.find_spec(module) is None:
            raise UserError(f"kerascli serve needs {dist}, which is not installed; "
                            "pip install \"kerascli[serve]\".")


class BadRequest(Exception):
    """A request the server refuses: an HTTP status and one sentence saying what to fix."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Served:
    """The model being served (loaded once) and what the page and /model say about it."""

    def __init__(self, run, name):
        self.run = run
        self.name = name  # the MODEL argument as typed: predict --json echoes it as "model"
        self.lock = threading.Lock()
        self.description = describe(run, name)

    def predict(self, inputs, top_k, show_input=False):
        """The JSON ``kerascli predict --json`` prints for ``inputs`` (one at a time)."""
        with self.lock:
            entries, batch = inference.predict(self.run, inputs, top_k=top_k, with_inputs=True)
        if show_input:
            for entry, x in zip(entries, batch):
                if "inverted" in entry:  # an image: show what the model saw
                    entry["model_input"] = png_data_url(x)
        return {"model": self.name, "predictions": entries}

    def warm_up(self):
        """One prediction on a blank input, so the first request does not pay for tracing."""
        import numpy as np
        from kerascli.core.metrics import predict_outputs

        with self.lock:
            predict_outputs(self.run.model, np.zeros((1,) + self.run.input_shape, np.float32))


def describe(run, name):
    """What the page and ``GET /model`` show: the input kind, shape, classes, features."""
    record = run.record or {}
    shape = list(run.input_shape)
    kind = "image" if len(shape) == 3 else "table" if len(shape) == 1 else "other"
    info = {"model": name, "model_path": str(run.model_path), "kind": kind, "input_shape": shape,
            "task": run.task, "class_names": run.class_names,
            "dataset": record.get("dataset_name") or (record.get("dataset") or {}).get("name"),
            "architecture": (record.get("config") or {}).get("model"),
            "background": record.get("background"),
            "test_metrics": (run.metrics or {}).get("metrics")}
    if kind == "table":
        names = (record.get("dataset") or {}).get("feature_names")
        kinds = (record.get("dataset") or {}).get("column_kinds") or ["numeric"] * shape[0]
        info["features"] = [{"name": n, "kind": k, "min": lo, "max": hi} for n, k, lo, hi in
                            zip(names or [f"x{i + 1}" for i in range(shape[0])], kinds,
                                *training_ranges(run, shape[0]))]
        info["named_features"] = bool(names)
        info["text_cells"] = bool((record.get("dataset") or {}).get("column_kinds"))
    return info


def training_ranges(run, n_features):
    """Per feature (min, max) over the training rows, when the run's data can still be read
    (None for a column that is not numeric)."""
    import pandas as pd

    none = [None] * n_features
    if not run.record:
        return none, none
    try:
        x = inference.test_dataset(run).x_train
    except UserError:  # the data moved or is gone: the form still works, without ranges
        return none, none
    frame = pd.DataFrame(x).apply(pd.to_numeric, errors="coerce")

    def shown(v):  # without float32 noise: 4.3, not 4.300000190734863
        return None if pd.isna(v) else float(f"{v:.6g}")
    return [shown(v) for v in frame.min()], [shown(v) for v in frame.max()]


def png_data_url(x):
    """An HxWxC uint8 array as a ``data:image/png;base64,...`` URL."""
    import base64

    import numpy as np
    from PIL import Image

    x = np.asarray(x)
    image = Image.fromarray(x[:, :, 0] if x.shape[-1] == 1 else x)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------- reading requests

def top_k_value(value, default=3):
    if value is None or value == "":
        return default
    try:
        k = int(value)
    except (TypeError, ValueError):
        k = 0
    if isinstance(value, bool) or not 1 <= k <= MAX_TOP_K:
        raise BadRequest(400, f"top_k={value!r}: give a whole number from 1 to {MAX_TOP_K}.")
    return k


def json_rows(body, description):
    """JSON rows -> (an :class:`inference.Upload` holding them as CSV, top_k or None).

    Accepts ``{"rows": [...], "top_k": 3}`` or a bare list; a row is an object by feature name
    or a list in the features' order. They are predicted as the CSV file ``rows.csv`` with
    these rows would be (inputs named ``rows.csv:2``, ``rows.csv:3``... as predict names
    CSV rows by line)."""
    try:
        payload = json.loads(body)
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
            number = isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value)
            text = kinds[name] != "numeric" and isinstance(value, str)
            empty = description["text_cells"] and value is None  # an empty cell, as in a CSV
            if not (number or text or empty):
                raise BadRequest(400, f"row {i}, feature {name!r}: {value!r} is not a finite "
                                      f"number{' or text' if kinds[name] != 'numeric' else ''}.")
        table.append(["" if v is None else repr(v) if isinstance(v, float) else v
                      for v in values])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([names] + table)
    return inference.Upload("rows.csv", text.getvalue().encode()), top_k


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
            uploads.append(inference.Upload(name, data))
    finally:
        await form.close()
    if not uploads:
        raise BadRequest(400, "no file in the form; send image or CSV files as "
                              "multipart/form-data.")
    return uploads, top_k


# ---------------------------------------------------------------- the application

def make_app(served, max_bytes=DEFAULT_MAX_MB * 2**20, page=True):
    """The Starlette application serving ``served`` (a :class:`Served`)."""
    import anyio
    from PIL import Image
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from kerascli.artifacts import json_default

    class JSON(Response):  # rendered as predict --json renders (NaN allowed, NumPy values)
        media_type = "application/json"

        def render(self, content):
            return json.dumps(content, default=json_default).encode("utf-8")

    html = render_page(served.description) if page else None

    async def index(request):
        if html is None:
            return JSON({"endpoints": ["POST /predict", "GET /model", "GET /health"],
                         "model": served.name})
        return HTMLResponse(html)

    async def predict(request):
        top_k = top_k_value(request.query_params.get("top_k"))
        show_input = request.query_params.get("show_input") in ("1", "true", "yes")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ("multipart/form-data", "application/json"):
            raise BadRequest(415, f"content type {ctype or 'none'!r} is not accepted; send "
                                  "files as multipart/form-data or rows as application/json.")
        body = await read_body(request, max_bytes)
        if ctype == "application/json":
            upload, field_k = json_rows(body, served.description)
            inputs = [upload]
        else:
            inputs, field_k = await multipart_inputs(request, body, max_bytes)
        if field_k is not None:
            top_k = top_k_value(field_k)
        result = await anyio.to_thread.run_sync(served.predict, inputs, top_k, show_input)
        return JSON(result)

    async def model(request):
        return JSON({**served.description, "config": served.run.record,
                     "metrics": served.run.metrics})

    async def health(request):
        return JSON({"status": "ok", "model": served.name})

    async def bad_request(request, exc):
        return JSON({"error": str(exc)}, status_code=exc.status)

    async def user_error(request, exc):  # a file the model cannot take: inference's one line
        return JSON({"error": str(exc)}, status_code=400)

    async def too_many_pixels(request, exc):
        return JSON({"error": "the image has too many pixels to decode safely; send a smaller "
                              "image."}, status_code=413)

    async def http_error(request, exc):
        where = (f": {request.method} {request.url.path}; this server answers GET /, POST "
                 "/predict, GET /model and GET /health." if exc.status_code in (404, 405) else "")
        return JSON({"error": f"{exc.detail}{where}"}, status_code=exc.status_code)

    async def server_error(request, exc):  # a bug, not bad input: no traceback to the client
        return JSON({"error": "internal error; the server log says more."}, status_code=500)

    return Starlette(
        routes=[Route("/", index), Route("/predict", predict, methods=["POST"]),
                Route("/model", model), Route("/health", health)],
        exception_handlers={BadRequest: bad_request, UserError: user_error,
                            Image.DecompressionBombError: too_many_pixels,
                            HTTPException: http_error, Exception: server_error})


def render_page(description):
    """The page, with the model's description inlined (it fetches nothing but /predict)."""
    data = json.dumps(description).replace("</", "<\\/")
    return PAGE.read_text(encoding="utf-8").replace("/*MODEL*/null", data)


def is_loopback(host):
    return host in LOOPBACK or host.startswith("127.")


def listen(host="127.0.0.1", port=8000):
    """A socket listening on ``host``:``port`` (0: a free port), or one line saying why not.
    Opened before the model loads, so a busy port is reported at once."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise UserError(f"--host {host}: not an address or a known host name.") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"--host {host} --port {port}: cannot listen there "
                        f"({exc.strerror or exc}); choose another --port.") from None
    return sock


def url_of(sock):
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(app, sock):
    """Run ``app`` with uvicorn on ``sock`` (from :func:`listen`) until Ctrl-C or SIGTERM;
    returns normally after a clean shutdown."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled after shutting down
        pass
    finally:
        sock.close()
