#!/usr/bin/env python
"""The fixed cost of a `kerascli train` process, stage by stage, beside a plain-Keras floor.

    benchmarks/fixed_cost.py --seeds 3                 # cnn and mlp on MNIST, 2 epochs each
    benchmarks/fixed_cost.py --models mlp --epochs 3 --no-write

Each seed is one whole process, `python -m kerascli train MODEL --dataset mnist --seed S`, run
with KERASCLI_STAGE_TIMES pointing at a file where kerascli appends its stage times
(kerascli/stages.py: clock reads at stage boundaries, nothing else). The stages:

- interpreter start + CLI import: from launching the process to kerascli's entry point;
- TensorFlow/Keras import: kerascli.runtime.keras_module's import;
- data read and checks: the IDX files read and checked, or their parsed copy (the one a first
  run makes: the script loads MNIST once before the seeds);
- validation split + tf.data set-up;
- model build + tracing: building and compiling; the first training step's time beyond a
  steady step (the mean of the first epoch's other steps: the training step's graph tracing);
  the first epoch's validation time beyond the median of the later epochs' (the evaluation
  step's tracing); and fit()'s own set-up before the first epoch;
- training proper: the rest of fit() (reported, not fixed cost);
- test scoring: predict on the test part (its tracing included) and the metrics;
- saving: config.json (with the data's fingerprint), metrics, history, predictions, model.h5,
  backups removed;
- other: option parsing, checks, run directory, model summary (what no stage covers);
- exit: from kerascli's report at exit to the process's end (interpreter teardown).

The floor: `python -c pass` as a whole process; `import tensorflow` and `import keras` timed
inside a process of their own, and the `import keras` process's exit (from its last line to
its end); reading the same four IDX gz files with gzip + numpy.frombuffer, no checks (timed
inside a process of its own). Each is measured once per round of kerascli's seeds.
"""
import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common  # noqa: E402

ROWS = [  # (key, label, fixed cost?)
    ("start", "interpreter start + CLI import", True),
    ("keras", "TensorFlow/Keras import", True),
    ("read", "data read and checks (IDX files or their parsed copy)", True),
    ("split", "validation split + tf.data set-up", True),
    ("build", "model build + first-step tracing", True),
    ("train", "training proper (not fixed cost)", False),
    ("score", "test scoring (predict + metrics)", True),
    ("save", "saving (config, metrics, model.h5, clean-up)", True),
    ("other", "other (options, checks, run dir, summary)", True),
    ("exit", "interpreter exit", True),
]

NUMPY_IDX = """
import gzip, sys, time
import numpy as np
t0 = time.perf_counter()
d = sys.argv[1]
def images(name):
    data = gzip.open(f"{d}/{name}").read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)
def labels(name):
    return np.frombuffer(gzip.open(f"{d}/{name}").read(), np.uint8, offset=8)
x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
xt, yt = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
print(time.perf_counter() - t0)
"""


def run_kerascli(model, seed, epochs, out, env):
    """One whole process; returns {stage key: seconds} and the metrics."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as f:
        times_file = f.name
    try:
        command = [sys.executable, "-m", "kerascli", "train", model, "--dataset", "mnist",
                   "--seed", str(seed), "--epochs", str(epochs), "-o", out, "--json"]
        launched = time.time()
        done = subprocess.run(command, env={**env, "KERASCLI_STAGE_TIMES": times_file},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ended = time.time()
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        report = json.loads(Path(times_file).read_text().splitlines()[-1])
    finally:
        os.unlink(times_file)
    stages, epochs = report["stages"], report["notes"]["epochs"]
    first = epochs[0]
    steady_step = (first["train"] - first["first_step"]) / max(1, first["steps"] - 1)
    validation = [e["seconds"] - e["train"] for e in epochs]  # validation and epoch-end work
    tracing = ((first["first_step"] - steady_step)  # the training step's tracing
               + (validation[0] - statistics.median(validation[1:])))  # the evaluation step's
    extra = tracing + stages.get("fit", 0.0) - sum(e["seconds"] for e in epochs)  # fit's set-up
    row = {"start": report["began"] - launched, "keras": stages.get("keras import", 0.0),
           "read": stages.get("data read", 0.0), "split": stages.get("data split", 0.0),
           "build": stages.get("build", 0.0) + extra,
           "train": stages.get("fit", 0.0) - extra, "score": stages.get("score", 0.0),
           "save": stages.get("save", 0.0), "other": report["other"],
           "exit": ended - report["ended"], "total": ended - launched}
    metrics = json.loads(done.stdout)["metrics"]
    return row, metrics


def floor(env, data_dir):
    """{key: seconds} of the plain floor, one measurement each."""
    def whole(code):
        t0 = time.time()
        subprocess.run([sys.executable, "-c", code], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.time() - t0

    def imported(module):  # (import seconds, exit seconds) in a process of its own
        code = (f"import time\nt = time.perf_counter()\nimport {module}\n"
                "print(time.perf_counter() - t)\nprint(time.time(), flush=True)")
        done = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                              capture_output=True, text=True)
        ended = time.time()
        seconds, printed = done.stdout.split()
        return float(seconds), ended - float(printed)
    python = whole("pass")
    tf, _ = imported("tensorflow")
    keras, keras_exit = imported("keras")  # TensorFlow backend: imports TensorFlow too
    idx = float(subprocess.run([sys.executable, "-c", NUMPY_IDX, str(data_dir / "mnist")],
                               env=env, check=True, capture_output=True, text=True).stdout)
    return {"python": python, "tensorflow": tf, "keras": keras, "idx": idx, "exit": keras_exit}


def load_seconds(env):
    """Seconds to load MNIST through kerascli's dataset registry, in a process of its own."""
    code = ("import time\nt = time.perf_counter()\nfrom kerascli.datasets import load\n"
            "load('mnist')\nprint(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                capture_output=True, text=True).stdout)


cell = functools.partial(_common.mean_range, fmt="{:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cnn,mlp")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N, one process each")
    parser.add_argument("--epochs", type=int, default=2,
                        help="at least 2 (the evaluation step's tracing is the first epoch's "
                        "validation time beyond the later epochs')")
    parser.add_argument("--no-write", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs: at least 2 (a later epoch's validation is needed beside the "
                     "first's).")
    models = args.models.split(",")
    data_dir = _common.data_dir()
    env = {**os.environ, "KERASCLI_DATA_DIR": str(data_dir), "KERAS_BACKEND": "tensorflow"}
    env.pop("KERASCLI_VERBOSE", None)
    # the parsed copy of the IDX files (kerascli.datasets._idx), as every run after the first
    # finds it: made once here if missing; a first load (fresh cache) timed beside a later one
    with tempfile.TemporaryDirectory(prefix="kerascli-fixed-cache-") as fresh:
        first_load = load_seconds({**env, "KERASCLI_CACHE_DIR": fresh})
    load_seconds(env)
    later_load = load_seconds(env)
    rows = {m: [] for m in models}
    metrics = {m: [] for m in models}
    floors = []
    with tempfile.TemporaryDirectory(prefix="kerascli-fixed-") as out:
        for seed in range(1, args.seeds + 1):  # interleaved: models and floor in each round
            floors.append(floor(env, data_dir))
            for model in models:
                row, m = run_kerascli(model, seed, args.epochs, out, env)
                rows[model].append(row)
                metrics[model].append(m)
                print(f"{model} seed {seed}: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items())
                      + f"; accuracy {m['accuracy']:.4f}", file=sys.stderr, flush=True)
    floor_of = {"start": [f["python"] for f in floors], "keras": [f["keras"] for f in floors],
                "read": [f["idx"] for f in floors], "exit": [f["exit"] for f in floors]}
    head = "| stage | " + " | ".join(f"`train {m}` s" for m in models) + " | plain floor s |"
    lines = [head, "|---" * (len(models) + 2) + "|"]
    for key, label, _ in ROWS:
        fl = cell(floor_of[key]) if key in floor_of else ""
        lines.append(f"| {label} | " + " | ".join(cell([r[key] for r in rows[m]]) for m in models)
                     + f" | {fl} |")
    fixed = {m: [r["total"] - r["train"] for r in rows[m]] for m in models}
    lines.append("| **fixed cost (all but training proper)** | "
                 + " | ".join(f"**{cell(fixed[m])}**" for m in models) + " | |")
    lines.append("| whole process | " + " | ".join(cell([r["total"] for r in rows[m]])
                                                   for m in models) + " | |")
    accuracy = "; ".join(f"{m} " + ", ".join(f"{x['accuracy']:.4f}" for x in metrics[m])
                         for m in models)
    tf_only = cell([f["tensorflow"] for f in floors])
    command = (f"benchmarks/fixed_cost.py --models {args.models} --seeds {args.seeds} "
               f"--epochs {args.epochs}")
    body = (f"Command: `{command}`. Machine: {_common.machine()}; load average at the end "
            f"{os.getloadavg()[0]:.1f}.\n\n"
            f"Each seed (1..{args.seeds}) is one whole `python -m kerascli train MODEL --dataset "
            f"mnist --epochs {args.epochs} --seed S` process; stage times come from kerascli's "
            "own stage clock (`KERASCLI_STAGE_TIMES`, kerascli/stages.py). Seconds, mean (range) "
            "over the seeds. Tracing: the first training step's time beyond the mean of the "
            "first epoch's other steps, plus the first epoch's validation time beyond the later "
            "epochs' median, plus fit()'s set-up before the first epoch; training proper: the "
            "rest of fit(). "
            "Plain floor: `python -c pass` for the interpreter; `import keras` timed inside its "
            f"own process (`import tensorflow` alone: {tf_only}), and that process's exit; the "
            "four IDX gz files read with gzip + numpy.frombuffer, no checks, for the data.\n\n"
            + "\n".join(lines) + f"\n\nTest accuracy per seed: {accuracy}. The seeds read "
            "the IDX files' parsed copy in KERASCLI_CACHE_DIR, as every run after the first "
            f"does: loading MNIST took {first_load:.2f} s with an empty cache (the gzip files "
            f"parsed and checked, the copy written) and {later_load:.2f} s from the copy.")
    print(body)
    if not args.no_write:
        _common.write_section("Fixed cost of a training process, stage by stage", body)


if __name__ == "__main__":
    main()
