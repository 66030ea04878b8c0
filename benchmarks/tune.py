"""`kerascli tune`: what a search finds against the model's defaults, and how long it takes.

Runs ``kerascli tune MODEL --dataset D --trials N`` (or ``--timeout``), then trains the best
trial's settings (``train MODEL --config best.json``) and the defaults with ``--seeds`` seeds
each on the same split, and writes a RESULTS.md section: trials run, pruned and failed, the
best trial's validation accuracy, the test accuracy of both (mean and spread over the seeds),
and the time.

    python benchmarks/tune.py mlp --dataset digits --trials 6
    python benchmarks/tune.py cnn --dataset fashion-mnist --timeout 20m   # the issue's study
    python benchmarks/tune.py mlp --dataset spam7.csv --trials 20 -- --label yesno
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_section  # noqa: E402


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "kerascli", *map(str, args), "--json"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"kerascli {' '.join(map(str, args))} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def spread(values):
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.4f} ± {sd:.4f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--timeout")
    parser.add_argument("--seeds", type=int, default=3)
    parser.epilog = "More tune options (data options such as --label) go after --."
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.extra = argv[cut + 1:]  # argparse's nargs="*" cannot take options after --
    work = Path(tempfile.mkdtemp(prefix="kerascli-tune-"))
    command = ["tune", args.model, "--dataset", args.dataset, "--out", work, "--study", "bench",
               *(["--trials", args.trials] if args.trials else []),
               *(["--timeout", args.timeout] if args.timeout else []), *args.extra]
    started = time.perf_counter()
    study = cli(*command)
    tune_seconds = time.perf_counter() - started
    metric = study["metric"]
    states = [t["state"] for t in study["trials"]]
    pruned = [t for t in study["trials"] if t["state"] == "pruned"]
    best, default = {}, {}
    # the defaults as the study's base config holds them (its data options, --label...), with
    # the settings still to choose ("auto": epochs with early stopping) not yet chosen: a run's
    # own config.json holds them chosen (epochs: the 770-epoch cap, no early stopping)
    best_record = json.loads(Path(study["files"]["best"]).read_text())
    best_record.pop("tune", None)
    default_config = work / "default.json"
    default_config.write_text(json.dumps({**best_record, "config": json.loads(
        (Path(study["study_dir"]) / "tune.json").read_text())["train"]}))
    for seed in range(42, 42 + args.seeds):
        best[seed] = cli("train", args.model, "--config", Path(study["files"]["best"]),
                         "--seed", seed, "--out", work / "final")["metrics"][metric]
        default[seed] = cli("train", args.model, "--config", default_config, "--seed", seed,
                            "--out", work / "final")["metrics"][metric]
    params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in study["best"]["params"].items())
    body = f"""`python benchmarks/tune.py {' '.join(sys.argv[1:])}`

{machine()}. Trials score validation {metric} (10% of the training part); the test set is
scored only after the search, by the best trial's settings and the defaults retrained with
{args.seeds} seeds (`train --config best.json --seed S`).

| | value |
|---|---|
| trials | {len(states)}: {states.count('complete')} complete, {len(pruned)} pruned ({', '.join(f"#{t['number']} after {t['epochs']} epochs" for t in pruned) or 'none'}), {states.count('failed')} failed |
| search time | {tune_seconds:.0f} s (with the default run and the scoring) |
| best trial | #{study['best']['number']}: {params} |
| best trial, validation {metric} | {study['best']['value']:.4f} |
| default run, validation {metric} | {study['default_validation'][metric]:.4f} |
| best settings, test {metric} ({args.seeds} seeds) | {spread(list(best.values()))} |
| defaults, test {metric} ({args.seeds} seeds) | {spread(list(default.values()))} |
"""
    title = f"Hyperparameter search: tune {args.model} on {args.dataset}"
    write_section(title, body)
    print(body)


if __name__ == "__main__":
    main()
