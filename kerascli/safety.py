"""Untrusted model files.

:func:`load_model` opens a saved Keras model with ``safe_mode`` on: a model whose loading
  would run arbitrary Python (a ``Lambda`` layer holding a pickled function) is refused with
  one line unless the user passes ``--unsafe``; a model naming custom classes kerascli does not
  know is refused too (nothing is imported to find them). Keras' own ``.h5`` loader honours
  ``safe_mode`` since keras 3.11.3 (PR 21602, advisory GHSA-36rr-ww3j-vrjv): the floor in pyproject.
"""
from pathlib import Path

from kerascli.errors import DataError, UserError


def load_model(path, unsafe=False):
    """Load a Keras model file without running code from it (unless ``unsafe``).

    Raises :class:`DataError` with one line: not a model file, damaged, needs code (Lambda),
    or uses unknown custom objects.
    """
    path = Path(path)
    _check_hdf5(path)  # before TensorFlow's 4 s import: a file that is no model is said at once
    from kerascli.runtime import keras_module
    keras = keras_module()
    try:
        return keras.models.load_model(str(path), compile=False, safe_mode=not unsafe)
    except Exception as exc:  # h5py/Keras raise many types; all mean "not loadable"
        text = str(exc).strip()
        if "arbitrary code execution" in text or "safe_mode" in text:
            raise DataError(path, "refused: loading this model would run Python code stored in "
                                  "it (a Lambda layer); if you trust where it came from, pass "
                                  "--unsafe.") from None
        if text.startswith(("Unknown layer", "Unknown object", "Could not locate")) \
                or "custom_object_scope" in text:
            name = text.split("'")[1] if text.count("'") >= 2 else "?"
            raise DataError(path, f"refused: it uses a custom class {name!r} that kerascli does "
                                  "not provide (it would need its code); use kerascli's own "
                                  "models.") from None
        first = text.splitlines()[0] if text else type(exc).__name__
        raise DataError(path, f"cannot load this Keras model ({first[:200]}).") from None


def _check_hdf5(path):
    """A quick structural check before Keras sees the file: is it HDF5, is it whole?"""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except OSError as exc:
        raise DataError(path, f"cannot read it ({exc.strerror or exc}).") from None
    if head != b"\x89HDF\r\n\x1a\n":
        raise DataError(path, "cannot load: not an HDF5 file (a Keras .h5 model starts with the HDF5 "
                              "signature); give a model saved by kerascli train.")
    import h5py
    try:
        with h5py.File(path, "r") as f:
            if "model_config" not in f.attrs:
                raise DataError(path, "cannot load: an HDF5 file without a Keras model in it (weights only?); "
                                      "give a model saved by kerascli train.")
    except DataError:
        raise
    except Exception as exc:  # truncated or damaged: h5py raises OSError and friends
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataError(path, f"cannot load: a damaged or truncated HDF5 file ({first[:160]}).") from None
