"""Custom Keras layers (and a loss) used by kerascli models, registered so saved models reload.

This module is imported by kerascli's import hook right after Keras finishes importing
(see ``kerascli/_keras_hook.py``), so ``import kerascli`` followed by plain
``keras.models.load_model("model.h5")`` finds these layers.
"""
from kerascli.runtime import keras_module

keras = keras_module()


@keras.saving.register_keras_serializable(package="kerascli")
class FixedKernelConv2D(keras.layers.Conv2D):
    """A Conv2D whose kernel is not trained (its bias is): cifar's patch-whitening stem
    (``--stem whiten``), set once from the training images and kept, as airbench keeps it.
    The kernel is made non-trainable in ``build``, so a freshly built layer lists its weights
    in the same order (bias, then kernel) as the saved one and an .h5 file reloads."""

    def build(self, input_shape):
        super().build(input_shape)
        self.kernel.trainable = False


@keras.saving.register_keras_serializable(package="kerascli")
class LocalResponseNormalization(keras.layers.Layer):
    """Local response normalisation across channels (Krizhevsky et al., 2012), channels last.

    ``y[..., c] = x[..., c] / (bias + alpha * sum(x[..., c-r:c+r+1] ** 2)) ** beta`` with
    ``r = depth_radius``: the same definition (and defaults) as
    ``tf.nn.local_response_normalization``, written with ``keras.ops`` so it runs on any backend.
    """

    def __init__(self, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        if keras.backend.backend() == "tensorflow":
            # TensorFlow's fused kernel, same definition: 2-4x faster training for alexnet on a
            # 2-core CPU than the sum of shifted slices below (benchmarks/RESULTS.md, alexnet)
            import tensorflow as tf
            return tf.nn.local_response_normalization(
                inputs, depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha,
                beta=self.beta)
        ops = keras.ops
        r = self.depth_radius
        channels = inputs.shape[-1]
        squared = ops.square(inputs)
        pad = [[0, 0]] * (len(inputs.shape) - 1) + [[r, r]]
        padded = ops.pad(squared, pad)
        window_sum = sum(padded[..., k:k + channels] for k in range(2 * r + 1))
        return inputs / ops.power(self.bias + self.alpha * window_sum, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}


@keras.saving.register_keras_serializable(package="kerascli")
class FlipPair(keras.layers.Layer):
    """Test-time flip averaging, first half: at inference, appends the horizontal mirror image
    of every input to the batch (``[x; flip(x)]``, channels last); in training, passes the batch
    through. :class:`AverageFlipPair`, placed just before the softmax, averages the two halves'
    logits again, so a Sequential model predicts the mean of an image and its mirror
    (airbench's test-time augmentation, flips only). Batch norm at inference uses its
    moving statistics, so doubling the batch changes nothing else."""

    def call(self, inputs, training=None):
        if training:
            return inputs
        return keras.ops.concatenate([inputs, keras.ops.flip(inputs, axis=2)], axis=0)

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])


@keras.saving.register_keras_serializable(package="kerascli")
class AverageFlipPair(keras.layers.Layer):
    """Test-time flip averaging, second half: at inference, the mean of the first and second
    halves of the batch that :class:`FlipPair` doubled; in training, passes the batch through."""

    def call(self, inputs, training=None):
        if training:
            return inputs
        half = keras.ops.shape(inputs)[0] // 2
        return (inputs[:half] + inputs[half:]) / 2

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])


@keras.saving.register_keras_serializable(package="kerascli")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy against integer labels with label smoothing (the fast CIFAR recipe).

    Keras' SparseCategoricalCrossentropy has no ``label_smoothing``; this one-hot encodes the
    labels and applies CategoricalCrossentropy's: the target is ``(1 - s) * one_hot + s / k``.
    Registered here so a model compiled with it reloads with plain ``load_model``.
    """

    def __init__(self, label_smoothing=0.0, name="smoothed_sparse_categorical_crossentropy",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        ops = keras.ops
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        one_hot = ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package="kerascli")
class TableEncoder(keras.layers.Layer):
    """Raw table rows (strings, one per column, as a CSV holds them) -> one float vector.

    ``columns``: one dict per input column, in order: ``{"name", "kind": "numeric", "mean",
    "variance"}`` (parsed as a number; an empty cell takes the training mean; then
    standardised by Keras' Normalization), ``{"name", "kind": "date", "mean": [3],
    "variance": [3]}`` (an ISO date YYYY-MM-DD -> year, sine and cosine of the day of the year
    (:func:`date_parts`), an empty cell the training means, standardised with the numbers) or
    ``{"name", "kind": "categorical", "vocabulary", "unknown_slot"}`` (Keras' StringLookup,
    one-hot). A value outside the vocabulary falls in the "unknown" bucket: its own one-hot
    slot when the training rows had such values (a column capped at its most frequent
    values), else all zeros (a slot no training row used would keep its random initial
    weight). Everything is in the config (no weights), so a saved .h5 reloads with ``import
    kerascli; keras.models.load_model(...)``. Make one with :meth:`adapted`.
    """

    def __init__(self, columns, **kwargs):
        super().__init__(**kwargs)
        self.columns = [dict(c) for c in columns]
        numeric = [c for c in self.columns if c["kind"] == "numeric"]
        dates = [c for c in self.columns if c["kind"] == "date"]
        self.numeric_index = [i for i, c in enumerate(self.columns) if c["kind"] == "numeric"]
        self.date_index = [i for i, c in enumerate(self.columns) if c["kind"] == "date"]
        self.fill = [float(c["mean"]) for c in numeric]
        self.date_fill = [float(m) for c in dates for m in c["mean"]]
        variances = ([float(c["variance"]) or 1.0 for c in numeric]
                     + [float(v) or 1.0 for c in dates for v in c["variance"]])
        self.normalize = (keras.layers.Normalization(
            mean=self.fill + self.date_fill, variance=variances, name="standardize_numbers")
            if variances else None)
        self.lookups = [(i, keras.layers.StringLookup(vocabulary=list(c["vocabulary"]),
                                                      num_oov_indices=1, output_mode="one_hot",
                                                      name=f"categories_{i}"))
                        for i, c in enumerate(self.columns) if c["kind"] == "categorical"]

    @classmethod
    def adapted(cls, rows, names, kinds, max_categories, **kwargs):
        """A TableEncoder fitted on ``rows`` (the training part): numeric means and variances
        over the non-empty cells (:func:`moments`), each text column's vocabulary by
        StringLookup.adapt (the ``max_categories`` most frequent values)."""
        import numpy as np
        columns = []
        for i, (name, kind) in enumerate(zip(names, kinds)):
            cells = np.asarray(rows)[:, i]
            if kind in ("numeric", "date"):
                values = parse_numbers(cells) if kind == "numeric" else date_parts(cells)
                mean, variance = moments(values.reshape(len(values), -1))
                if kind == "numeric":
                    mean, variance = mean[0], variance[0]
                columns.append({"name": name, "kind": kind, "mean": mean, "variance": variance})
            else:
                lookup = keras.layers.StringLookup(max_tokens=max_categories + 1,
                                                   num_oov_indices=1)
                lookup.adapt(cells)
                vocabulary = [str(v) for v in lookup.get_vocabulary()[1:]]
                columns.append({"name": name, "kind": kind, "vocabulary": vocabulary,
                                "unknown_slot": bool(len(set(cells)) > len(vocabulary))})
        return cls(columns, **kwargs)

    def build(self, input_shape):
        if self.normalize is not None:
            self.normalize.build((None, len(self.numeric_index) + 3 * len(self.date_index)))
        for _, lookup in self.lookups:
            lookup.build((None, 1))
        self.built = True

    def call(self, rows):
        import tensorflow as tf  # string parsing has no keras.ops counterpart
        parts, numbers = [], []
        if self.numeric_index:
            cells = tf.strings.strip(tf.gather(rows, self.numeric_index, axis=1))
            values = tf.strings.to_number(tf.where(cells == "", "nan", cells), tf.float32)
            numbers.append(tf.where(tf.math.is_nan(values), tf.constant([self.fill], tf.float32),
                                    values))
        for k, i in enumerate(self.date_index):
            fill = tf.constant([self.date_fill[3 * k:3 * k + 3]], tf.float32)
            numbers.append(_date_parts_tf(rows[:, i], fill))
        if numbers:
            parts.append(tf.cast(self.normalize(tf.concat(numbers, axis=1)), tf.float32))
        for i, lookup in self.lookups:
            onehot = tf.cast(lookup(rows[:, i:i + 1]), tf.float32)
            parts.append(onehot if self.columns[i].get("unknown_slot") else onehot[:, 1:])
        return tf.cast(tf.concat(parts, axis=1), self.compute_dtype)

    @property
    def output_width(self):
        return (len(self.numeric_index) + 3 * len(self.date_index)
                + sum(len(c["vocabulary"]) + bool(c.get("unknown_slot"))
                      for c in self.columns if c["kind"] == "categorical"))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_width)

    def get_config(self):
        return {**super().get_config(), "columns": self.columns}


# Cumulative days before each month (no leap day: the time of year, not the calendar)
MONTH_STARTS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
YEAR_DAYS = 365.25
ISO_DATE_PATTERN = r"\d{4}-\d{2}-\d{2}([ T].*)?"  # as kerascli.datasets._tabular.ISO_DATE


def date_parts(cells):
    """ISO date cells (YYYY-MM-DD, anything after a space or T ignored) -> float64 rows
    (year, sin, cos of the day of the year); NaN for an empty or malformed cell."""
    import math
    import re

    import numpy as np
    out = np.full((len(cells), 3), np.nan)
    for n, cell in enumerate(np.char.strip(np.asarray(cells, dtype=str))):
        if re.fullmatch(ISO_DATE_PATTERN, str(cell)):
            year, month, day = int(cell[:4]), int(cell[5:7]), int(cell[8:10])
            angle = 2 * math.pi * (MONTH_STARTS[min(max(month, 1), 12) - 1] + day - 1) / YEAR_DAYS
            out[n] = (year, math.sin(angle), math.cos(angle))
    return out


def _date_parts_tf(cells, fill):
    """:func:`date_parts` in TensorFlow ops (inside the saved model); ``fill`` (1, 3) for
    an empty or malformed cell."""
    import math

    import tensorflow as tf
    cells = tf.strings.strip(cells)
    valid = tf.strings.regex_full_match(cells, ISO_DATE_PATTERN)
    cells = tf.where(valid, cells, "0000-01-01")
    year = tf.strings.to_number(tf.strings.substr(cells, 0, 4), tf.float32)
    month = tf.strings.to_number(tf.strings.substr(cells, 5, 2), tf.int32)
    day = tf.strings.to_number(tf.strings.substr(cells, 8, 2), tf.float32)
    start = tf.gather(tf.constant(MONTH_STARTS, tf.float32), tf.clip_by_value(month, 1, 12) - 1)
    angle = 2 * math.pi * (start + day - 1) / YEAR_DAYS
    parts = tf.stack([year, tf.sin(angle), tf.cos(angle)], axis=1)
    return tf.where(valid[:, None], parts, fill)


# A column's spread bounds its standard deviation from below at a tenth of its training
# range, so a standardised training value lies within +-10. Without it a pixel column that is
# nonzero in one training image in 33,600 (sd 0.016) made inputs in the thousands and a
# validation loss of 5,629 against a test loss of 0.14 (a Kaggle digits CSV, issue 24).
RANGE_PER_SD = 10
# A column with one value in the rows a model is fitted on (the table's constant columns are
# left out by the dataset, but one may vary only in the validation hold-out) teaches it
# nothing, and the weights it meets stay at their random start: this variance scales it to
# about nothing (255 -> 0.0003), where a variance of 1 passed 255 straight to them.
CONSTANT_VARIANCE = 1e12


def moments(x):
    """(mean, variance) per column of ``x`` (rows x columns, NaN = empty cell, ignored) for
    standardising: the variance at least (range / RANGE_PER_SD) ** 2, and
    CONSTANT_VARIANCE for a column with one value (or none)."""
    import numpy as np
    x = np.asarray(x, dtype=np.float64)
    seen = ~np.isnan(x)
    count = seen.sum(axis=0)
    safe = np.where(seen, x, 0.0)
    mean = np.where(count > 0, safe.sum(axis=0) / np.maximum(count, 1), 0.0)
    variance = np.where(seen, (x - mean) ** 2, 0.0).sum(axis=0) / np.maximum(count, 1)
    spread = (np.where(seen, x, -np.inf).max(axis=0) - np.where(seen, x, np.inf).min(axis=0))
    spread = np.where(count > 0, spread, 0.0)
    variance = np.maximum(variance, (spread / RANGE_PER_SD) ** 2)
    variance = np.where(variance > 0, variance, CONSTANT_VARIANCE)
    return mean.tolist(), variance.tolist()


def parse_numbers(cells):
    """Cells of text -> float64, NaN for an empty one."""
    import numpy as np
    cells = np.char.strip(np.asarray(cells, dtype=str))
    return np.where(cells == "", "nan", cells).astype(np.float64)
