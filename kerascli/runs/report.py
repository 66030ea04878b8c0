"""``kerascli runs report RUN``: one self-contained HTML page about a run.

Everything is inline (images as base64 ``data:`` URIs, no script, no stylesheet link), so the
page opens offline and can be mailed. The model summary comes from model.h5's
``model_config`` attribute through h5py: no TensorFlow.
"""
import base64
import csv
import html
import io
import json
from pathlib import Path

from kerascli import artifacts
from kerascli.errors import UserError
from kerascli.runs import compare as runs_compare
from kerascli.runs import record

IMAGES = (("learning_curves.png", "Learning curves"), ("confusion_matrix.png", "Confusion matrix"),
          ("forecast.png", "Forecast"), ("comparison.png", "Comparison"))
STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;
padding:.2rem .5rem;text-align:left}th{background:#f4f4f4}img{max-width:100%}
code{background:#f4f4f4;padding:0 .2rem}"""


def write(run_dir, output=None, command=None):
    """Write the page (default RUN/report.html, atomically); returns its path. ``command``:
    the command line that remakes the run (the CLI knows its own option spellings)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: no such run directory.")
    run = record.read(run_dir)
    if run.status == "unreadable":
        raise UserError(f"{run_dir}: cannot be read ({run.problem}).")
    output = Path(output) if output else run_dir / "report.html"
    artifacts.check_writable_dir(output.parent, option=f"--output {output}")
    return artifacts.write_text(output, render(run, command))


def _esc(value):
    return html.escape("-" if value is None else str(value))


def _table(rows, header=None):
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{_esc(_fmt(c))}</td>" for c in row) + "</tr>")
    return "".join(out) + "</table>"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


def _img(data, alt):
    return (f'<img alt="{_esc(alt)}" src="data:image/png;base64,'
            f'{base64.b64encode(data).decode("ascii")}">')


def render(run, command=None):
    """The HTML page of a :class:`~kerascli.runs.record.Run` (``command``: the line that
    remakes it, shown under Command)."""
    rec = run.record
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{_esc(run.id)}: kerascli run</title><style>{STYLE}</style></head><body>",
             f"<h1>{_esc(run.command)} {_esc(run.model)} on {_esc(run.dataset)}</h1>",
             f"<p>Run directory <code>{_esc(run.path)}</code>: <strong id='status'>"
             f"{_esc(run.status)}</strong>"
             + (f" ({_esc(run.reason)})" if run.reason else "")
             + f"; started {_esc(run.started)}, {_esc(run.duration)} s.</p>",
             "<h2>Command</h2>",
             f"<p><code id='command'>{_esc(command)}</code></p>" if command else
             f"<p id='command'>{_esc(run.command)} (its options: Configuration)</p>",
             "<h2>Configuration</h2>",
             _table(sorted((k, v) for k, v in run.options.items()), ["option", "value"]),
             "<h2>Data</h2>"]
    described = rec.get("dataset") if isinstance(rec.get("dataset"), dict) else {}
    parts.append(_table([(k, v) for k, v in described.items()
                         if not isinstance(v, (list, dict))], ["", ""]) if described else "")
    fp = rec.get("data_fingerprint")
    if isinstance(fp, dict):
        parts.append("<p>Fingerprint: " + _esc(", ".join(f"{k} {v}" for k, v in fp.items()))
                     + "</p>")
    parts += ["<h2 id='metrics'>Test metrics</h2>",
              _table(list(run.metrics.items()), ["metric", "value"])]
    parts += _figures(run)
    parts += _per_class(run)
    parts += _forecast_table(run)
    parts += ["<h2>Model</h2>", model_summary(run.path / "model.h5")]
    skipped = run.path / "skipped.txt"
    if skipped.is_file():
        lines = skipped.read_text(encoding="utf-8", errors="replace").splitlines()
        parts += [f"<h2 id='skipped'>Skipped files ({len(lines)})</h2>",
                  _table([line.split("\t", 1) for line in lines[:200]], ["file", "why"])]
    versions = rec.get("versions") if isinstance(rec.get("versions"), dict) else {}
    parts += ["<h2 id='versions'>Versions</h2>",
              _table([("kerascli", rec.get("kerascli"))] + list(versions.items()))]
    return "\n".join(parts) + "</body></html>\n"


def _figures(run):
    out = []
    have = {name for name, _ in IMAGES if (run.path / name).is_file()}
    for name, title in IMAGES:
        if name in have:
            out += [f"<h2>{title}</h2>", _img((run.path / name).read_bytes(), title)]
    if "learning_curves.png" not in have:  # no --plot: draw them from history.csv
        curves = runs_compare.history(run.path)
        if curves:
            from kerascli import plots
            buf = io.BytesIO()
            plt = plots.pyplot()
            fig, ax = plt.subplots(figsize=(6, 4))
            for k, v in curves.items():
                ax.plot(range(1, len(v) + 1), v, label=k)
            ax.set_xlabel("epoch")
            ax.legend(fontsize=7)
            fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
            plt.close(fig)
            out += ["<h2>Learning curves</h2>", _img(buf.getvalue(), "Learning curves")]
    return out


def _per_class(run):
    if runs_compare.scored_file(run.path, runs_compare.PREDICTIONS) is None:
        return []
    try:
        y_true, y_pred = runs_compare.read_predictions(run)
    except UserError:
        return []
    names = (run.record.get("dataset") or {}).get("class_names") or []
    labels = sorted(set(y_true) | set(y_pred))
    label = (lambda i: names[i] if i < len(names) else str(i))  # noqa: E731
    matrix = [[sum(1 for t, p in zip(y_true, y_pred) if t == a and p == b) for b in labels]
              for a in labels]
    rows = []
    for i, c in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((label(c), precision, recall, f1, support))
    return ["<h2 id='confusion'>Confusion matrix (rows: true, columns: predicted)</h2>",
            _table([(label(c), *matrix[i]) for i, c in enumerate(labels)],
                   ["", *map(label, labels)]),
            "<h2 id='per-class'>Per-class scores</h2>",
            _table(rows, ["class", "precision", "recall", "F1", "support"])]


def _forecast_table(run):
    if run.command != "forecast":
        return []
    try:
        doc = json.loads((run.path / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    per_step = doc.get("per_step")
    if not isinstance(per_step, dict) or not per_step:
        return []
    names = [n for n in per_step if isinstance(per_step[n], list)]
    metric = "rmse"
    steps = max((len(per_step[n]) for n in names), default=0)
    rows = [[step + 1] + [(per_step[n][step] or {}).get(metric) if step < len(per_step[n])
                          else None for n in names] for step in range(steps)]
    return [f"<h2 id='per-horizon'>Per horizon ({metric.upper()})</h2>",
            _table(rows, ["step", *names])]


def model_summary(path):
    """The layers of a saved .h5 model (class, name, units/filters) read through h5py."""
    if not path.is_file():
        return "<p>No model.h5 in this run.</p>"
    try:
        import h5py
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
            n_weights = 0
            if "model_weights" in f:
                f["model_weights"].visititems(lambda n, o: None)
    except (OSError, ValueError) as exc:
        return f"<p>model.h5 cannot be read ({_esc(exc)}).</p>"
    if raw is None:
        return "<p>model.h5 holds no model_config.</p>"
    try:
        cfg = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except ValueError:
        return "<p>model.h5's model_config is not JSON.</p>"
    layers = (cfg.get("config") or {}).get("layers") or []
    rows = []
    for layer in layers:
        lc = layer.get("config") or {}
        size = lc.get("units") or lc.get("filters") or lc.get("rate") or lc.get("pool_size") or ""
        rows.append((layer.get("class_name"), lc.get("name"), size, lc.get("activation") or ""))
    del n_weights
    return (f"<p>{_esc(cfg.get('class_name'))} with {len(rows)} layers "
            f"({path.stat().st_size:,} bytes).</p>"
            + _table(rows, ["layer", "name", "units / filters / rate", "activation"]))
