"""Custom Keras layers (and a loss) used by kerascli models, registered so saved models reload.

This module is imported by kerascli's import hook right after Keras finishes importing
(see ``kerascli/_keras_hook.py``), so ``import kerascli`` followed by plain
``keras.models.load_model("model.h5")`` finds these layers.
"""
from kerascli.runtime import keras_module

keras = keras_module()


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
    standardised by Keras' Normalization) or ``{"name", "kind": "categorical",
    "vocabulary", "unknown_slot"}`` (Keras' StringLookup, one-hot). A value outside the
    vocabulary falls in the "unknown" bucket: its own one-hot slot when the training rows
    had such values (a column capped at its most frequent values), else all zeros (a slot no
    training row used would keep its random initial weight). Everything is in the config (no weights), so a saved .h5 reloads
    with ``import kerascli; keras.models.load_model(...)``. Make one with :meth:`adapted`.
    """

    def __init__(self, columns, **kwargs):
        super().__init__(**kwargs)
        self.columns = [dict(c) for c in columns]
        numeric = [c for c in self.columns if c["kind"] == "numeric"]
        self.numeric_index = [i for i, c in enumerate(self.columns) if c["kind"] == "numeric"]
        self.fill = [float(c["mean"]) for c in numeric]
        self.normalize = (keras.layers.Normalization(
            mean=self.fill, variance=[float(c["variance"]) or 1.0 for c in numeric],
            name="standardize_numbers") if numeric else None)
        self.lookups = [(i, keras.layers.StringLookup(vocabulary=list(c["vocabulary"]),
                                                      num_oov_indices=1, output_mode="one_hot",
                                                      name=f"categories_{i}"))
                        for i, c in enumerate(self.columns) if c["kind"] == "categorical"]

    @classmethod
    def adapted(cls, rows, names, kinds, max_categories=100, **kwargs):
        """A TableEncoder fitted on ``rows`` (the training part): numeric means and variances
        over the non-empty cells, each text column's vocabulary by StringLookup.adapt (the
        ``max_categories`` most frequent values)."""
        import numpy as np
        columns = []
        for i, (name, kind) in enumerate(zip(names, kinds)):
            cells = np.asarray(rows)[:, i]
            if kind == "numeric":
                values = parse_numbers(cells)
                seen = values[~np.isnan(values)]
                columns.append({"name": name, "kind": kind,
                                "mean": float(seen.mean()) if seen.size else 0.0,
                                "variance": float(seen.var()) if seen.size else 1.0})
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
            self.normalize.build((None, len(self.numeric_index)))
        for _, lookup in self.lookups:
            lookup.build((None, 1))
        self.built = True

    def call(self, rows):
        import tensorflow as tf  # string parsing has no keras.ops counterpart
        parts = []
        if self.numeric_index:
            cells = tf.strings.strip(tf.gather(rows, self.numeric_index, axis=1))
            values = tf.strings.to_number(tf.where(cells == "", "nan", cells), tf.float32)
            values = tf.where(tf.math.is_nan(values), tf.constant([self.fill], tf.float32), values)
            parts.append(tf.cast(self.normalize(values), tf.float32))
        for i, lookup in self.lookups:
            onehot = tf.cast(lookup(rows[:, i:i + 1]), tf.float32)
            parts.append(onehot if self.columns[i].get("unknown_slot") else onehot[:, 1:])
        return tf.cast(tf.concat(parts, axis=1), self.compute_dtype)

    @property
    def output_width(self):
        return len(self.numeric_index) + sum(len(c["vocabulary"]) + bool(c.get("unknown_slot"))
                                             for c in self.columns if c["kind"] == "categorical")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_width)

    def get_config(self):
        return {**super().get_config(), "columns": self.columns}


def parse_numbers(cells):
    """Cells of text -> float64, NaN for an empty one."""
    import numpy as np
    cells = np.char.strip(np.asarray(cells, dtype=str))
    return np.where(cells == "", "nan", cells).astype(np.float64)
