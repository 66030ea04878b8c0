"""`kerascli compare` on Fashion-MNIST: logreg and mlp against scikit-learn's LogisticRegression,
MLPClassifier and RandomForest on the official split, beside Zalando's published figures.

Each run is one ``kerascli compare MODEL --dataset fashion-mnist --baseline ... --seed S --json``
in its own process, seeds 1..N. Every baseline is fitted once per seed: the logreg compare
fits logistic-regression and random-forest, the mlp compare fits mlp (its own counterpart).
Both compares load the same official split (the split fingerprint each reports is checked to
be one), and a baseline given the same seed on the same rows makes the same fit, so asking
both compares for all three would fit each baseline twice for identical rows. Writes the
section "compare on Fashion-MNIST: ..." of benchmarks/RESULTS.md.

    python benchmarks/compare_fashion.py [--seeds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

DATASET = "fashion-mnist"
# (Keras model, the baselines its compare fits): each baseline in exactly one compare
RUNS = [
    ("logreg", ("logistic-regression", "random-forest")),
    ("mlp", ("mlp",)),
]

# baselines that draw nothing at random (lbfgs): the same rows give the same fit whatever the
# seed, so they are fitted with seed 1 only (a fit takes 5-10 minutes on 2 cores)
DETERMINISTIC = ("logistic-regression",)

# Zalando's published figures, from Table 3 ("Benchmark on Fashion-MNIST (Fashion) and
# MNIST", test accuracy, the mean of 5 runs with shuffled training data) of Xiao, Rasul and
# Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
# Algorithms", arXiv:1708.07747, the copy zalandoresearch/fashion-mnist kept as doc/arxiv.pdf
# (commit a9a50793d39d8a8a8bcd9c2b1de3da9e64b9efe5). The configurations are the grid of that
# repository's benchmark/baselines.json, which lists parameters only, no accuracies (the
# full results are on the benchmark's web page, PUBLISHED_PAGE). Their runs, not re-measured.
PAPER = ("https://github.com/zalandoresearch/fashion-mnist/blob/"
         "a9a50793d39d8a8a8bcd9c2b1de3da9e64b9efe5/doc/arxiv.pdf")
GRID = "https://github.com/zalandoresearch/fashion-mnist/blob/master/benchmark/baselines.json"
PUBLISHED_PAGE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# baseline row -> (closest published configuration, its Fashion test accuracy, how ours differs)
PUBLISHED = {
    "sklearn:logistic-regression": (
        "LogisticRegression C=1 multi_class=ovr penalty=l2", 0.841,
        "ours is multinomial (lbfgs); the table has no multinomial row"),
    "sklearn:mlp": (
        "MLPClassifier activation=relu hidden_layer_sizes=[100]", 0.871,
        "ours stops early on a 10% validation part"),
    "sklearn:random-forest": (
        "RandomForestClassifier n_estimators=100 criterion=gini max_depth=100", 0.872,
        "ours: no depth limit"),
}
# The README's table of submitted benchmarks ("we haven't yet tested these results"): its
# nearest to kerascli's mlp (512-512 with dropout), for context only.
README = "https://github.com/zalandoresearch/fashion-mnist#benchmark"
README_MLP = ("MLP 256-128-64", 0.900)


def run_one(model, baselines, seed, data_dir, out):
    """One ``kerascli compare`` process; its JSON document and wall seconds."""
    command = [sys.executable, "-m", "kerascli", "compare", model, "--dataset", DATASET,
               "--data-dir", str(data_dir), "-o", str(out), "--seed", str(seed), "--json"]
    for name in baselines:
        command += ["--baseline", name]
    started = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
        raise SystemExit(f"compare {model} --seed {seed} failed ({proc.returncode}): {tail[0]}")
    return json.loads(proc.stdout), wall


spread = _common.mean_range


def shown_command(model, baselines):
    once = [b for b in baselines if b in DETERMINISTIC]
    return (f"kerascli compare {model} --dataset {DATASET} "
            + " ".join(f"--baseline {b}" for b in baselines) + " --seed S --json"
            + (f"  (S > 1: without {', '.join(once)})" if once else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N per compare")
    args = parser.parse_args()
    data_dir = _common.data_dir()
    load_start, started = os.getloadavg()[0], time.perf_counter()
    docs = {model: [] for model, _ in RUNS}  # model -> [(doc, wall)] by seed
    with tempfile.TemporaryDirectory(prefix="kerascli-compare-") as out:
        for seed in range(1, args.seeds + 1):  # seeds outermost: the models share the load
            for model, baselines in RUNS:
                baselines = [b for b in baselines if seed == 1 or b not in DETERMINISTIC]
                print(f"compare {model} --seed {seed} ...", file=sys.stderr, flush=True)
                doc, wall = run_one(model, baselines, seed, data_dir, out)
                docs[model].append((doc, wall))
                print(f"  {wall:.0f} s", file=sys.stderr, flush=True)
    splits = {d["split"]["sha256"] for runs in docs.values() for d, _ in runs}
    if len(splits) != 1:
        raise SystemExit(f"the compares saw {len(splits)} different splits: {sorted(splits)}")
    first = docs[RUNS[0][0]][0][0]

    rows, verdicts = [], []
    for model, _ in RUNS:
        runs = [d for d, _ in docs[model]]
        for entry in runs[0]["models"]:
            per_seed = [m for r in runs for m in r["models"] if m["name"] == entry["name"]]
            accuracy = [v for m in per_seed for v in m["metrics"]["accuracy"]["values"]]
            fit_seconds = [v for m in per_seed for v in m["train_seconds"]["values"]]
            notes = list(dict.fromkeys(w for m in per_seed for w in m["warnings"]))
            published = PUBLISHED.get(entry["name"])
            beside = (f"{published[0]}: {published[1]:.3f} ({published[2]})" if published else "-")
            estimator = entry["estimator"].replace(f"random_state={runs[0]['seeds'][0]}",
                                                   "random_state=S")
            if entry["kind"] == "keras":
                train = runs[0]["config"]["train"]
                estimator += (f", {train['epochs']} epochs, batch {train['batch_size']}, "
                              f"{train['optimizer']} {train['learning_rate']:g}")
            rows.append(f"| {entry['name']} | {estimator} | "
                        f"{spread(accuracy, '{:.4f}')} | {statistics.fmean(fit_seconds):.1f} | "
                        f"{beside} | {'; '.join(notes)[:300] or '-'} |")
        best = [r["verdict"] for r in runs]
        separated = sum(bool(v["separated"]) for v in best)
        verdicts.append(f"`compare {model}`: best {', '.join(sorted({v['best'] for v in best}))} "
                        f"over {', '.join(sorted({v['runner_up'] for v in best}))}, separable "
                        f"(McNemar p < 0.05) in {separated} of {len(best)} seeds; whole process "
                        f"{spread([w for _, w in docs[model]], '{:.0f}')} s")

    commands = "\n".join(f"    {shown_command(m, b)}" for m, b in RUNS)
    body = (
        f"Command: `python benchmarks/compare_fashion.py --seeds {args.seeds}`, which runs, for "
        f"seeds S = 1..{args.seeds}, each in its own process:\n\n{commands}\n\n"
        f"Machine: {_common.machine()}. Shared with other processes (load average "
        f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end): seconds are "
        f"inflated by contention. Whole run {(time.perf_counter() - started) / 60:.0f} min. "
        f"Split: the official one, {first['split']['n_train']:,} training / "
        f"{first['split']['n_test']:,} test images, one fingerprint for every run "
        f"(sha256 {first['split']['sha256'][:12]}...). Each scikit-learn baseline is fitted "
        f"once per seed, in the compare named in its row (a second compare would fit it again "
        f"with the same seed on the same rows). Test accuracy is the mean (range) over the "
        f"seeds; fit s is the fit time compare reports (Keras: training; scikit-learn: "
        f"`Pipeline.fit`), mean over the seeds. Notes are compare's warnings. LogisticRegression's "
        f"lbfgs draws nothing at random, so the same rows give the same fit whatever the seed: "
        f"it is fitted once, in the seed-1 run (its row has one value).\n\n"
        "Published: the closest configuration in Table 3 of Zalando's Fashion-MNIST paper "
        f"([arXiv:1708.07747](https://arxiv.org/abs/1708.07747), the copy in their repository: "
        f"{PAPER}), mean test accuracy of 5 runs with shuffled training data; the "
        f"configurations are the grid of their benchmark/baselines.json ({GRID}), which holds "
        f"no accuracies (the full table: {PUBLISHED_PAGE}). These figures are from their runs "
        "(scikit-learn of 2017), quoted, not re-measured here.\n\n"
        "| model | estimator | test accuracy, mean (range) | fit s | published (Zalando) "
        "| notes |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        + "\n".join(f"- {v}" for v in verdicts) + "\n"
        f"- Zalando's README table of submitted, untested results ({README}) has no "
        f"scikit-learn rows; its nearest to kerascli's mlp (512-512, dropout 0.2) is "
        f"\"{README_MLP[0]}\": {README_MLP[1]:.3f}.")
    _common.write_section("compare on Fashion-MNIST: logreg and mlp against scikit-learn", body)
    print(body)


if __name__ == "__main__":
    main()
