"""Train every default model on the real datasets and tabulate what it reaches and costs.

Each row is one ``kerascli train MODEL --dataset NAME --json`` in its own process (so peak
memory is that run's: ``ru_maxrss`` of the child, via RUSAGE_CHILDREN after it exits), with the
model's default settings. Writes the section "Default models on the real datasets" of
benchmarks/RESULTS.md, with the classic reference beside each row and whether the issue's
target is met.

    python benchmarks/models.py                   # all (cnn, alexnet, cifar: long on 2 cores)
    python benchmarks/models.py --only logreg,mlp  # a subset (by model, or model:dataset)
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

# model, dataset, metric, target (from the issue), classic reference
RUNS = [
    ("logreg", "iris", "accuracy", 0.93, "-"),
    ("logreg", "fashion-mnist", "accuracy", 0.84, "softmax regression on Fashion-MNIST ~84%"),
    ("linreg", "iris", "r2", None, "-"),
    ("mlp", "mnist", "accuracy", 0.982, "MLP on MNIST 98.24% after 20 epochs"),
    ("cnn", "mnist", "accuracy", 0.992, "LeNet-style CNN on MNIST 99.2%; keras-io mnist_convnet "
                                        "99.22% after 15 epochs"),
    ("alexnet", "mnist", "accuracy", None, "-"),
    ("cifar", "cifar10", "accuracy", 0.75, "-"),
    ("lstm", "sp500", "rmse", None, "-"),
]


def run_one(model, dataset, data_dir, out):
    exe = Path(sys.executable).with_name("kerascli")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([str(exe), "train", model, "--dataset", dataset, "--json", "-o", str(out),
                           "--data-dir", str(data_dir)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    result = json.loads(proc.stdout)
    # RUSAGE_CHILDREN is the maximum over all children so far: exact for the first run and
    # for any run that peaks higher than the earlier ones, a lower bound otherwise
    return {"result": result, "wall": wall, "peak_mib": peak / 1024,
            "peak_exact": peak > before or before == 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated models or model:dataset pairs")
    args = parser.parse_args()
    data_dir = _common.data_dir()
    wanted = set(args.only.split(",")) if args.only else None
    rows, load_start = [], os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kerascli-bench-") as out:
        for model, dataset, metric, target, reference in RUNS:
            if wanted and model not in wanted and f"{model}:{dataset}" not in wanted:
                continue
            print(f"train {model} --dataset {dataset} ...", file=sys.stderr, flush=True)
            r = run_one(model, dataset, data_dir, out)
            if "error" in r:
                rows.append(f"| {model} | {dataset} | - | failed: {r['error']} | | | | | {reference} |")
                continue
            res = r["result"]
            value = res["metrics"][metric]
            verdict = "" if target is None else (" (target met)" if value >= target
                                                 else f" (**below target {target:.1%}**)")
            shown = f"{metric} {value:.4f}{verdict}"
            epochs = res["epochs_run"]
            rows.append(f"| {model} | {dataset} | {epochs} | {shown} | {res['train_seconds']:.1f} | "
                        f"{res['train_seconds'] / max(epochs, 1):.2f} | {r['wall']:.1f} | "
                        f"{r['peak_mib']:.0f}{'' if r['peak_exact'] else ' (>=)'} | {reference} |")
            print(rows[-1], file=sys.stderr, flush=True)
    body = (f"Machine: {_common.machine()}. Shared with other processes (load average "
            f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end): seconds are inflated "
            f"by contention. Command: `python benchmarks/models.py"
            f"{' --only ' + args.only if args.only else ''}`; each row is `kerascli train MODEL "
            f"--dataset NAME --json` with the model's defaults in its own process; \"train s\" is "
            f"the fit time kerascli reports, \"process s\" the whole command (TensorFlow import, "
            f"data loading, test scoring, saving); peak memory is the child's maximum resident set "
            f"size.\n\n"
            "| model | dataset | epochs | test metric | train s | s/epoch | process s | peak MiB | "
            "classic reference |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))
    title = "Default models on the real datasets" + (f" (subset: {args.only})" if args.only else "")
    _common.write_section(title, body)
    print(body)


if __name__ == "__main__":
    main()
