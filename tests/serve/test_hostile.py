"""Hostile and odd requests against a real `kerascli serve` on 127.0.0.1 (bounded: a fixed
list of requests, each with a timeout): every one gets a 4xx JSON sentence or a good answer,
never a 500, a traceback, a hang or non-strict JSON; the server stays well afterwards."""
import io
import json
import signal
import socket
import time

import pytest

import datafiles

H = {"content-type": "application/json"}
IRIS_ROW = [5.1, 3.5, 1.4, 0.2]


def strict(text):
    """Parse as strict JSON (NaN/Infinity refused, as browsers' JSON.parse does)."""
    def bad(token):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=bad)


def _gif_of_frames(n, size=64):
    from PIL import Image
    frames = [Image.new("L", (size, size), 255 if i == 0 else 0) for i in range(n)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


HOSTILE_JSON = {
    "deep nesting": "[" * 100000,
    "a 401-digit integer": json.dumps({"rows": [[int("9" * 401), 3.5, 1.4, 0.2]]}),
    "top_k Infinity": '{"rows": [[5.1, 3.5, 1.4, 0.2]], "top_k": Infinity}',
    "top_k 2.7": json.dumps({"rows": [IRIS_ROW], "top_k": 2.7}),
    "top_k true": json.dumps({"rows": [IRIS_ROW], "top_k": True}),
    "a float beyond float32": json.dumps({"rows": [[1e39, 3.5, 1.4, 0.2]]}),
    "NaN in a row": '{"rows": [[NaN, 3.5, 1.4, 0.2]]}',
    "a string for a number": json.dumps({"rows": [["x", 3.5, 1.4, 0.2]]}),
    "rows not a list": json.dumps({"rows": 5}),
    "a huge list of empty rows": json.dumps({"rows": [[]] * 10000}),
}


@pytest.mark.parametrize("name", list(HOSTILE_JSON))
def test_hostile_json_gets_400_with_one_sentence(iris_server, http, name):
    r = http.post(f"{iris_server.url}/predict", content=HOSTILE_JSON[name], headers=H)
    assert r.status_code == 400, r.text
    error = strict(r.text)["error"]
    assert error.endswith(".") and "\n" not in error and "Traceback" not in error


@pytest.mark.parametrize("query", ["top_k=3.5", "top_k=2.7", "top_k=inf", "top_k=nan"])
def test_top_k_follows_one_rule_in_the_query_and_the_body(iris_server, http, query):
    r = http.post(f"{iris_server.url}/predict?{query}", json={"rows": [IRIS_ROW]})
    assert r.status_code == 400 and "whole number" in r.json()["error"]
    whole = http.post(f"{iris_server.url}/predict", json={"rows": [IRIS_ROW], "top_k": 2.0})
    assert whole.status_code == 200 and len(whole.json()["predictions"][0]["top"]) == 2


def test_a_png_bomb_is_refused_from_its_header_fast(digits_server, http):
    started = time.perf_counter()
    r = http.post(f"{digits_server.url}/predict",
                  files={"file": ("bomb.png", datafiles.png_header(12000, 12000), "image/png")})
    assert r.status_code == 413, r.text
    assert "12000x12000" in r.json()["error"]
    assert time.perf_counter() - started < 5


def test_an_animated_gif_is_read_from_its_first_frame_only(tmp_path):
    from kerascli.inference.image_inputs import decode_image
    from kerascli.inference.inputs import Upload
    data = _gif_of_frames(50)
    x = decode_image(Upload("a.gif", data), (8, 8, 1))
    assert x.shape == (8, 8, 1) and x.min() == 255  # frame 0 is white, the rest black


def test_a_gif_of_many_frames_answers_quickly(digits_server, http):
    data = _gif_of_frames(3000, size=32)
    started = time.perf_counter()
    r = http.post(f"{digits_server.url}/predict", files={"file": ("many.gif", data, "image/gif")})
    assert r.status_code == 200, r.text
    assert time.perf_counter() - started < 10


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_a_table_with_text_columns_and_empty_cells_is_served(start_server, text_table_dir,
                                                             http):
    server = start_server(text_table_dir)
    r = http.post(f"{server.url}/predict",
                  json={"rows": [{"island": "Dream", "bill": None, "mass": 3100},
                                 {"island": "martian", "bill": 40.1, "mass": 3200}]})
    assert r.status_code == 200, r.text
    first, second = r.json()["predictions"]
    assert first["input"] == "rows.csv row 1" and "unseen" not in first
    assert second["unseen"] == {"island": "martian"}
    form = http.post(f"{server.url}/predict",
                     files={"file": ("rows.csv", b"island,bill,mass\nBiscoe,,3000\n", "text/csv")})
    assert form.status_code == 200, form.text


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_ctrl_c_right_after_the_url_is_a_clean_quick_exit_0(tmp_path, iris_dir, server_class):
    for attempt in range(3):
        server = server_class([iris_dir, "--port", "0", "--json-only"], tmp_path / f"h{attempt}")
        started = time.perf_counter()
        server.proc.send_signal(signal.SIGINT)
        server.proc.wait(30)
        server.reader.join(10)
        assert server.proc.returncode == 0, server.stderr
        assert "interrupted" not in server.stderr and "Traceback" not in server.stderr
        assert time.perf_counter() - started < 5


@pytest.mark.slow  # waits out the server's idle timeout
def test_a_silent_connection_is_closed(iris_server):
    from urllib.parse import urlparse
    from kerascli.serving import server
    where = urlparse(iris_server.url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        started = time.perf_counter()
        assert sock.recv(1) == b""  # the server hung up on a connection that said nothing
        assert time.perf_counter() - started < server.IDLE_SECONDS + 5


def test_attack_suite_counts(iris_server, digits_server, http, capsys):
    """Every hostile request once, then normal service: counts of what came back."""
    attacks = [("iris", {"content": body, "headers": H}) for body in HOSTILE_JSON.values()]
    attacks += [("digits", {"files": {"file": ("bomb.png", datafiles.png_header(w, h), "image/png")}})
                for w, h in ((12000, 12000), (30000, 30000), (1, 10 ** 6))]
    attacks += [("digits", {"files": {"file": ("g.gif", _gif_of_frames(500, 16), "image/gif")}}),
                ("digits", {"files": {"file": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50,
                                               "image/png")}}),
                ("iris", {"content": b"\xff\xfe" * 100, "headers": H}),
                ("iris", {"files": {"file": ("r.csv", b"a,b\n" + b"1," * 5000, "text/csv")}})]
    servers = {"iris": iris_server, "digits": digits_server}
    counts = {"tried": 0, "clean": 0, "tracebacks": 0, "500s": 0, "hangs": 0}
    for which, kwargs in attacks:
        counts["tried"] += 1
        try:
            r = http.post(f"{servers[which].url}/predict", timeout=30, **kwargs)
        except Exception:
            counts["hangs"] += 1
            continue
        counts["500s"] += r.status_code >= 500
        try:
            body = strict(r.text)
        except ValueError:
            body = None
        ok = r.status_code < 500 and body is not None and \
            (r.status_code == 200 or "error" in body)
        counts["clean"] += ok
    logs = iris_server.stderr + digits_server.stderr
    counts["tracebacks"] = logs.count("Traceback")
    with capsys.disabled():
        print(f"\nattack suite: {counts}")
    assert counts["clean"] == counts["tried"], counts
    assert counts["tracebacks"] == 0 and counts["500s"] == 0 and counts["hangs"] == 0
    again = http.post(f"{iris_server.url}/predict", json={"rows": [IRIS_ROW]})
    assert again.status_code == 200
