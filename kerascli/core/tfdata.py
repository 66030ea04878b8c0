"""tf.data input feeds: in-memory arrays, and image folders streamed from disk. (Named for
tf.data, not "pipeline": that word is scikit-learn's Pipeline in baselines.py and comparing.py.)

* :func:`from_arrays` turns NumPy arrays into a ``tf.data.Dataset`` (cache, seeded shuffle
  reshuffled each epoch, batch, prefetch), optionally with augmentation applied on the fly.
* :func:`image_feed` (training, epoch-seeded order for ``--resume``), :func:`image_batches`
  (validation, evaluate, predict) and :func:`stream_image_folder` read image files from disk,
  decoding and resizing each in parallel as it is needed with the one decode function
  (:func:`kerascli.datasets._image_decode.decoder`, tf.io ops): memory stays bounded by the
  prefetched batches, not by the size of the folder (benchmarks/image_folder.py).

Whether :mod:`kerascli.core.fit` feeds ``fit()`` from arrays or from :func:`from_arrays` is
decided by measurement (benchmarks/pipeline.py; the result is in benchmarks/RESULTS.md).
"""
AUTOTUNE = -1  # tf.data.AUTOTUNE, without importing TensorFlow at module level


def tensorflow():
    from kerascli.runtime import keras_module
    keras_module()
    import tensorflow as tf
    return tf


def from_arrays(x, y, *, batch_size, shuffle=True, seed=0, cache=True, augment=None,
                drop_remainder=False):
    """A batched, prefetched ``tf.data.Dataset`` of ``(x, y)``.

    Args:
        x, y: NumPy arrays with the same first dimension.
        batch_size: examples per batch (the global batch under a tf.distribute strategy).
        shuffle: reshuffle the whole set every epoch, seeded by ``seed``.
        cache: keep the converted tensors in memory after the first epoch.
        augment: a function ``(x_batch, y_batch) -> (x_batch, y_batch)`` applied to each
            training batch (e.g. :func:`flip_shift`), after shuffling and batching.
    """
    tf = tensorflow()
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if cache:
        data = data.cache()
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size, drop_remainder=drop_remainder)
    if augment is not None:
        data = data.map(augment, num_parallel_calls=AUTOTUNE)
    return data.prefetch(AUTOTUNE)


def flip_shift(max_shift=0.1, flip=True, seed=0):
    """A batch augmentation: random horizontal flips and shifts of up to ``max_shift`` of the
    image size (reflect padding), for :func:`from_arrays`'s ``augment``."""
    tf = tensorflow()
    rng = tf.random.Generator.from_seed(seed)

    def augment(images, labels):
        images = tf.convert_to_tensor(images)
        height, width = images.shape[1], images.shape[2]
        dy, dx = max(1, int(round(height * max_shift))), max(1, int(round(width * max_shift)))
        padded = tf.pad(images, [[0, 0], [dy, dy], [dx, dx], [0, 0]], mode="REFLECT")
        n = tf.shape(images)[0]
        if flip:
            flips = rng.uniform([n]) < 0.5
            padded = tf.where(flips[:, None, None, None], tf.reverse(padded, axis=[2]), padded)
        # one random crop per image: gather rows and columns with per-image offsets
        oy = rng.uniform([n], 0, 2 * dy + 1, dtype=tf.int32)
        ox = rng.uniform([n], 0, 2 * dx + 1, dtype=tf.int32)
        rows = oy[:, None] + tf.range(height)[None, :]
        cols = ox[:, None] + tf.range(width)[None, :]
        shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
        shifted = tf.gather(shifted, cols, axis=2, batch_dims=1)
        return shifted, labels

    return augment


def decode_fn(image_size, channels=3):
    """A tf.data map function ``(path, route, *label) -> (uint8 image, *label)``: reads each
    file and decodes it with :func:`kerascli.datasets._image_decode.decoder`, the one decode/resize
    that ``evaluate``, ``predict`` and ``serve`` use too (tf.io ops for JPEG/PNG/GIF/BMP, so
    the parallel map calls run in parallel; Pillow only for what tf.io cannot read alike)."""
    from kerascli.datasets._image_decode import decoder
    decode = decoder(tuple(int(n) for n in image_size), int(channels))
    tf = tensorflow()

    def load(path, route, *label):
        return (decode(tf.io.read_file(path), route), *label)

    return load


def stream_image_folder(paths, labels, *, image_size, channels=3, batch_size=32, shuffle=True,
                        seed=0, shuffle_buffer=10_000):
    """Batches of ``(uint8 images, labels)`` decoded from ``paths`` as they are needed.

    Memory is bounded by ``shuffle_buffer`` file names plus a few prefetched batches of
    decoded images, however many files there are.
    """
    from kerascli.datasets._image_files import ImageFiles
    tf = tensorflow()
    files = ImageFiles(paths, image_size, channels)
    data = tf.data.Dataset.from_tensor_slices((list(files.paths), files.routes, list(labels)))
    if shuffle:
        data = data.shuffle(min(len(paths), shuffle_buffer), seed=seed,
                            reshuffle_each_iteration=True)
    return (data.map(decode_fn(image_size, channels), num_parallel_calls=AUTOTUNE)
            .batch(batch_size).prefetch(AUTOTUNE))


def is_streamed(x):
    """Whether ``x`` is image files to decode batch by batch (an image folder's
    :class:`kerascli.datasets._image_files.ImageFiles`) rather than an array in memory."""
    return hasattr(x, "paths") and hasattr(x, "channels") and hasattr(x, "size")


def check_batch_fits(files, batch_size):
    """Refuse, in one line with the figure, images so large that one batch of them, as the
    float32 tensor the network starts from, would take more than half the free memory (the
    network's activations on it need the rest)."""
    from kerascli.datasets import images
    need = batch_size * files.nbytes // max(1, len(files)) * 4
    free = images.available_memory()
    if free is not None and 2 * need > free:
        height, width = files.size
        from kerascli.errors import UserError
        raise UserError(f"--image-size {height}x{width}: one batch of {batch_size} images is "
                        f"{images.gib(need)} as float32, and the network needs several times "
                        f"that, but {images.gib(free)} of memory is available; choose a smaller "
                        "--image-size (or --batch-size).")


def image_batches(files, labels=None, *, batch_size):
    """Batches of ``files`` (:class:`~kerascli.datasets._image_files.ImageFiles`) decoded in order,
    with their ``labels`` when given: for validation, ``evaluate`` and ``predict``."""
    return files.batches(batch_size, labels).prefetch(AUTOTUNE)


def seeded_epochs(n, seed):
    """(dataset of row indices, Keras callback): one epoch's visiting order per iterator.

    Epoch ``e`` visits the rows in the order of ``argsort(stateless_uniform(seed, e))``: the
    same in a run resumed at epoch ``e`` as in one that never stopped (a plain
    ``shuffle(reshuffle_each_iteration=True)`` restarts its sequence in a new process). The
    dataset counts the iterators Keras opens, one per epoch; the callback (put it after the
    epoch backup's restore) sets the count to the epoch training starts from.
    """
    from kerascli.core import resume
    from kerascli.runtime import keras_module
    tf = tensorflow()
    base = tf.constant(int(seed) % (2 ** 31), tf.int64)
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="kerascli_feed_epoch")

    def one_epoch(_):
        e = epoch.assign_add(1) - 1  # once per iterator, i.e. per epoch
        keys = tf.random.stateless_uniform([n], seed=tf.stack([base, e]))
        return tf.data.Dataset.from_tensor_slices(tf.argsort(keys))

    class StartEpoch(keras_module().callbacks.Callback):
        def on_train_begin(self, logs=None):
            epoch.assign(resume.initial_epoch(self.model))

    return tf.data.Dataset.range(1).flat_map(one_epoch), StartEpoch()


def _known_length(data, n, batch_size):
    """A known number of batches: Keras then opens a fresh iterator for every epoch."""
    import math
    tf = tensorflow()
    return data.apply(tf.data.experimental.assert_cardinality(math.ceil(n / batch_size)))


def array_feed(x, y, *, batch_size, seed):
    """(``tf.data.Dataset``, Keras callback): training batches gathered from in-memory arrays
    in :func:`seeded_epochs` order; the last batch of an epoch may be short."""
    tf = tensorflow()
    xs, ys = tf.constant(x), tf.constant(y)
    order, start_epoch = seeded_epochs(len(x), seed)
    data = order.batch(batch_size).map(lambda i: (tf.gather(xs, i), tf.gather(ys, i)),
                                       num_parallel_calls=AUTOTUNE, deterministic=True)
    return _known_length(data, len(x), batch_size).prefetch(AUTOTUNE), start_epoch


def image_feed(files, labels, *, batch_size, seed):
    """(``tf.data.Dataset``, Keras callback): training batches decoded from image files in
    :func:`seeded_epochs` order, each batch read from disk as it is needed: memory holds the
    file names and a few prefetched batches, whatever the number of files."""
    check_batch_fits(files, batch_size)
    order, start_epoch = seeded_epochs(len(files), seed)
    data = files.batches(batch_size, labels, order=order)  # a file that will not decode: left out
    return _known_length(data, len(files), batch_size).prefetch(AUTOTUNE), start_epoch
