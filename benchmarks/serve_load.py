"""Load check for `kerascli serve`: N concurrent clients on 127.0.0.1 for a bounded time.

    python benchmarks/serve_load.py RUN_DIR [--clients 1,4,16] [--seconds 20]

RUN_DIR is a served cnn run (e.g. `kerascli train cnn --dataset mnist --epochs 1`). Starts
`kerascli serve RUN_DIR --json-only --port 0`, then for each client count runs that many
threads, each POSTing a 280x280 PNG drawing (what the page sends) to /predict back to back
until the time is up. Prints a Markdown table: requests/s, p50/p99 latency, failures, and the
server's memory (peak RSS from /proc, and RSS after each level, to see whether it grows).
"""
import argparse
import io
import re
import shlex
import subprocess
import sys
import threading
import time


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
        for clients in (int(c) for c in args.clients.split(",")):
            latencies, failures = load(url, clients, args.seconds, png)
            ms = np.asarray(latencies) * 1000
            print(f"| {clients} | {args.seconds:g} | {len(latencies)} | {len(failures)} "
                  f"| {len(latencies) / args.seconds:.1f} | {np.percentile(ms, 50):.0f} "
                  f"| {np.percentile(ms, 99):.0f} | {rss_mb(server.pid):.0f} |", flush=True)
            if failures:
                print(f"  first failure: {failures[0]}")
        print(f"\nserver peak RSS (VmHWM): {rss_mb(server.pid, 'VmHWM'):.0f} MB")
    finally:
        server.send_signal(2)
        server.wait(30)


if __name__ == "__main__":
    main()
