"""Distribution strategies: one GPU or CPU, all local GPUs, or several machines.

``--strategy`` picks a ``tf.distribute`` strategy:

* ``default``: TensorFlow's default strategy (one device);
* ``mirrored``: ``MirroredStrategy`` over all local GPUs (or the logical CPU devices);
  Keras' own ``fit()`` works under it;
* ``multiworker``: ``MultiWorkerMirroredStrategy`` configured by the standard ``TF_CONFIG``
  environment variable, so a user with several machines runs the same command on each.
  Keras 3's ``fit()`` does not support this strategy with more than one worker
  (keras-team/keras#20585: "Attempt to convert a value (PerReplica...)"), so kerascli trains
  with :func:`fit_custom_loop`, a distributed training step on TensorFlow's own engine
  (``strategy.run`` + all-reduced gradients through the Keras optimizer) that drives the same
  Keras callbacks (progress, backup/resume, NaN guard) and returns the same history;
* ``auto``: ``mirrored`` when more than one GPU is visible, else ``default``.

Limits (documented in the README): in the custom loop, metrics are loss and accuracy only;
every worker must see the same data files; only the chief (worker 0) writes artifacts.
"""
import json
import os

from kerascli.errors import UserError

STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def tf_config():
    """The parsed TF_CONFIG, or None."""
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return None
    try:
        config = json.loads(raw)
        config["cluster"]["worker"]
        config["task"]["index"]
    except (ValueError, KeyError, TypeError):
        raise UserError("TF_CONFIG: not valid JSON of the form {\"cluster\": {\"worker\": "
                        "[\"host:port\", ...]}, \"task\": {\"type\": \"worker\", \"index\": N}}.") from None
    return config


def is_chief():
    """True on the worker that writes artifacts (worker 0, or a lone process)."""
    config = tf_config()
    if not config:
        return True
    task = config.get("task", {})
    return task.get("type") == "chief" or (task.get("type") == "worker" and int(task.get("index", 0)) == 0
                                           and "chief" not in config.get("cluster", {}))


def resolved_name(name):
    """The strategy ``--strategy NAME`` means on this machine: ``auto`` is ``mirrored`` where
    more than one GPU is visible, ``default`` otherwise."""
    if name not in STRATEGIES:
        raise UserError(f"--strategy {name}: choose one of {', '.join(STRATEGIES)}.")
    if name != "auto":
        return name
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    return "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "default"


def make_strategy(name):
    """Create the ``tf.distribute`` strategy for ``--strategy NAME`` (call before any model
    is built; build and compile inside ``strategy.scope()``)."""
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf

    name = resolved_name(name)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if tf.config.list_logical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        # no GPU: mirror over the logical CPU devices (MirroredStrategy() alone would take
        # CPU:0 only); a machine with one CPU device gets one replica
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=cpus)
    tf_config()  # validate early: a malformed TF_CONFIG is a one-line error, not a hang
    return tf.distribute.MultiWorkerMirroredStrategy()


def needs_custom_loop(strategy):
    import tensorflow as tf
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def _unreduced_loss(model):
    """A per-example version of the model's compiled loss (the custom loop averages it over
    the global batch, as tf.distribute requires)."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    loss = model.loss
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        config["reduction"] = None
        return type(loss).from_config(config)
    return loss  # a plain function already returns per-example values


def fit_custom_loop(model, x, y, *, strategy, epochs, batch_size, seed, classification,
                    validation_data=None, callbacks=(), initial_epoch=0):
    """Train a compiled ``model`` with a distributed custom training step.

    ``model`` must have been built and compiled inside ``strategy.scope()``. The global batch
    is ``batch_size``; each worker feeds its shard (``AutoShardPolicy.DATA``). Returns a
    Keras-style history dict (loss, accuracy, val_loss, val_accuracy per epoch).
    """
    from kerascli.runtime import keras_module
    keras = keras_module()
    import numpy as np
    import tensorflow as tf

    loss_fn = _unreduced_loss(model)
    optimizer = model.optimizer
    with strategy.scope():
        optimizer.build(model.trainable_variables)

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train = (tf.data.Dataset.from_tensor_slices((x, y))
             .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
             .batch(batch_size).with_options(options))
    dist_train = strategy.experimental_distribute_dataset(train)
    steps = int(np.ceil(len(x) / batch_size))

    def _correct(yb, pred):
        if not classification:
            return tf.constant(0.0)
        labels = tf.cast(tf.reshape(yb, [-1]), tf.int64)
        return tf.reduce_sum(tf.cast(tf.equal(tf.argmax(pred, axis=-1), labels), tf.float32))

    @tf.function
    def train_step(batch):
        def step_fn(xb, yb):
            with tf.GradientTape() as tape:
                pred = model(xb, training=True)
                per_example = tf.cast(loss_fn(yb, pred), tf.float32)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch_size)
                if model.losses:
                    loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
                # mixed_float16: the LossScaleOptimizer unscales what it is given, so scale here
                scaled = optimizer.scale_loss(loss)
            grads = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return tf.reduce_sum(per_example), _correct(yb, pred), tf.cast(tf.shape(xb)[0], tf.float32)

        totals = strategy.run(step_fn, args=batch)
        return [strategy.reduce(tf.distribute.ReduceOp.SUM, t, axis=None) for t in totals]

    callback_list = keras.callbacks.CallbackList(
        list(callbacks), add_history=True, add_progbar=False, model=model,
        epochs=epochs, steps=steps, verbose=0)
    model.stop_training = False
    callback_list.on_train_begin()
    # BackupAndRestore sets _initial_epoch when it restores a backup (resume after a kill).
    start = max(initial_epoch, int(getattr(model, "_initial_epoch", 0) or 0))
    for epoch in range(start, epochs):
        callback_list.on_epoch_begin(epoch)
        loss_sum = correct = seen = 0.0
        for step, batch in enumerate(dist_train):
            callback_list.on_train_batch_begin(step)
            batch_loss, batch_correct, batch_n = (float(t) for t in train_step(batch))
            loss_sum, correct, seen = loss_sum + batch_loss, correct + batch_correct, seen + batch_n
            callback_list.on_train_batch_end(step, {"loss": batch_loss / max(batch_n, 1.0)})
            if model.stop_training:
                break
        logs = {"loss": loss_sum / max(seen, 1.0)}
        if classification:
            logs["accuracy"] = correct / max(seen, 1.0)
        if validation_data is not None:
            logs.update(_validation_logs(model, loss_fn, validation_data, batch_size, classification))
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return model.history.history if model.history is not None else {}


def scratch_dir():
    """Where a non-chief worker writes its run: ``$KERASCLI_WORKER_DIR`` if set (kept, so a
    test or a user can compare it with the chief's), else a temporary directory removed when
    the process exits. Only the chief writes the real run directory."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    kept = os.environ.get("KERASCLI_WORKER_DIR")
    if kept:
        path = Path(kept)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix="kerascli-worker-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def predict_batches(model, x, batch_size=1024):
    """Predict in plain batched calls (Keras' predict() is not usable under a multi-worker
    strategy; a direct call reads the mirrored variables and needs no collective op)."""
    import numpy as np
    outputs = [np.asarray(model(x[i:i + batch_size], training=False))
               for i in range(0, len(x), batch_size)]
    return np.concatenate(outputs) if outputs else np.empty((0,))


def _validation_logs(model, loss_fn, validation_data, batch_size, classification):
    import numpy as np
    x_val, y_val = validation_data
    pred = predict_batches(model, x_val, batch_size)
    logs = {"val_loss": float(np.mean(np.asarray(loss_fn(y_val, pred))))}
    if classification:
        logs["val_accuracy"] = float(np.mean(np.argmax(pred, axis=-1) == np.reshape(y_val, -1)))
    return logs
