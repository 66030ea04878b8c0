"""Load check for `kerascli serve`: N concurrent clients on 127.0.0.1 for a bounded time.

    python benchmarks/serve_load.py RUN_DIR [--clients 1,4,16] [--seconds 20]

RUN_DIR is a served cnn run (e.g. `kerascli train cnn --dataset mnist --epochs 1`). Starts
`kerascli serve RUN_DIR --json-only --port 0`, then for each client count runs that many
threads, each POSTing a 280x280 PNG drawing (what the page sends) to /predict back to back
until the time is up. Prints a Markdown table: requests/s, p50/p99 latency, failures, and the
server's memory (peak RSS from /proc, and RSS after each level, to see whether it grows).

With ``--hostile``, the last client count runs twice: before and after a fixed list of
hostile requests (decompression bombs, a GIF of 3,000 frames, deeply nested and overflowing
JSON); both rows are printed, with each hostile request's status and time and the RSS
against the warm-up figure (the server should be as fast and as small afterwards).
"""
import argparse
import io
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from datafiles import png_header  # noqa: E402  (the bomb header the serve tests use too)


def drawing_png():
    """A "3" drawn dark on white in a 280x280 canvas, as the page sends it."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (280, 280), "white")
    draw = ImageDraw.Draw(image)
    draw.arc((92, 56, 188, 140), start=200, end=90, fill="black", width=22)
    draw.arc((85, 138, 195, 234), start=270, end=150, fill="black", width=22)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def many_frames_gif(frames=3000, size=64):
    from PIL import Image
    images = [Image.new("L", (size, size), i % 256) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def hostile_requests():
    """(name, httpx.post keyword arguments): what a hostile client sends."""
    json_type = {"content-type": "application/json"}
    return [
        ("PNG 12000x12000 (header)", {"files": [("file", ("bomb.png", png_header(12000, 12000)))]}),
        ("PNG 30000x30000 (header)", {"files": [("file", ("bomb.png", png_header(30000, 30000)))]}),
        ("GIF of 3,000 frames", {"files": [("file", ("many.gif", many_frames_gif()))]}),
        ("JSON nested 100,000 deep", {"content": "[" * 100000, "headers": json_type}),
        ("JSON 401-digit integer", {"content": '{"rows": [[%s]]}' % ("9" * 401),
                                    "headers": json_type}),
        ("JSON top_k Infinity", {"content": '{"rows": [[1]], "top_k": Infinity}',
                                 "headers": json_type}),
        ("JSON 1e39", {"content": '{"rows": [[1e39]]}', "headers": json_type}),
    ]


def send_hostile(url):
    """Each hostile request once; prints its status and time, returns how many got a 5xx
    or no answer."""
    import httpx
    bad = 0
    print("\n| hostile request | status | seconds |\n|---|---:|---:|")
    with httpx.Client(timeout=60) as http:
        for name, kwargs in hostile_requests():
            start = time.perf_counter()
            try:
                status = http.post(f"{url}/predict", **kwargs).status_code
            except Exception as exc:  # counted, not fatal
                status = type(exc).__name__
            bad += not isinstance(status, int) or status >= 500
            print(f"| {name} | {status} | {time.perf_counter() - start:.2f} |", flush=True)
    return bad


def load(url, clients, seconds, png):
    """Run ``clients`` threads for ``seconds``; returns (latencies in s, failures)."""
    import httpx
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        with httpx.Client(timeout=60) as http:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    answer = http.post(f"{url}/predict", files=[("file", ("drawing.png", png))])
                    ok = answer.status_code == 200 and answer.json()["predictions"][0]["top"]
                except Exception as exc:  # a failure to count, not to stop the run
                    ok, answer = False, exc
                elapsed = time.perf_counter() - start
                with lock:
                    (latencies if ok else failures).append(elapsed if ok else repr(answer))
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--clients", default="1,4,16",
                        help="Comma-separated client counts, run one after another.")
    parser.add_argument("--seconds", type=float, default=20.0, help="Time per client count.")
    parser.add_argument("--hostile", action="store_true",
                        help="Run the last client count again after the hostile requests.")
    args = parser.parse_args()
    import numpy as np

    print("$ python benchmarks/serve_load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    server = subprocess.Popen([sys.executable, "-m", "kerascli", "serve", args.run_dir,
                               "--json-only", "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stderr:
            found = re.search(r"serving .* at (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            sys.exit("kerascli serve did not start")
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe empty
        png = drawing_png()
        load(url, 1, 2.0, png)  # warm-up, not counted
        rss_start = rss_mb(server.pid)
        print(f"\nserver RSS after warm-up: {rss_start:.0f} MB\n")
        print("| clients | seconds | requests | failures | requests/s | p50 ms | p99 ms "
              "| server RSS after, MB |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        counts = [int(c) for c in args.clients.split(",")]

        def level(clients, label=""):
            latencies, failures = load(url, clients, args.seconds, png)
            ms = np.asarray(latencies) * 1000 if latencies else np.asarray([np.nan])
            print(f"| {clients}{label} | {args.seconds:g} | {len(latencies)} | {len(failures)} "
                  f"| {len(latencies) / args.seconds:.1f} | {np.percentile(ms, 50):.0f} "
                  f"| {np.percentile(ms, 99):.0f} | {rss_mb(server.pid):.0f} |", flush=True)
            if failures:
                print(f"  first failure: {failures[0]}")
        for clients in counts:
            level(clients, " (before hostile)" if args.hostile and clients == counts[-1] else "")
        if args.hostile:
            bad = send_hostile(url)
            rss_hostile = rss_mb(server.pid)
            print(f"\nhostile requests answered 5xx or not at all: {bad}; server RSS right "
                  f"after them: {rss_hostile:.0f} MB\n")
            print("| clients | seconds | requests | failures | requests/s | p50 ms | p99 ms "
                  "| server RSS after, MB |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|")
            level(counts[-1], " (after hostile)")
            rss_end = rss_mb(server.pid)
            print(f"\nserver RSS at the end: {rss_end:.0f} MB, "
                  f"{100 * (rss_end - rss_start) / rss_start:+.1f}% against warm-up")
        print(f"\nserver peak RSS (VmHWM): {rss_mb(server.pid, 'VmHWM'):.0f} MB")
    finally:
        server.send_signal(2)
        server.wait(30)


if __name__ == "__main__":
    main()
