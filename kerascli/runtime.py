"""Importing TensorFlow/Keras quietly, seeding, and versions: where Keras is first imported
(modules that train or load a model then use TensorFlow directly too, inside functions).

Commands that train or load a model call :func:`keras_module`; nothing else in kerascli
imports TensorFlow at module level, which keeps ``--help`` and ``datasets`` instant.
"""
import contextlib
import os
import sys

_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # C++ INFO and WARNING lines
    "GRPC_VERBOSITY": "ERROR",
}


def verbose():
    return os.environ.get("KERASCLI_VERBOSE", "") not in ("", "0")


@contextlib.contextmanager
def _stderr_silenced():
    """Silence file descriptor 2 (TensorFlow's C++ logging writes there directly, not via
    sys.stderr, and TF_CPP_MIN_LOG_LEVEL alone does not catch the absl/oneDNN start-up lines)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some test runners): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def keras_module():
    """Import and return ``keras`` (TensorFlow backend), with TensorFlow's noise silenced
    unless ``--verbose``/``KERASCLI_VERBOSE`` is set."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from kerascli import stages
    with stages.stage("keras import"):
        return _import_keras()


def _import_keras():
    if verbose():
        import keras
        return keras
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    with _stderr_silenced():
        import tensorflow as tf
        import keras
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)  # e.g. the "HDF5 is legacy" warning
        tf.get_logger().setLevel("ERROR")
        # Device discovery (cuInit and friends) logs at the first op; do it while silenced.
        tf.config.list_physical_devices()
    return keras


def seed_everything(seed):
    """Seed Python, NumPy's global RNG, TensorFlow and Keras for a reproducible run."""
    keras = keras_module()
    keras.utils.set_random_seed(int(seed))


def versions():
    """Versions that explain a result, for config.json."""
    import platform
    info = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("keras", "tensorflow", "numpy", "sklearn"):
        module = sys.modules.get(name)
        if module is not None:
            info[name if name != "sklearn" else "scikit-learn"] = getattr(module, "__version__", "?")
    return info


def end_process(code):
    """End the process now with exit status ``code`` (a ``SystemExit`` code) when TensorFlow
    was imported and the command has finished, skipping the interpreter's own teardown.

    Tearing TensorFlow down (freeing every module and object, its C++ destructors) takes
    1-2.5 s on 2 CPU cores, as long as a small model's epoch, and achieves nothing a process
    about to end needs (benchmarks/fixed_cost.py). What an ordinary exit does that matters
    still happens: the atexit functions run (logging, temporary folders, the stage report),
    stdout and stderr are flushed. Returns (and the caller exits normally) when TensorFlow was
    not imported, when a thread other than daemons is still running, or when flushing fails.
    """
    import threading
    if "tensorflow" not in sys.modules:
        return
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):
        return  # an ordinary exit waits for it; so do we
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    import atexit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let Python report it its own way
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status & 0xFF)
