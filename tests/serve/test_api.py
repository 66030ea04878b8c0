"""`kerascli serve`'s JSON API against a real server on 127.0.0.1: the same answers as
`kerascli predict --json`, /model and /health, and one-sentence 4xx JSON for every bad request."""
import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

IRIS_COLUMNS = "sepal_length,sepal_width,petal_length,petal_width"
ROWS = [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
        {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]


def _digit_files(folder):
    """Two real digits: one as the model's own 8x8 pixels, one enlarged and inverted (dark on
    white, as a person draws), so resizing and inversion are both exercised."""
    from kerascli import datasets
    x = datasets.load("digits").x_test
    Image.fromarray(x[3, :, :, 0]).save(folder / "three.png")
    big = Image.fromarray(255 - x[0, :, :, 0]).resize((64, 64), Image.Resampling.NEAREST)
    big.convert("RGB").save(folder / "drawn.jpg", quality=95)
    return ["three.png", "drawn.jpg"]


def _files(folder, names, field="file"):
    return [(field, (name, (folder / name).read_bytes())) for name in names]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_images_answer_exactly_what_predict_json_prints(digits_server, digits_dir, http,
                                                        cli_json, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative names: predict echoes the path it was given
    names = _digit_files(tmp_path)
    served = http.post(f"{digits_server.url}/predict?top_k=4", files=_files(tmp_path, names))
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/json"
    printed = cli_json("predict", digits_dir, *names, "--top-k", "4", "--json")
    assert served.json() == printed
    assert [e["inverted"] for e in printed["predictions"]] == [False, True]


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_csv_upload_and_json_rows_answer_what_predict_json_prints(iris_server, iris_dir, http,
                                                                  cli_json, tmp_path,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rows.csv").write_text(IRIS_COLUMNS + "\n" + "\n".join(
        ",".join(str(r[c]) for c in IRIS_COLUMNS.split(",")) for r in ROWS) + "\n")
    printed = cli_json("predict", iris_dir, "rows.csv", "--json")
    uploaded = http.post(f"{iris_server.url}/predict", files=_files(tmp_path, ["rows.csv"]))
    as_json = http.post(f"{iris_server.url}/predict", json={"rows": ROWS})
    by_position = http.post(f"{iris_server.url}/predict",
                            json=[[r[c] for c in IRIS_COLUMNS.split(",")] for r in ROWS])
    assert uploaded.json() == printed and as_json.json() == printed
    assert by_position.json() == printed
    assert [e["top"][0]["class"] for e in printed["predictions"]] == ["setosa", "virginica"]


def test_top_k_in_the_query_or_the_body(iris_server, http):
    one = http.post(f"{iris_server.url}/predict?top_k=1", json={"rows": ROWS[:1]}).json()
    two = http.post(f"{iris_server.url}/predict", json={"rows": ROWS[:1], "top_k": 2}).json()
    assert [len(one["predictions"][0]["top"]), len(two["predictions"][0]["top"])] == [1, 2]


def test_show_input_returns_the_image_the_model_saw(digits_server, http, tmp_path):
    import base64
    import io
    names = _digit_files(tmp_path)
    answer = http.post(f"{digits_server.url}/predict?show_input=1",
                       files=_files(tmp_path, names[1:])).json()["predictions"][0]
    png = base64.b64decode(answer["model_input"].split(",", 1)[1])
    seen = np.asarray(Image.open(io.BytesIO(png)))
    assert seen.shape == (8, 8)
    # the drawing was dark on white; the model saw it inverted, like its training digits
    assert answer["inverted"] and seen[0].mean() < 128


def test_model_and_health(iris_server, iris_dir, http):
    model = http.get(f"{iris_server.url}/model").json()
    metrics = json.loads((iris_dir / "metrics.json").read_text())
    assert model["config"] == json.loads((iris_dir / "config.json").read_text())
    assert model["metrics"] == metrics and model["test_metrics"] == metrics["metrics"]
    assert [f["name"] for f in model["features"]] == IRIS_COLUMNS.split(",")
    # the ranges seen in training (Iris: petal length 1.0-6.9 over all 150 flowers)
    petal = model["features"][2]
    assert 1.0 <= petal["min"] < 1.5 and 6.0 < petal["max"] <= 6.9
    assert http.get(f"{iris_server.url}/health").json() == {"status": "ok",
                                                            "model": str(iris_dir)}


def test_pages_are_chosen_by_the_models_input_and_fetch_nothing_outside(digits_server,
                                                                        iris_server, http):
    digits, iris = (http.get(s.url + "/") for s in (digits_server, iris_server))
    assert digits.headers["content-type"].startswith("text/html")
    for page in (digits.text, iris.text):
        assert "http://" not in page and "https://" not in page and "//cdn" not in page
        assert "<link" not in page and "src=\"" not in page.split("<script id=\"model\"")[0]
    assert '"kind": "image"' in digits.text and '"kind": "table"' in iris.text


BAD = [  # (server, how to send it, status, words the one sentence must contain)
    ("digits", {"files": [("file", ("notes.png", b"this is text, not a PNG"))]}, 400,
     "not an image"),
    ("digits", {"files": [("file", ("empty.png", b""))]}, 400, "empty"),
    ("digits", {"json": {"rows": [[1, 2, 3]]}}, 400, "takes images"),
    ("digits", {"data": {"top_k": "3"}, "files": []}, 415, "content type"),
    ("digits", {"content": b"\x89PNG", "headers": {"content-type": "image/png"}}, 415,
     "multipart/form-data"),
    ("digits", {"files": [("file", ("a.png", b"x"))], "params": {"top_k": "0"}}, 400, "top_k"),
    ("iris", {"json": {"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_len": 1.4,
                                 "petal_width": 0.2}]}}, 400, "unknown feature 'petal_len'"),
    ("iris", {"json": {"rows": [{"sepal_length": 5.1}]}}, 400, "is missing"),
    ("iris", {"json": {"rows": [{**ROWS[0], "petal_width": "wide"}]}}, 400, "not a finite"),
    ("iris", {"json": {"rows": []}}, 400, "no rows"),
    ("iris", {"json": {"rows": ROWS, "topk": 2}}, 400, "unknown key"),
    ("iris", {"content": b"{rows: [", "headers": {"content-type": "application/json"}}, 400,
     "not valid JSON"),
    ("iris", {"files": [("file", ("x.png", b"\x89PNG\r\n\x1a\n"))]}, 400, "not images"),
    ("iris", {"files": [("file", ("bad.csv", b"sepal_length,sepal_width\n1,2\n"))]}, 400,
     "petal_length"),
    ("iris", {"content": b"--x\r\ngarbage", "headers": {
        "content-type": "multipart/form-data; boundary=x"}}, 400, "no file"),
]


@pytest.mark.parametrize("which,request_kwargs,status,words", BAD,
                         ids=[f"{b[0]}-{b[3].split()[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_requests_get_one_sentence_of_json(which, request_kwargs, status, words, request,
                                               http):
    server = request.getfixturevalue(f"{which}_server")
    answer = http.post(f"{server.url}/predict", **request_kwargs)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert words in error and "\n" not in error and error.endswith("."), error
    assert "Traceback" not in server.stderr


def test_requests_past_the_default_size_limit_are_refused_before_reading(iris_server, http):
    big = b"0" * (6 * 2**20)  # the default limit is 5 MB
    for kwargs in ({"files": [("file", ("huge.png", big))]},
                   {"content": big, "headers": {"content-type": "application/json"}},
                   # no Content-Length (chunked): counted while reading
                   {"content": iter([big[:2**20]] * 6), "headers": {
                       "content-type": "application/json"}}):
        answer = http.post(f"{iris_server.url}/predict", **kwargs)
        assert answer.status_code == 413 and "too large" in answer.json()["error"]


def test_an_image_too_big_to_decode_is_refused_not_decoded(digits_server, http):
    import io
    png = io.BytesIO()
    Image.new("1", (14000, 14000)).save(png, format="PNG")  # 196 Mpixels in 24 kB
    answer = http.post(f"{digits_server.url}/predict",
                       files=[("file", ("bomb.png", png.getvalue()))])
    assert answer.status_code == 413 and "too many pixels" in answer.json()["error"]
    assert "Traceback" not in digits_server.stderr


def test_unknown_paths_and_methods_answer_json(iris_server, http):
    missing = http.get(f"{iris_server.url}/nothing-here")
    wrong = http.get(f"{iris_server.url}/predict")
    assert missing.status_code == 404 and missing.json()["error"].startswith("Not Found")
    assert wrong.status_code == 405 and "GET /predict;" in wrong.json()["error"]
    assert all(a.json()["error"].endswith("POST /predict, GET /model and GET /health.")
               for a in (missing, wrong))


def test_concurrent_requests_all_get_their_own_answers(digits_server, http, tmp_path):
    import httpx
    names = _digit_files(tmp_path)
    files = {name: _files(tmp_path, [name]) for name in names}
    alone = {n: http.post(f"{digits_server.url}/predict", files=f).json() for n, f in files.items()}

    def ask(name):
        with httpx.Client(timeout=60) as client:
            return name, client.post(f"{digits_server.url}/predict", files=files[name]).json()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, names * 8))
    assert all(answer == alone[name] for name, answer in answers)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_json_only_on_all_interfaces_warns_and_stops_cleanly_on_ctrl_c(start_server, iris_dir,
                                                                       http):
    server = start_server(iris_dir, "--json-only", "--host", "0.0.0.0")
    url = server.url.replace("0.0.0.0", "127.0.0.1")
    warnings = [line for line in server.lines if "warning" in line]
    assert len(warnings) == 1 and "reachable from the network" in warnings[0]
    index = http.get(url + "/")
    assert index.headers["content-type"] == "application/json" and "POST /predict" in index.text
    assert http.post(f"{url}/predict", json={"rows": ROWS}).status_code == 200
    assert server.stop() == 0
    assert server.stderr.rstrip().endswith("stopped.") and "Traceback" not in server.stderr


def test_the_default_host_is_loopback_only(invoke_serve):
    result, calls = invoke_serve([])
    assert result.exit_code == 0 and calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8000
    assert "warning" not in result.stderr and "at http://127.0.0.1:8000 " in result.stderr


def test_a_busy_port_is_one_line_exit_2_before_the_model_loads(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        # the model does not even exist: the port is checked first, so the port is the error
        proc = subprocess.run([sys.executable, "-m", "kerascli", "serve", str(tmp_path / "none.h5"),
                               "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and f"--port {port}: cannot listen there" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture
def invoke_serve(iris_dir, monkeypatch):
    """Run `kerascli serve` in-process with uvicorn replaced by a recorder."""
    from click.testing import CliRunner
    from kerascli.serving import server
    from kerascli.cli import cli

    calls = []

    class Socket:  # nothing is bound: the test only sees what serve asked for
        def getsockname(self):
            return calls[-1]["host"], calls[-1]["port"]

        def close(self):
            calls[-1]["closed"] = True
    monkeypatch.setattr(server, "listen", lambda host, port: calls.append(
        {"host": host, "port": port}) or Socket())
    monkeypatch.setattr(server, "exit_now", lambda code=0: None)  # keep pytest alive
    monkeypatch.setattr(server, "serve", lambda app, sock, announce=None: (
        announce and announce(), calls[-1].update(served=True)))

    def run(args, model=iris_dir):
        result = CliRunner().invoke(cli, ["serve", str(model), *args], catch_exceptions=False)
        return result, calls
    return run


def test_a_model_that_would_run_code_is_refused_without_unsafe(invoke_serve, tmp_path):
    from kerascli.runtime import keras_module
    keras = keras_module()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Dense(2, activation="softmax")])
    model.save(tmp_path / "lambda.h5")
    refused, calls = invoke_serve([], model=tmp_path / "lambda.h5")
    assert refused.exit_code == 2 and "--unsafe" in refused.stderr
    assert calls[-1].get("closed") and not calls[-1].get("served")
    allowed, calls = invoke_serve(["--unsafe"], model=tmp_path / "lambda.h5")
    assert allowed.exit_code == 0 and calls[-1]["served"]


def test_without_the_serve_extra_it_says_what_to_install(invoke_serve, monkeypatch):
    from kerascli.serving import server
    monkeypatch.setattr(server, "SERVE_PACKAGES",
                        server.SERVE_PACKAGES + [("no_such_module_here", "uvicorn-next")])
    result, calls = invoke_serve([])
    assert result.exit_code == 2 and not calls
    assert 'needs uvicorn-next, which is not installed; pip install "kerascli[serve]".' in \
        result.stderr
