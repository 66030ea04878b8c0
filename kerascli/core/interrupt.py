"""Ctrl-C and SIGTERM during train, compare and forecast: stop within seconds, say in one line
what was kept, exit 130 (143 for SIGTERM).

A command wraps its work in :func:`guard` and tells the returned :class:`Watch` where its run
directory is; the watch's Keras callback counts finished epochs. On an interruption the run
directory is marked incomplete (``INCOMPLETE`` holding "interrupted"), never left looking
finished; files already saved (they are written atomically) stay intact, and the epoch backup
(``RUN_DIR/backup``) stays for ``--resume``. Any other failure marks the run "failed: ..." and
propagates as usual (a :class:`kerascli.errors.UserError` becomes one line and exit code 2).

Within two seconds, whatever the process is doing: Python runs a signal handler only between
bytecodes, so a process inside one long graph call (8 training steps of a large model), a
library load or an HDF5 write would not see Ctrl-C until the call returns, and a TensorFlow
process then takes seconds more to tear down. So the guard also has a watchdog thread woken by
the signal itself (:func:`signal.set_wakeup_fd`): if the main thread has not finished its
clean-up :data:`GRACE_SECONDS` after the signal, the watchdog does the clean-up (mark the run,
delete the temporary files of writes under way, print the line) and ends the process. After a
clean-up the process ends at once (:func:`os._exit`: every file is already written
atomically, and stdout/stderr are flushed), skipping the interpreter's slow teardown. A second
Ctrl-C during the clean-up is ignored.

The handler itself never raises into the code it interrupts: it cleans up and ends the
process where it runs. Python runs it wherever a signal check happens, and TensorFlow's C++
checks for signals inside its own calls (creating an eager tensor, for one); a KeyboardInterrupt
raised there unwinds C++ code that does not expect it, and the process died with SIGSEGV
(about 1 Ctrl-C in 30 during ``compare``, faulthandler: ``convert_to_eager_tensor`` under
``reset_metrics``). Nothing needs the unwinding: every write is atomic and the clean-up is
the same one the watchdog does. A KeyboardInterrupt raised by code (not by the signal) still
unwinds through :func:`guard` as before.

No Click here: the one line goes to stderr, the exit is :class:`SystemExit` (or, after a real
signal, :func:`os._exit` with the same code).
"""
import contextlib
import errno
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from kerascli.core.rundir import RunDir

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
# How long the main thread may take to unwind by itself before the watchdog cleans up and ends
# the process; plus the clean-up (milliseconds), the exit stays under 2 s after the signal.
GRACE_SECONDS = 0.75


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives, so it unwinds exactly like Ctrl-C."""


class Watch:
    """What a guarded command has done so far (set by the command, counted by callbacks)."""

    def __init__(self, command):
        self.command = command
        self.run_dir = None  # set once the run directory exists
        self.epochs = None  # planned epochs, when training
        self.epoch = 0  # epochs completed in this process (plus the resumed ones)
        self.resume = None  # the command line that resumes this run, if it can be resumed
        self.stage = "starting"

    def callback(self, epochs=None, label="epoch"):
        """A Keras callback keeping :attr:`epoch` up to date."""
        from kerascli.runtime import keras_module
        keras = keras_module()
        watch = self
        if epochs is not None:
            self.epochs = epochs
        self.stage = "training"

        class EpochCounter(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                from kerascli.core.resume import initial_epoch
                watch.epoch = initial_epoch(self.model)
                watch.stage = "training"

            def on_epoch_end(self, epoch, logs=None):
                watch.epoch = epoch + 1

            def on_train_end(self, logs=None):
                watch.stage = "scoring and saving"

        return EpochCounter()

    def message(self, how="interrupted"):
        """The one line printed on an interruption."""
        where = ""
        if self.stage == "training" and self.epochs:
            where = f" during epoch {min(self.epoch + 1, self.epochs)}/{self.epochs}"
        elif self.stage != "starting":
            where = f" while {self.stage}"
        if self.run_dir is None:
            return f"{self.command} {how}{where}; nothing was written."
        run_dir = Path(self.run_dir)
        saved = sorted(p.name for p in run_dir.glob("*.h5"))
        kept = (f"{', '.join(saved)} kept as saved" if saved else "nothing saved as final")
        line = (f"{self.command} {how}{where} ({self.epoch} completed); {kept}; the run "
                f"directory {run_dir} is marked incomplete" if self.stage == "training" else
                f"{self.command} {how}{where}; {kept}; the run directory {run_dir} is marked "
                "incomplete")
        if self.resume:
            line += f"; resume with: {self.resume}"
        return line + "."


def _on_signal(signum, frame):
    """The main thread's handler for SIGINT and SIGTERM: ignore further ones (a second Ctrl-C
    must not cut the clean-up short), clean up and end the process here, without raising into
    the interrupted code (see the module docstring). Only without a watchdog (never, in a
    guarded command) does it unwind like Ctrl-C."""
    _state.signalled = signum
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    if _state.watchdog is not None:
        _state.watchdog.end(signum)  # never returns
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


class _State:
    signalled = None  # the signal the handler saw, None when unwinding for another reason
    watchdog = None  # the active guard's watchdog, used by the handler to clean up


_state = _State()


def _how(signum):
    return "terminated" if signum == signal.SIGTERM else "interrupted"


def _code(signum):
    return EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED


class _Watchdog:
    """A thread woken by the C-level signal handler (through the wakeup fd), which works while
    the main thread is stuck in C code; see the module docstring."""

    def __init__(self, watch):
        self.watch = watch
        self.lock = threading.Lock()  # held by whoever cleans up, the main thread or us
        self.done = threading.Event()  # set once the clean-up line is printed
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        try:  # fd 2 itself is pointed at /dev/null while TensorFlow imports (runtime.py)
            self._stderr = os.dup(sys.stderr.fileno())
        except (OSError, ValueError, AttributeError):
            self._stderr = None
        self._thread = threading.Thread(target=self._run, name="kerascli-interrupt", daemon=True)
        self._thread.start()

    def _run(self):
        signum = None
        while signum is None:
            try:
                data = self._read.recv(64)
            except OSError:
                return
            if not data:
                return  # closed: the guarded block is over
            signum = next((b for b in data if b in (signal.SIGINT, signal.SIGTERM)), None)
        if self.done.wait(GRACE_SECONDS):
            return  # the main thread cleaned up and ends the process itself
        self.end(signum)

    def end(self, signum):
        """Clean up (unless another thread already is) and end the process: called by the
        signal handler in the main thread, or by this thread when the main one is stuck."""
        if self.lock.acquire(blocking=False):
            try:
                cleanup(self.watch, _how(signum), self.say)
                self.done.set()
            finally:
                _hard_exit(_code(signum))
        # the other thread is cleaning up: give it a moment, then end the process anyway
        self.done.wait(GRACE_SECONDS)
        _hard_exit(_code(signum))

    def say(self, line):
        data = (line + "\n").encode("utf-8", "replace")
        if self._stderr is None:
            print(line, file=sys.stderr, flush=True)
            return
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            os.write(self._stderr, data)

    def close(self):
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous_fd)
        self._write.close()  # ends the thread's recv
        self._thread.join(timeout=1)
        self._read.close()
        if self._stderr is not None:
            with contextlib.suppress(OSError):
                os.close(self._stderr)


_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _disk_full(exc):
    """'cannot write PATH: No space left on device' when ``exc`` (or its cause) is a write
    failing for lack of space or a read-only disk; None otherwise. h5py's errors carry the
    errno, or only its text."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError) and (exc.errno in _DISK_ERRNOS or any(
                os.strerror(n) in str(exc) for n in _DISK_ERRNOS)):
            number = exc.errno if exc.errno in _DISK_ERRNOS else next(
                n for n in _DISK_ERRNOS if os.strerror(n) in str(exc))
            where = f"cannot write {exc.filename}" if exc.filename else "a write failed"
            return f"{where}: {os.strerror(number)}"
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def cleanup(watch, how, say):
    """Mark the run directory, delete the temporary files of writes under way and say in one
    line what was kept (``say`` prints it)."""
    from kerascli import artifacts
    artifacts.discard_pending()
    if watch.run_dir is not None:
        with contextlib.suppress(OSError):
            RunDir(watch.run_dir).mark(how)
    say(watch.message(how))


def _hard_exit(code):
    """End the process now: files are written atomically and fsynced, stdout and stderr are
    flushed; TensorFlow's teardown (seconds) is skipped."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


@contextlib.contextmanager
def guard(command):
    """Run the block with SIGINT and SIGTERM turned into an interruption; on one, mark the run
    directory incomplete, print one line on stderr and exit 130 (143 for SIGTERM)."""
    watch = Watch(command)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    watchdog = None
    if main_thread:
        _state.signalled = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
        outer_watchdog = _state.watchdog  # a guard inside a guard hands the signal back after
        watchdog = _state.watchdog = _Watchdog(watch)
    try:
        yield watch
    except KeyboardInterrupt as exc:
        if main_thread:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signum = _state.signalled or (signal.SIGTERM if isinstance(exc, Terminated)
                                      else signal.SIGINT)
        lock = watchdog.lock if watchdog is not None else contextlib.nullcontext()
        with lock:  # if the watchdog got there first, it ends the process while we wait
            cleanup(watch, _how(signum), lambda line: print(line, file=sys.stderr, flush=True))
            if watchdog is not None:
                watchdog.done.set()
        if _state.signalled is not None:
            _hard_exit(_code(signum))  # a real signal: end now, not after TF's teardown
        raise SystemExit(_code(signum)) from None
    except Exception as exc:
        full = _disk_full(exc)
        if watch.run_dir is not None and not getattr(exc, "marked", False):
            from kerascli.errors import Diverged
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            with contextlib.suppress(OSError):
                RunDir(watch.run_dir).mark("diverged" if isinstance(exc, Diverged)
                                          else f"failed: {full or first}")
        if full:  # a user can act on it: one line, exit 2, not a traceback
            from kerascli.errors import UserError
            kept = (f"; the run directory {watch.run_dir} is marked incomplete"
                    if watch.run_dir is not None else "")
            raise UserError(f"{command} stopped: {full}; files already saved are whole{kept}; "
                            "free some space (or choose another --out) and run it again.") \
                from None
        raise
    finally:
        if watchdog is not None:
            _state.watchdog = outer_watchdog
            watchdog.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
