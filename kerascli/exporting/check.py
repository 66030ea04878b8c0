"""The check after every export: the exported file, run by its own runtime on up to
:data:`CHECK_LIMIT` of the run's test inputs, must agree with Keras within :data:`TOLERANCE`
and on the top class of at least :data:`MIN_AGREEMENT` of them."""
from kerascli.errors import UserError
from kerascli.exporting import runtimes
from kerascli.exporting.formats import FORMATS
from kerascli.exporting.quiet import quiet_converters

CHECK_LIMIT = 1000  # test inputs run through the exported model
TOLERANCE = 1e-4  # |exported - keras| <= TOLERANCE * max(1, |keras|)
MIN_AGREEMENT = 0.999  # share of checked inputs with the same top class (classifiers)


class ExportCheckFailed(UserError):
    """The exported model, run by its own runtime, disagrees with Keras (exit 2)."""

    def __init__(self, message, check):
        self.check = check
        super().__init__(message)


def keras_outputs(model, inputs):
    """What the Keras model says on ``inputs`` (the reference the export is checked against),
    through the core's one predict (raw table text as a string tensor)."""
    from kerascli.core.metrics import predict_outputs
    return predict_outputs(model, inputs)


def check_export(expected, fmt, target, inputs, task):
    """Run ``inputs`` through the export's own runtime and compare with Keras' ``expected``
    outputs (:func:`keras_outputs`); the figures and whether they pass (every output within
    :data:`TOLERANCE`, relative above 1, and, for a classifier, the same top class on
    :data:`MIN_AGREEMENT` of the inputs)."""
    import numpy as np
    from kerascli import datasets

    try:
        with quiet_converters():
            got = runtimes.runner(fmt, target)(inputs)
    except UserError:
        raise
    except Exception as exc:  # the runtime refused the file: that is a failed check
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        return {"passed": False, "n": int(len(inputs)), "runtime_error": text,
                "summary": f"{FORMATS[fmt].runtime} could not run it: {text}"}
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    error = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
    per_input = error.reshape(len(expected), -1).max(axis=1)
    max_error = float(per_input.max())
    classifier = task == datasets.CLASSIFICATION and expected.ndim == 2 and expected.shape[1] > 1
    agreement = (float(np.mean(got.argmax(axis=1) == expected.argmax(axis=1)))
                 if classifier else None)
    passed = bool(np.isfinite(max_error) and max_error <= TOLERANCE
                  and (agreement is None or agreement >= MIN_AGREEMENT))
    summary = f"{len(expected):,} test inputs, max difference {max_error:.2e} (limit {TOLERANCE:g})"
    if agreement is not None:
        summary += f", same top class on {agreement:.2%} (at least {MIN_AGREEMENT:.1%})"
    return {"passed": passed, "n": int(len(expected)), "max_difference": max_error,
            "tolerance": TOLERANCE, "top_class_agreement": agreement, "summary": summary}
