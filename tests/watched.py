"""A real ``kerascli`` process whose stderr is read line by line as it runs, for the tests that
send it a signal at a given moment (Ctrl-C during training, during a tune trial)."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

CLONE = Path(__file__).resolve().parents[1]  # the tests start the clone's kerascli


def start(args, marker, **popen):
    """Start ``python ARGS`` (the clone's kerascli on PYTHONPATH, Ctrl-C reaching it as from a
    terminal); returns (process, lines read so far, event set once a stderr line starts with
    ``marker`` or the process ended)."""
    proc = subprocess.Popen(
        [sys.executable, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=dict(os.environ, PYTHONPATH=str(CLONE)),
        # SIGINT's default action in the child, as from a terminal (KERAS_NOTES.md)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen)
    lines, seen = [], threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith(marker):
                seen.set()
        seen.set()  # the process ended
    threading.Thread(target=read, daemon=True).start()
    return proc, lines, seen


def interrupt(proc, lines, second_after=None):
    """Ctrl-C (SIGINT) to ``proc``, a second one ``second_after`` seconds later if it still
    runs; returns (exit code, seconds from the first signal to the exit, stdout, the non-empty
    stderr lines). A process still running 30 s on is killed."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    if second_after is not None:
        time.sleep(second_after)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    latency = time.monotonic() - sent
    stdout = proc.stdout.read()
    time.sleep(0.05)  # the reader thread drains the pipe
    return proc.returncode, latency, stdout, [line for line in lines if line.strip()]
