"""runtime.end_process: a process that imported TensorFlow ends without the interpreter's
teardown (1-2.5 s), yet with its exit status, its atexit functions run and its output whole.
A stand-in module named ``tensorflow`` keeps each process well under a second."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import kerascli

ROOT = str(Path(kerascli.__file__).resolve().parent.parent)  # this kerascli, not an installed one

PRELUDE = textwrap.dedent("""
    import atexit, sys, threading, time, types
    sys.modules["tensorflow"] = types.ModuleType("tensorflow")  # as if TensorFlow were imported
    from kerascli import runtime
    atexit.register(lambda: print("atexit ran"))
""")


def _run(body):
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": ROOT})


def test_ends_with_the_status_after_atexit_and_with_buffered_output_flushed():
    done = _run("""
        print("result line")  # a pipe: block-buffered, still in Python's buffer
        runtime.end_process(3)
        print("not reached")
    """)
    assert done.returncode == 3
    assert done.stdout == "result line\natexit ran\n"


def test_a_message_code_goes_to_stderr_with_status_1():
    done = _run('runtime.end_process("cannot go on")\nprint("not reached")')
    assert done.returncode == 1 and "cannot go on" in done.stderr
    assert "not reached" not in done.stdout


def test_waits_like_an_ordinary_exit_for_a_thread_still_running():
    done = _run("""
        threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished"))).start()
        runtime.end_process(0)
        print("ordinary exit")
    """)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["ordinary exit", "thread finished", "atexit ran"]


def test_without_tensorflow_the_process_exits_as_usual():
    done = _run("""
        del sys.modules["tensorflow"]
        runtime.end_process(0)
        print("ordinary exit")
    """)
    assert done.stdout.splitlines() == ["ordinary exit", "atexit ran"]
