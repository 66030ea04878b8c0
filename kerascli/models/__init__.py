"""Model registry: one module per model in this package; the file name is the key.

Each model module defines one subclass of :class:`~kerascli.models.spec.ModelSpec` (its
summary, data, defaults, options, counterparts, ``build`` and hooks: see that class). The
registry imports the package's modules once, finds each one's class and keeps one instance
(:func:`get`); the commands resolve it once per run and the core reads everything it needs
from it. Keras is imported inside ``build`` only, so the registry (and ``kerascli train
--help``) loads without TensorFlow. Adding a model is adding one file.
"""
import functools
import importlib
import pkgutil

from kerascli.errors import UserError
from kerascli.models.spec import OPTIMIZERS, ModelSpec, Param  # noqa: F401 (model files)

NOT_MODELS = ("layers", "spec")  # helper modules of this package


@functools.lru_cache(maxsize=None)
def _specs():
    found = {}
    for entry in pkgutil.iter_modules(__path__):
        if entry.name.startswith("_") or entry.name in NOT_MODELS:
            continue
        module = importlib.import_module(f"{__name__}.{entry.name}")
        classes = [c for c in vars(module).values() if isinstance(c, type)
                   and issubclass(c, ModelSpec) and c.__module__ == module.__name__]
        if len(classes) != 1:
            raise RuntimeError(f"kerascli/models/{entry.name}.py must define exactly one "
                               f"ModelSpec subclass (found {len(classes)}).")
        spec = classes[0]()
        spec.name = entry.name
        found[entry.name] = spec
    return found


def refresh():
    """Scan the package again (a model file added while running: tests)."""
    _specs.cache_clear()


def names():
    return sorted(_specs())


def get(name):
    """The :class:`ModelSpec` of model ``name`` (a name already resolved passes through)."""
    if isinstance(name, ModelSpec):
        return name
    specs = _specs()
    if name not in specs:
        raise UserError(f"unknown model {name!r}; choose one of: {', '.join(sorted(specs))}.")
    return specs[name]


def for_data(kind):
    """The specs of the models that train on ``kind`` data ("series": what forecast trains)."""
    return [spec for name, spec in sorted(_specs().items()) if kind in spec.accepts]


def make_optimizer(name, learning_rate):
    """A Keras optimizer by ``--optimizer`` name."""
    from kerascli.runtime import keras_module
    if name not in OPTIMIZERS:
        raise UserError(f"--optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}.")
    return keras_module().optimizers.get({"class_name": name, "config": {
        "learning_rate": learning_rate}})


def smoothed_cross_entropy(label_smoothing):
    """Cross-entropy against integer labels with ``label_smoothing`` (cnn's and cifar's
    ``loss`` hook): a loss registered in :mod:`kerascli.models.layers`, so saved models reload."""
    from kerascli.runtime import keras_module
    keras_module()  # importing Keras registers kerascli.models.layers
    from kerascli.models.layers import SmoothedSparseCategoricalCrossentropy
    return SmoothedSparseCategoricalCrossentropy(label_smoothing=label_smoothing)
