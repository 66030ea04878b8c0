"""``kerascli runs compare``: runs side by side, and a paired test where it means something.

Configuration and test metrics side by side; learning curves overlaid in one PNG; for two
classifiers scored on the same test rows (equal ``test_rows_sha256`` in metrics.json),
McNemar's exact test on their saved test predictions, as ``kerascli compare`` does
(:func:`kerascli.core.metrics.mcnemar`, as compare uses). Runs scored on different rows are refused in one line.
"""
import csv
from pathlib import Path

from kerascli.errors import UserError
from kerascli.runs import record
from kerascli.runs.listing import differing_options

PREDICTIONS = "test_predictions.csv"


def read_runs(paths):
    """The :class:`~kerascli.runs.record.Run` of each path; one line for one that is not."""
    runs = []
    for path in paths:
        path = Path(path)
        if not path.is_dir():
            raise UserError(f"{path}: no such run directory.")
        run = record.read(path, path.name)
        if run.status == "unreadable":
            raise UserError(f"{path}: cannot be read ({run.problem}).")
        runs.append(run)
    if len({r.id for r in runs}) < len(runs):  # same names in two folders: the paths
        for r in runs:
            r.id = str(r.path)
    return runs


def compare(paths, show_all=False):
    """{"runs", "config", "metrics", "test"} for the runs in ``paths`` (plus "runs_read",
    the Run objects, for the command to plot)."""
    runs = read_runs(paths)
    names = (list(dict.fromkeys(k for r in runs for k in r.options)) if show_all
             else differing_options(runs))
    fixed = {"command": [r.command for r in runs], "model": [r.model for r in runs],
             "dataset": [r.dataset for r in runs], "status": [r.status for r in runs]}
    config = {k: v for k, v in fixed.items() if show_all or len(set(map(repr, v))) > 1}
    config.update({n: [r.options.get(n) for r in runs] for n in names})
    metric_names = list(dict.fromkeys(k for r in runs for k in r.metrics))
    metrics = {m: [r.metrics.get(m) for r in runs] for m in metric_names}
    result = {"runs": [{"id": r.id, "path": str(r.path)} for r in runs], "config": config,
              "metrics": metrics, "test": None, "runs_read": runs}
    if len(runs) == 2 and all(r.task == "classification" for r in runs):
        result["test"] = paired_test(*runs)
    return result


def scored_file(path, name):
    """The run's own ``name`` (test_predictions.csv, metrics.json, history.csv), else that of
    compare's first-seed Keras run in keras/; None when neither exists."""
    for folder in (Path(path), Path(path) / record.OWN_SUBRUNS[0]):
        if (folder / name).is_file():
            return folder / name
    return None


def _test_rows(run):
    path = scored_file(run.path, "metrics.json")
    try:
        import json
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (AttributeError, OSError, ValueError):
        return None
    return doc.get("test_rows_sha256") if isinstance(doc, dict) else None


def paired_test(a, b):
    """McNemar's exact test of two classifiers' test predictions; UserError (one line) when
    they were not scored on the same test rows."""
    from kerascli import comparing

    rows_a, rows_b = _test_rows(a), _test_rows(b)
    kept = {r.id: scored_file(r.path, PREDICTIONS) is not None for r in (a, b)}
    if rows_a is None or rows_b is None or not all(kept.values()):
        missing = a if rows_a is None or not kept[a.id] else b
        return {"test": None, "line": f"no paired test: {missing.id} kept no test predictions "
                                      "(a run made before kerascli runs, or not a classifier)."}
    if rows_a != rows_b:
        raise UserError(f"{a.id} and {b.id} are not comparable: they were scored on different "
                        f"test rows (dataset {a.dataset} vs {b.dataset}, split seed "
                        f"{a.options.get('split_seed')} vs {b.options.get('split_seed')}, test "
                        f"size {a.options.get('test_size')} vs {b.options.get('test_size')}); "
                        "train them on the same data and split to compare them.")
    y_a, p_a = read_predictions(a)
    y_b, p_b = read_predictions(b)
    if y_a != y_b:
        raise UserError(f"{a.id} and {b.id} are not comparable: their saved test labels differ.")
    from kerascli.core import metrics
    p = metrics.mcnemar(y_a, p_a, p_b)
    right_a = sum(t == x for t, x in zip(y_a, p_a))
    right_b = sum(t == x for t, x in zip(y_a, p_b))
    verdict = "separable" if p < comparing.ALPHA else "not separable"
    return {"test": "mcnemar", "p_value": p, "n_test": len(y_a),
            "correct": {a.id: right_a, b.id: right_b}, "separated": p < comparing.ALPHA,
            "line": f"McNemar's exact test on the {len(y_a):,} shared test rows: p = {p:.3g}, "
                    f"{verdict} ({right_a:,} vs {right_b:,} right)"}


def read_predictions(run):
    """(y_true, y_pred) of the run's saved test predictions; UserError when not such a table."""
    path = scored_file(run.path, PREDICTIONS) or run.path / PREDICTIONS
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [int(r["y_true"]) for r in rows], [int(r["y_pred"]) for r in rows]
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, TypeError, ValueError):
        raise UserError(f"{path}: not a y_true,y_pred table.") from None


def history(path):
    """history.csv as {metric: [values]} (the run's own, else compare's keras/); {} if none."""
    candidate = scored_file(path, "history.csv")
    if candidate is None:
        return {}
    try:
        with open(candidate, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    curves = {}
    for row in rows:
        for k, v in row.items():
            if k == "epoch" or k is None:
                continue
            try:
                curves.setdefault(k, []).append(float(v))
            except (TypeError, ValueError):
                pass
    return curves


def plot_curves(runs, path):
    """The runs' learning curves (loss, and accuracy where recorded) overlaid in one PNG."""
    from kerascli import plots

    curves = {r.id: history(r.path) for r in runs}
    panels = [m for m in ("loss", "accuracy") if any(m in c for c in curves.values())]
    if not panels:
        raise UserError("--plot: none of these runs kept a history.csv (learning curves).")
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for ax, metric in zip(axes[0], panels):
        for i, (name, c) in enumerate(curves.items()):
            color = f"C{i % 10}"
            if metric in c:
                ax.plot(range(1, len(c[metric]) + 1), c[metric], color=color, label=f"{name}")
            if f"val_{metric}" in c:
                ax.plot(range(1, len(c[f"val_{metric}"]) + 1), c[f"val_{metric}"], color=color,
                        linestyle="--", label=f"{name} (validation)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("learning curves (dashed: validation)")
    return plots.save_figure(fig, Path(path))
