"""Resuming a training run that was killed: ``kerascli train MODEL --resume RUN_DIR`` (and
``forecast --resume``, ``compare --resume``: all train through :func:`kerascli.core.fit.train`).

* Every epoch, Keras' ``BackupAndRestore`` saves the weights, the optimizer state and the
  epoch count in ``RUN_DIR/backup`` (a directory of its own: Keras deletes it when training
  ends), keeping the previous copy too, so a kill during a save falls back one epoch.
* The resumed run reuses the run's ``config.json`` (read by ``RunDir.reopen``: same model,
  data, split, seed) and continues from the last completed epoch.
* The training data order of epoch ``e`` is a pure function of ``(seed, e)``
  (:func:`epoch_feed`), not of how many epochs this process has run, so epochs ``k..`` of a
  resumed run see the same batches as those of an uninterrupted run; the final metrics match
  within floating-point noise.
* ``history.partial.json`` keeps the finished epochs' metrics so history.csv stays whole.
"""
import json
from pathlib import Path

from kerascli import artifacts
from kerascli.errors import UserError

BACKUP_DIR = "backup"
METADATA = "training_metadata.json"  # written by keras.callbacks.BackupAndRestore
PARTIAL_HISTORY = "history.partial.json"


# ---------------------------------------------------------------- Keras internals
# Exact resume needs two things Keras keeps private; they are read here and nowhere else, and
# tests/core/test_keras_internals.py fails loudly when a Keras upgrade renames them.

def initial_epoch(model):
    """The epoch ``fit`` starts from (BackupAndRestore sets it on restore): ``model._initial_epoch``."""
    return int(getattr(model, "_initial_epoch", 0) or 0)


def set_initial_epoch(model, epoch):
    """Make the next ``fit`` start at ``epoch`` (a second training phase): Keras' ``fit`` prefers
    ``model._initial_epoch``, left set by an earlier restore, to its ``initial_epoch`` argument."""
    model._initial_epoch = int(epoch)


def seed_generators(model):
    """Every ``keras.random.SeedGenerator`` the model's layers draw from (Dropout masks,
    augmentation): ``layer._seed_generators`` over ``model._flatten_layers()``."""
    return [sg for layer in model._flatten_layers() for sg in getattr(layer, "_seed_generators", [])]


# ---------------------------------------------------------------- callbacks

def backup_callback(run_dir):
    from kerascli.runtime import keras_module
    keras = keras_module()
    return keras.callbacks.BackupAndRestore(str(Path(run_dir) / BACKUP_DIR), save_freq="epoch",
                                            double_checkpoint=True, delete_checkpoint=True)


def completed_epochs(run_dir):
    """Epochs the backup in ``run_dir`` holds (0 when there is none)."""
    path = Path(run_dir) / BACKUP_DIR / METADATA
    if not path.is_file():
        return 0
    try:
        return int(json.loads(path.read_text(encoding="utf-8"))["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0  # Keras falls back to the previous copy, or starts over; checked at fit time


def epoch_feed(x, y, *, batch_size, seed):
    """(``tf.data.Dataset``, Keras callback): the training batches, epoch by epoch.

    Epoch ``e`` visits the rows in the order of ``argsort(stateless_uniform(seed, e))``: the
    same in a run resumed at epoch ``e`` as in one that never stopped (a plain
    ``shuffle(reshuffle_each_iteration=True)`` restarts its sequence in a new process). The
    dataset counts the iterators Keras opens, one per epoch; the callback (put it after
    BackupAndRestore) sets the count to the epoch training starts from. Batches are gathered
    from the in-memory arrays; the last one of an epoch may be short, as with ``batch``.
    """
    import math

    from kerascli.core import pipeline
    tf = pipeline.tensorflow()
    from kerascli.runtime import keras_module
    keras = keras_module()
    n = len(x)
    xs, ys = tf.constant(x), tf.constant(y)
    base = tf.constant(int(seed) % (2 ** 31), tf.int64)
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="kerascli_feed_epoch")

    def one_epoch(_):
        e = epoch.assign_add(1) - 1  # once per iterator, i.e. per epoch
        keys = tf.random.stateless_uniform([n], seed=tf.stack([base, e]))
        return tf.data.Dataset.from_tensor_slices(tf.argsort(keys))

    data = tf.data.Dataset.range(1).flat_map(one_epoch).batch(batch_size)
    data = data.map(lambda i: (tf.gather(xs, i), tf.gather(ys, i)),
                    num_parallel_calls=pipeline.AUTOTUNE, deterministic=True)
    # a known length: Keras then opens a fresh iterator for every epoch
    data = data.apply(tf.data.experimental.assert_cardinality(math.ceil(n / batch_size)))

    class StartEpoch(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            epoch.assign(initial_epoch(self.model))

    return data.prefetch(pipeline.AUTOTUNE), StartEpoch()


def rng_callback():
    """Restart every layer's random stream (Dropout masks, augmentation) at each epoch from
    ``(its seed, epoch)``: BackupAndRestore does not save these streams, so without this a
    resumed run would draw other dropout masks than an uninterrupted one."""
    from kerascli.runtime import keras_module
    keras = keras_module()

    class EpochSeededRandomness(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self._generators = [(sg, int(sg.state.numpy()[0])) for sg in seed_generators(self.model)]

        def on_epoch_begin(self, epoch, logs=None):
            for sg, seed in self._generators:  # room for 2**20 draws per epoch
                sg.state.assign([seed, (epoch << 20) % 2 ** 32])

    return EpochSeededRandomness()


def history_callback(run_dir, first_epoch):
    """Keep the finished epochs' metrics in ``history.partial.json`` (for a resumed run's
    history.csv); returns (callback, history so far)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    path = Path(run_dir) / PARTIAL_HISTORY
    earlier = {}
    if first_epoch and path.is_file():
        try:
            earlier = {k: list(v)[:first_epoch] for k, v in
                       json.loads(path.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, AttributeError, TypeError):
            earlier = {}
    history = {k: list(v) for k, v in earlier.items()}

    class PartialHistory(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            artifacts.write_json(path, history)

    return PartialHistory(), earlier


def check_no_conflict(cfg, given, run_dir):
    """Refuse options given on the command line that differ from the run's config.json.

    ``given``: option name -> value, only for options the user actually set.
    """
    recorded = cfg.to_dict()
    recorded.update(recorded.pop("params"))
    for name, value in given.items():
        if name not in recorded:
            continue
        old = recorded[name]
        new = list(value) if isinstance(value, tuple) else value
        new = str(new) if isinstance(new, Path) else new
        if isinstance(old, float) or isinstance(new, float):
            same = old is not None and new is not None and float(old) == float(new)
        else:
            same = old == new
        if not same:
            raise UserError(f"--{name.replace('_', '-')} {_show(new)} conflicts with the run being "
                            f"resumed ({_show(old)} in {Path(run_dir) / 'config.json'}); drop it "
                            "to resume the run as it was.")


def _show(value):
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
