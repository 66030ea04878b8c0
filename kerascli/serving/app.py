"""The web application: Starlette routes (``/``, ``/predict``, ``/model``, ``/health``), every
answer strict JSON, every refusal a 4xx JSON ``{"error": "one sentence"}``, and the page."""
import json
import math
from pathlib import Path

from kerascli.errors import UserError
from kerascli.inference.image_inputs import TooManyPixels
from kerascli.serving.request_inputs import (BadRequest, json_rows, multipart_inputs,
                                             read_body, top_k_value)

DEFAULT_MAX_MB = 5  # a phone photo fits; far more than a drawing or a CSV of rows needs
PAGE = Path(__file__).with_name("serve_page.html")


def make_app(served, max_bytes=DEFAULT_MAX_MB * 2**20, page=True):
    """The Starlette application serving ``served`` (a
    :class:`~kerascli.serving.served_model.Served`)."""
    import anyio
    from PIL import Image
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from kerascli.artifacts import json_default

    class JSON(Response):  # every answer: strict JSON (no NaN/Infinity), NumPy values
        media_type = "application/json"

        def render(self, content):
            return strict_json(content, json_default).encode("utf-8")

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
        return JSON({"error": str(exc) if isinstance(exc, TooManyPixels) else
                     "the image has too many pixels to decode safely; send a smaller image."},
                    status_code=413)

    async def http_error(request, exc):
        where = (f": {request.method} {request.url.path}; this server answers GET /, POST "
                 "/predict, GET /model and GET /health." if exc.status_code in (404, 405) else "")
        return JSON({"error": f"{exc.detail}{where}"}, status_code=exc.status_code)

    async def server_error(request, exc):  # a bug, not bad input: no traceback to the client
        return JSON({"error": "internal error; the server log says more."}, status_code=500)

    return Starlette(
        routes=[Route("/", index), Route("/predict", predict, methods=["POST"]),
                Route("/model", model), Route("/health", health)],
        exception_handlers={BadRequest: bad_request, TooManyPixels: too_many_pixels,
                            UserError: user_error,
                            Image.DecompressionBombError: too_many_pixels,
                            HTTPException: http_error, Exception: server_error})


def strict_json(content, default=None):
    """``content`` as strict JSON: a float that is not finite (NaN, Infinity) becomes null,
    so every client's parser reads every answer."""
    try:
        return json.dumps(content, default=default, allow_nan=False)
    except ValueError:
        pass

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    return json.dumps(clean(json.loads(json.dumps(content, default=default))),
                      allow_nan=False)


def render_page(description):
    """The page, with the model's description inlined (it fetches nothing but /predict)."""
    data = strict_json(description).replace("</", "<\\/")
    return PAGE.read_text(encoding="utf-8").replace("/*MODEL*/null", data)
