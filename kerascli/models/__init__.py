"""Model registry: one module per model in this package; the file name is the key.

Each model module defines ``INFO`` (a :class:`ModelInfo`: what data it accepts, its
training defaults and its own options) and ``build(input_shape, task, n_outputs, **params)``
returning a readable ``keras.Sequential``. Keras is imported inside ``build`` only, so the
registry (and ``kerascli train --help``) loads without TensorFlow. Adding a model is adding
one file.

kerascli.core.fit passes two more keyword arguments when the data needs them:
``preprocess`` (layers to put right after the Input: Rescaling(1/255) for images,
Normalization fitted on the training part for tables) and ``postprocess`` (layers to put
last: an inverted Normalization restoring a regression target's units), so a saved model
takes raw inputs. A model may also define ``learning_rate_schedule(learning_rate, epochs,
steps_per_epoch)`` returning a Keras schedule (the cifar model's cosine decay), and three
hooks that let a model option switch recipes (cifar ``--recipe fast``), each returning
``{}``/None for "the default": ``training_defaults(params)`` (epochs, batch_size,
learning_rate, optimizer replacing INFO's when not given explicitly), ``optimizer(cfg,
steps_per_epoch)`` (a Keras optimizer, schedule included) and ``loss(task, params)`` (a loss
object; a custom one must be registered in :mod:`kerascli.models.layers` so saved models
reload).
"""
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Optional

from kerascli.errors import UserError


@dataclass(frozen=True)
class Param:
    """A model-specific option (shown on ``kerascli train MODEL --help``)."""

    name: str  # python name; the CLI option is --name-with-dashes
    type: str  # "int", "float", "str", "ints" (comma-separated) or "choice"
    default: Any
    help: str
    choices: Optional[tuple] = None
    minimum: int = 1  # the smallest value an "int" option takes


@dataclass(frozen=True)
class ModelInfo:
    name: str
    summary: str
    accepts: frozenset  # dataset kinds: "tabular", "image", "series"
    tasks: frozenset  # "classification", "regression"
    default_dataset: str
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    params: tuple = ()
    # dataset-specific defaults overriding the above, e.g. {"iris": {"epochs": 200}}
    per_dataset: dict = field(default_factory=dict)
    # LoadOptions overrides for the default dataset (linreg: iris sepal -> petal length)
    dataset_options: dict = field(default_factory=dict)
    # dataset names known to work, for error messages (in addition to CSV/image folders)
    datasets: tuple = ()


OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adamax", "adagrad", "adadelta",
              "lion")


def make_optimizer(name, learning_rate):
    """A Keras optimizer by ``--optimizer`` name."""
    from kerascli.runtime import keras_module
    if name not in OPTIMIZERS:
        raise UserError(f"--optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}.")
    return keras_module().optimizers.get({"class_name": name, "config": {
        "learning_rate": learning_rate}})


def names():
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_") and m.name != "layers")


def get(name):
    if name not in names():
        raise UserError(f"unknown model {name!r}; choose one of: {', '.join(names())}.")
    return importlib.import_module(f"{__name__}.{name}")


def check_compatible(model_name, dataset_info):
    """Refuse a model/dataset pair that cannot work, before any data is loaded."""
    info = get(model_name).INFO
    if dataset_info.kind not in info.accepts:
        raise UserError(
            f"model {model_name!r} cannot train on dataset {dataset_info.name!r} "
            f"({dataset_info.kind} data); {model_name} accepts: {', '.join(info.datasets)}"
            f"{', CSV tables' if 'tabular' in info.accepts else ''}"
            f"{', image folders' if 'image' in info.accepts else ''}.")
