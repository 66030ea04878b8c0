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
