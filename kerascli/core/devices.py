"""How a run executes on this machine: strategy, replicas, dtype policy, XLA.

Resolved once per run from the config (:func:`resolve_runtime`) and recorded in config.json
under "runtime", so a result says what it ran on.
"""
from dataclasses import dataclass
from typing import Any

from kerascli.errors import UserError

# fit() is fed from a tf.data pipeline (core.tfdata.from_arrays) rather than NumPy
# arrays where that measured faster: benchmarks/pipeline.py, benchmarks/RESULTS.md
TF_DATA_FEED = True
# training steps per graph call: fewer Python round trips for small models (mlp on MNIST:
# 1.09x images per CPU-second, same weights to the bit); callbacks see every 8th batch
STEPS_PER_EXECUTION = 8


def mixed_policy():
    """The Keras dtype policy ``--precision mixed`` means on this machine.

    bfloat16 on GPUs of compute capability 8.0 or newer (Ampere, Hopper: tensor cores, no loss
    scaling needed), float16 with loss scaling on 7.x (Volta, Turing). Refused on CPUs and older
    GPUs, where half precision is slower than float32 or not supported.
    """
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        raise UserError("--precision mixed: needs a GPU of compute capability 7.0 or newer and "
                        "none is visible; use --precision float32 (the default) on CPU.")
    capability = min(tuple(tf.config.experimental.get_device_details(g).get("compute_capability")
                           or (0, 0)) for g in gpus)
    if capability >= (8, 0):
        return "mixed_bfloat16"
    if capability >= (7, 0):
        return "mixed_float16"
    raise UserError(f"--precision mixed: this GPU has compute capability "
                    f"{capability[0]}.{capability[1]}, mixed precision needs 7.0 or newer; "
                    "use --precision float32.")


def check_runtime(cfg):
    """Refuse what this machine cannot run (``--precision mixed`` without a suitable GPU)
    before any data loads or a run directory is made."""
    if cfg.precision == "mixed":
        mixed_policy()


@dataclass
class Runtime:
    """How a run executes, resolved from the config on this machine."""

    strategy: Any  # a tf.distribute.Strategy
    strategy_name: str  # default, mirrored or multiworker (auto resolved)
    replicas: int
    policy: str  # Keras dtype policy: float32, mixed_float16 or mixed_bfloat16
    custom_loop: bool  # multiworker: distribute.fit_custom_loop instead of fit()
    chief: bool

    @property
    def steps_per_execution(self):
        # several steps per call break under tf.distribute in Keras 3.15 (MirroredStrategy:
        # "You must feed a value for placeholder tensor ... while/cond/Placeholder")
        return STEPS_PER_EXECUTION if self.replicas == 1 and not self.custom_loop else 1

    def record(self, model=None):
        jit = getattr(model, "jit_compile", None) if model is not None else None
        return {"strategy": self.strategy_name, "replicas": self.replicas,
                "precision": "float32" if self.policy == "float32" else "mixed",
                "dtype_policy": self.policy, "jit_compile": bool(jit) if jit is not None else None,
                "training_loop": "custom (distributed step)" if self.custom_loop else "fit",
                "input_pipeline": "tf.data" if TF_DATA_FEED or self.custom_loop else "numpy",
                "steps_per_execution": self.steps_per_execution,
                "chief": self.chief}


def resolve_runtime(cfg):
    """Create the strategy and pick the dtype policy ``cfg`` asks for (before building)."""
    from kerascli.core import distribute
    policy = mixed_policy() if cfg.precision == "mixed" else "float32"
    strategy = distribute.make_strategy(cfg.strategy)
    custom = distribute.needs_custom_loop(strategy)
    name = "multiworker" if custom else (
        "mirrored" if type(strategy).__name__.startswith("Mirrored") else "default")
    return Runtime(strategy=strategy, strategy_name=name,
                   replicas=int(strategy.num_replicas_in_sync), policy=policy,
                   custom_loop=custom, chief=distribute.is_chief() if custom else True)
