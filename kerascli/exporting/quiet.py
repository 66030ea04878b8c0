"""The converters' own output kept off stdout (stdout is for results)."""
import contextlib
import os
import sys
import warnings


@contextlib.contextmanager
def quiet_converters():
    """The converters (tf2onnx, the TFLite converter, Keras' own export lines) print to stdout
    and stderr at the file-descriptor level; stdout is for results, so their lines go to
    stderr under --verbose and nowhere otherwise."""
    from kerascli.runtime import verbose

    sys.stdout.flush()
    sys.stderr.flush()
    try:
        saved_out, saved_err = os.dup(1), os.dup(2)
    except (OSError, ValueError):  # no real descriptors (an in-process test runner)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
        return
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(saved_err if verbose() else sink, 1)
        if not verbose():
            os.dup2(sink, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        for fd in (saved_out, saved_err, sink):
            os.close(fd)
