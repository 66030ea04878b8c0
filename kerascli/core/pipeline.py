"""tf.data input pipelines: in-memory arrays, and image folders streamed from disk.

* :func:`from_arrays` turns NumPy arrays into a ``tf.data.Dataset`` (cache, seeded shuffle
  reshuffled each epoch, batch, prefetch), optionally with augmentation applied on the fly.
* :func:`stream_image_folder` reads an image folder (one subfolder per class) from its file
  paths, decoding and resizing each image in parallel as it is needed: memory stays bounded
  by the shuffle buffer and the prefetched batches, not by the size of the folder.

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


def stream_image_folder(paths, labels, *, image_size, channels=3, batch_size=32, shuffle=True,
                        seed=0, shuffle_buffer=10_000):
    """Batches of ``(uint8 images, labels)`` decoded from ``paths`` as they are needed.

    Memory is bounded by ``shuffle_buffer`` file names plus a few prefetched batches of
    decoded images, however many files there are. Images are decoded (JPEG/PNG), converted
    to ``channels`` and resized to ``image_size`` (height, width) with antialiasing.
    """
    tf = tensorflow()
    height, width = image_size
    paths = [str(p) for p in paths]
    data = tf.data.Dataset.from_tensor_slices((paths, list(labels)))
    if shuffle:
        data = data.shuffle(min(len(paths), shuffle_buffer), seed=seed,
                            reshuffle_each_iteration=True)

    def load(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels,
                                   expand_animations=False)
        image = tf.image.resize(image, (height, width), antialias=True)
        image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        image.set_shape((height, width, channels))
        return image, label

    return (data.map(load, num_parallel_calls=AUTOTUNE)
            .batch(batch_size).prefetch(AUTOTUNE))
