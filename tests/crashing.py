"""A training run that dies right after an epoch (its backup written): for the resume tests."""


class Crash(Exception):
    """What :func:`after_epoch`'s callback raises."""


def after_epoch(epoch):
    """A Keras callback raising :class:`Crash` at the end of 1-based ``epoch``."""
    from kerascli.runtime import keras_module

    class CrashAfterEpoch(keras_module().callbacks.Callback):
        def on_epoch_end(self, index, logs=None):
            if index == epoch - 1:
                raise Crash()

    return CrashAfterEpoch()
