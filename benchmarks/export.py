"""File size and single-input latency of each export format against model.h5 in Keras.

    python benchmarks/export.py RUN_DIR [RUN_DIR ...] [--repeats 200] [--write]

Each RUN_DIR is a finished train run (the issue asks for the cnn and cifar defaults:
`kerascli train cnn --dataset mnist`, `kerascli train cifar`). Every format is exported with
`kerascli.exporting.export_run` (so it is also checked on the run's test inputs) into a
temporary folder; then one test input at a time is run `--repeats` times through Keras
(`model(x, training=False)` on the loaded model.h5, and `model.predict` for reference) and
through each format's own runtime, and the median and p95 are printed as a Markdown table.
`--write` puts the table, under this command and how each run was trained (its config.json),
in RESULTS.md's "Export formats: size and single-input latency" section. The size and the
latency do not depend on the epochs, so `kerascli train cifar --epochs 1` measures the same
network as the default's 14 epochs (about 8 minutes on a quiet 2-core CPU).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _common  # noqa: E402

FORMATS = ("saved_model", "onnx", "litert")


def _timed(fn, x, repeats):
    fn(x)  # warm-up: graph tracing, allocation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def measure(run_dir, repeats):
    from kerascli import exporting
    from kerascli.inference.evaluate import test_dataset
    from kerascli.inference.saved_run import load_run

    run = load_run(run_dir)
    x = test_dataset(run).x_test[:1]
    h5 = run.model_path.stat().st_size
    rows = [(run_dir.name, "model.h5 (Keras, model(x))", h5,
             *_timed(lambda v: run.model(v, training=False), x.astype("float32"), repeats))]
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            try:
                info = exporting.export_run(run_dir, fmt, out=Path(tmp) / fmt)
            except Exception as exc:  # a refusal or a missing extra: say so in the table
                rows.append((run_dir.name, fmt, None, None, str(exc)[:80]))
                continue
            target = Path(info["file"])
            run_once = exporting.runner(fmt, target)
            rows.append((run_dir.name, f"{fmt} ({info['runtime']['package']})",
                         info["size_bytes"], *_timed(run_once, x, repeats)))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    lines = ["| run | format (runtime) | size | latency p50 (ms) | p95 (ms) |",
             "|---|---|---:|---:|---:|"]
    for run_dir in args.runs:
        for name, fmt, size, p50, p95 in measure(run_dir, args.repeats):
            if size is None:
                lines.append(f"| {name} | {fmt} | - | refused: {p95} | |")
            else:
                lines.append(f"| {name} | {fmt} | {size / 2**20:.2f} MiB | {p50:.3f} | {p95:.3f} |")
    table = "\n".join(lines)
    command = (f"python benchmarks/export.py {' '.join('RUNS/' + r.name for r in args.runs)} "
               f"--repeats {args.repeats} --write")
    body = (f"```\n{command}\n```\n\nWritten by `benchmarks/export.py` on {_common.machine()}; "
            f"load average {os.getloadavg()[0]:.1f} at the end. The runs: "
            + "; ".join(trained_as(r) for r in args.runs)
            + ". Size and latency depend on the network, not on how long it trained. Latency: "
            f"one test input at a time, {args.repeats} calls after a warm-up, median and 95th "
            "percentile; model.h5 is Keras' `model(x, training=False)` on the loaded file, "
            "each export its own runtime as `kerascli export` checks it.\n\n" + table + "\n")
    print(body)
    if args.write:
        _common.write_section("Export formats: size and single-input latency", body)


def trained_as(run_dir):
    """How a run was trained, from its config.json (model, dataset, epochs) and metrics.json."""
    import json
    record = json.loads((run_dir / "config.json").read_text())
    config = record.get("config", {})
    metrics = json.loads((run_dir / "metrics.json").read_text()).get("metrics", {})
    accuracy = metrics.get("accuracy")
    return (f"`{run_dir.name}` = `kerascli train {config.get('model')} --dataset "
            f"{record.get('dataset_name')} --epochs {config.get('epochs')}`"
            + (f" (test accuracy {accuracy:.4f})" if accuracy is not None else ""))


if __name__ == "__main__":
    main()
