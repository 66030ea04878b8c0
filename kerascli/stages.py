"""Where a kerascli process spends its time, stage by stage: the fixed cost of a run (imports,
data, model build, scoring, saving) beside training proper.

Code wraps a stage in ``with stages.stage("data"):``; a stage entered inside another counts
only its own time (the outer one pauses meanwhile), so the totals add up to the time spent in
stages, and what is left of the process is "other". At exit the totals go to stderr under
``--verbose`` and, as one JSON line, are appended to the file named by ``KERASCLI_STAGE_TIMES``
(benchmarks/fixed_cost.py reads it). Recording is a few clock reads per stage; nothing is
written unless asked.

Nothing here imports anything from kerascli: every layer may time its stages.
"""
import atexit
import contextlib
import json
import os
import sys
import time

FILE_ENV = "KERASCLI_STAGE_TIMES"
_totals = {}  # stage -> seconds of its own
_notes = {}  # name -> value (e.g. each epoch's seconds)
_stack = []  # [name, perf_counter when it last resumed] of the stages under way
_begun = None  # time.time() when the entry point started


def begin():
    """Start the process's clock (the CLI's entry point calls this once) and report at exit."""
    global _begun
    if _begun is None:
        _begun = time.time()
        atexit.register(_report)


@contextlib.contextmanager
def stage(name):
    """Count the time spent in the block as ``name``'s (excluding stages nested inside it)."""
    now = time.perf_counter()
    if _stack:  # the outer stage pauses
        outer = _stack[-1]
        _totals[outer[0]] = _totals.get(outer[0], 0.0) + now - outer[1]
    _stack.append([name, now])
    try:
        yield
    finally:
        end = time.perf_counter()
        _, resumed = _stack.pop()
        _totals[name] = _totals.get(name, 0.0) + end - resumed
        if _stack:
            _stack[-1][1] = end


def wanted():
    """Whether the stage times will be reported (``--verbose`` or ``KERASCLI_STAGE_TIMES``): then
    finer clocks that cost a little (each training step's end) are worth running."""
    return bool(os.environ.get(FILE_ENV)) or os.environ.get("KERASCLI_VERBOSE", "") not in (
        "", "0")


def note(name, value):
    """Keep ``value`` (JSON-serialisable) in the report under ``name``."""
    _notes[name] = value


def totals():
    """{stage: seconds} so far."""
    return dict(_totals)


def record(ended=None):
    """The report: clock times of the start and end (``time.time()``), each stage's seconds,
    "other" (the rest of the time between start and end) and the notes."""
    ended = time.time() if ended is None else ended
    spent = {name: round(seconds, 4) for name, seconds in _totals.items()}
    other = (ended - _begun - sum(_totals.values())) if _begun is not None else None
    return {"began": _begun, "ended": ended, "stages": spent,
            "other": round(other, 4) if other is not None else None, "notes": dict(_notes),
            "argv": sys.argv[1:]}


def _report():
    report = record()
    path = os.environ.get(FILE_ENV)
    if path:
        with contextlib.suppress(OSError):  # a timing file must never fail a run
            # one write(2) in append mode: the line lands whole, and processes reporting to
            # the same file do not interleave (an append cannot go through a rename)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (json.dumps(report) + "\n").encode("utf-8"))
            finally:
                os.close(fd)
    if os.environ.get("KERASCLI_VERBOSE", "") not in ("", "0"):
        for name, seconds in report["stages"].items():
            print(f"stage {name}: {seconds:.2f} s", file=sys.stderr)
        if report["other"] is not None:
            print(f"stage other: {report['other']:.2f} s", file=sys.stderr)
