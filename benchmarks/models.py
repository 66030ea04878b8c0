"""Train every default model on the real datasets and tabulate what it reaches and costs.

Each row is one ``kerascli train MODEL --dataset NAME --json`` in its own process (so peak
memory is that run's: ``ru_maxrss`` of the child, via RUSAGE_CHILDREN after it exits), with the
model's default settings and seeds 1..N. Writes the section "Default models on the real
datasets" of benchmarks/RESULTS.md, with the issue's target for each row and whether it holds.

    python benchmarks/models.py [--seeds 3]           # all (cifar, alexnet: long on 2 cores)
    python benchmarks/models.py --only logreg,mlp      # a subset (by model, or model:dataset)
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

# model, dataset, metric, accuracy target, seconds target for the whole process (the issue's)
RUNS = [
    ("logreg", "iris", "accuracy", 0.93, 120),
    ("logreg", "fashion-mnist", "accuracy", 0.84, 120),
    ("linreg", "iris", "r2", None, 120),
    ("mlp", "mnist", "accuracy", 0.982, 120),
    ("cnn", "mnist", "accuracy", 0.992, None),  # its time target is a ratio: peers.py
    ("alexnet", "mnist", "accuracy", 0.992, 300),
    ("cifar", "cifar10", "accuracy", 0.85, 600),  # issue 30 (the first round: 0.80)
    ("lstm", "sp500", "rmse", None, 120),
    ("forecast", None, None, None, 120),  # `kerascli forecast` with its defaults (S&P 500)
]


def run_one(model, dataset, data_dir, out, seed):
    exe = Path(sys.executable).with_name("kerascli")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    # a series model reads a CSV or the shipped S&P 500: it has no --data-dir
    data = [] if model == "lstm" else ["--data-dir", str(data_dir)]
    command = ([str(exe), "forecast"] if dataset is None else
               [str(exe), "train", model, "--dataset", dataset, *data])
    proc = subprocess.run(command + ["--json", "-o", str(out), "--seed", str(seed)],
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


spread = _common.mean_range


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated models or model:dataset pairs")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N per model")
    args = parser.parse_args()
    data_dir = _common.data_dir()
    wanted = set(args.only.split(",")) if args.only else None
    rows, load_start, started = [], os.getloadavg()[0], time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kerascli-bench-") as out:
        for model, dataset, metric, target, seconds_target in RUNS:
            if wanted and model not in wanted and f"{model}:{dataset}" not in wanted:
                continue
            runs = []
            for seed in range(1, args.seeds + 1):
                print(f"train {model} --dataset {dataset} --seed {seed} ...", file=sys.stderr,
                      flush=True)
                r = run_one(model, dataset, data_dir, out, seed)
                if "error" in r:
                    runs = r
                    break
                runs.append(r)
                print(f"  process {r['wall']:.1f} s", file=sys.stderr, flush=True)
            if isinstance(runs, dict):
                rows.append(f"| {model} | {dataset} | - | failed: {runs['error']} | | | | |")
                continue
            values = [r["result"]["metrics"][metric] for r in runs] if metric else []
            walls = [r["wall"] for r in runs]
            verdicts = []
            if target is not None:
                mean = statistics.fmean(values)
                verdicts.append(f"mean {'>=' if mean >= target else '**<**'} {target:g}")
            if seconds_target is not None:
                verdicts.append(f"slowest {'<=' if max(walls) <= seconds_target else '**>**'} "
                                f"{seconds_target} s")
            epochs = runs[0]["result"].get("epochs_run", "-")
            train = [r["result"]["train_seconds"] for r in runs if "train_seconds" in r["result"]]
            peak = max(r["peak_mib"] for r in runs)
            shown = f"{metric} {spread(values, '{:.4f}')}" if metric else "- (forecast section)"
            rows.append(f"| {model} | {dataset or 'sp500 (shipped)'} | {epochs} | {shown} | "
                        f"{spread(train, '{:.1f}') if train else '-'} | {spread(walls, '{:.1f}')} | "
                        f"{peak:.0f} | {'; '.join(verdicts) or '-'} |")
            print(rows[-1], file=sys.stderr, flush=True)
    command = (f"python benchmarks/models.py --seeds {args.seeds}"
               + (f" --only {args.only}" if args.only else ""))
    body = (f"Command: `{command}`. Machine: {_common.machine()}. Shared with other processes "
            f"(load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end): "
            f"seconds are inflated by contention. Whole run "
            f"{time.perf_counter() - started:.0f} s. Each run is `kerascli train MODEL --dataset "
            f"NAME --seed S --json` with the model's defaults in its own process, seeds 1-"
            f"{args.seeds}; figures are the mean (range) over the seeds. \"train s\" is the fit "
            f"time kerascli reports, \"process s\" the whole command (TensorFlow import, data "
            f"loading, test scoring, saving); peak memory is the largest child's maximum "
            f"resident set size. Targets are the issue's (accuracy: the mean; time: the slowest "
            f"seed's whole process).\n\n"
            "| model | dataset | epochs | test metric, mean (range) | train s | process s | "
            "peak MiB | target |\n|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))
    title = "Default models on the real datasets" + (f" (subset: {args.only})" if args.only else "")
    _common.write_section(title, body)
    print(body)


if __name__ == "__main__":
    main()
