"""``kerascli runs``' table: one row per run, the options that differ among them, the metrics.

Like guild's ``runs``/``compare``: the columns every run shares (id, command and model,
dataset, status, started, duration), then only the options whose values differ among the
runs listed (the rest would be noise), then the test metrics.
"""
from kerascli.errors import UserError
from kerascli.runs.record import STATUSES, find

# metrics where lower is better (for --sort: best first)
LOWER_IS_BETTER = frozenset({"loss", "rmse", "mae", "mse", "mape", "smape", "mase", "crps"})
FIXED_COLUMNS = ("id", "command", "model", "dataset", "status", "started", "duration_s")


def list_runs(folders, *, model=None, dataset=None, status=None, sort=None):
    """(runs, differing option names, metric names) for the folders, filtered and sorted."""
    runs = find(folders)
    if status is not None and status not in STATUSES and status != "incomplete":
        raise UserError(f"--status {status}: choose one of {', '.join(STATUSES)} or incomplete.")
    if model:
        runs = [r for r in runs if r.model == model]
    if dataset:
        runs = [r for r in runs if r.dataset is not None
                and dataset.lower() in (r.dataset.lower(), _stem(r.dataset))]
    if status == "incomplete":
        runs = [r for r in runs if r.status not in ("complete", "unreadable")]
    elif status:
        runs = [r for r in runs if r.status == status]
    metrics = metric_names(runs)
    if sort:
        runs = sort_runs(runs, sort, metrics)
    return runs, differing_options(runs), metrics


def _stem(name):
    from pathlib import PurePath
    return PurePath(name).stem.lower()


def metric_names(runs):
    names = {}
    for r in runs:
        names.update(dict.fromkeys(r.metrics))
    return list(names)


def sort_runs(runs, metric, known):
    """Best first: descending, or ascending for an error metric (``-NAME`` reverses it);
    runs without the metric last."""
    name, flip = (metric[1:], True) if metric.startswith("-") else (metric, False)
    if name not in known and name not in ("started", "duration"):
        raise UserError(f"--sort {metric}: no listed run has that metric; choose one of "
                        f"{', '.join(known + ['started', 'duration']) or 'started, duration'}.")
    if name in ("started", "duration"):
        key = (lambda r: r.started) if name == "started" else (lambda r: r.duration)
        descending = True
    else:
        def key(r):
            return r.metrics.get(name)
        descending = name not in LOWER_IS_BETTER
    if flip:
        descending = not descending
    have = [r for r in runs if isinstance(key(r), (int, float, str)) and not isinstance(key(r), bool)]
    missing = [r for r in runs if r not in have]
    return sorted(have, key=key, reverse=descending) + missing


def differing_options(runs):
    """Option names whose values are not the same in every readable run that has them (in
    first-seen order): compare's --repeats is no difference between two train runs."""
    readable = [r for r in runs if r.status != "unreadable"]
    names = {}
    for r in readable:
        names.update(dict.fromkeys(r.options))
    missing = object()
    differ = []
    for n in names:
        values = (r.options.get(n, missing) for r in readable)
        first = next(v for v in values if v is not missing)
        if any(v is not missing and v != first for v in values):
            differ.append(n)
    return differ


def rows(runs, option_names, metric_names):
    """One flat dict per run: the fixed columns, the differing options, the metrics."""
    out = []
    for r in runs:
        row = {"id": r.id, "command": r.command, "model": r.model, "dataset": r.dataset,
               "status": r.status, "started": r.started, "duration_s": r.duration}
        row.update({n: r.options.get(n) for n in option_names})
        row.update({n: r.metrics.get(n) for n in metric_names})
        row["note"] = r.problem or (r.reason if r.status != "complete" else None)
        out.append(row)
    return out
