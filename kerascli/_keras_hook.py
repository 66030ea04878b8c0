"""Register kerascli's custom layers with Keras without importing Keras eagerly.

``import kerascli`` must stay fast (the CLI imports it for ``--help``), yet users expect
``import kerascli; keras.models.load_model("model.h5")`` to find our custom layers. So:
if Keras is already imported, register now; otherwise wrap the loader of the ``keras``
module so registration runs right after Keras finishes importing.
"""
import importlib.abc
import importlib.util
import sys

_LAYERS_MODULE = "kerascli.models.layers"


class _KerasLoader(importlib.abc.Loader):
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        _remove_finder()
        self._inner.exec_module(module)
        importlib.import_module(_LAYERS_MODULE)


class _KerasFinder(importlib.abc.MetaPathFinder):
    # TensorFlow probes with importlib.util.find_spec("keras") before importing it: a probe
    # must not use the hook up, so the finder steps aside only when Keras really executes.
    _busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" or self._busy:
            return None
        self._busy = True  # find the real spec without finding ourselves again
        try:
            spec = importlib.util.find_spec("keras") if "keras" not in sys.modules else None
        finally:
            self._busy = False
        if spec is not None and spec.loader is not None:
            spec.loader = _KerasLoader(spec.loader)
        return spec


def _remove_finder():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _KerasFinder)]


def install():
    if "keras" in sys.modules:
        importlib.import_module(_LAYERS_MODULE)
    elif not any(isinstance(f, _KerasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _KerasFinder())
