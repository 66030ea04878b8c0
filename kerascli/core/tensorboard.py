"""``--tensorboard DIR``: what a training run shows in TensorBoard.

* scalars: loss and metrics per epoch, training and validation (Keras' TensorBoard callback,
  ``DIR/train`` and ``DIR/validation``), and the learning rate;
* the model graph, under Graphs: the op graph of its forward pass and Keras' conceptual one;
* for image models, a few test images with the model's predictions after every epoch
  (Images, tag ``test_predictions``), so one sees what the network gets wrong as it learns.

TensorFlow 2.21 no longer installs ``tensorboard``; kerascli depends on it, and
:func:`check_available` refuses the option in one line, before any data loads or training
starts, where it is missing anyway (Keras would raise deep inside ``fit()``).
"""
import importlib.util

from kerascli.errors import UserError

N_IMAGES = 9  # test images shown with their predictions (a 3x3 grid)


def check_available(log_dir):
    """Refuse ``--tensorboard`` in one line when the ``tensorboard`` package is missing."""
    if log_dir and importlib.util.find_spec("tensorboard") is None:
        raise UserError(f"--tensorboard {log_dir}: the tensorboard package is not installed; "
                        "run `pip install tensorboard` (or reinstall kerascli), or drop the "
                        "option.")


def callbacks(log_dir, dataset, class_names=None):
    """Keras callbacks writing scalars, the graph and (image data) predicted test images."""
    from kerascli.runtime import keras_module
    keras = keras_module()
    found = [keras.callbacks.TensorBoard(log_dir=str(log_dir), write_graph=True,
                                         update_freq="epoch"),
             _model_graph(keras, str(log_dir))]
    if dataset.kind == "image" and dataset.task == "classification" and len(dataset.x_test):
        found.append(_predicted_images(keras, str(log_dir), dataset.x_test[:N_IMAGES],
                                       dataset.y_test[:N_IMAGES],
                                       class_names or dataset.class_names))
    return found


def _model_graph(keras, log_dir):
    """A callback writing the model's inference graph (op level) under Graphs, once.

    Keras 3's TensorBoard writes only the conceptual ("keras") graph: its train function is
    no longer a single ``tf.function`` it can take the graph of."""
    import tensorflow as tf

    class ModelGraph(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            model = self.model
            spec = tf.TensorSpec((None, *model.input_shape[1:]), model.inputs[0].dtype)
            graph = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
            writer = tf.summary.create_file_writer(f"{log_dir}/train")
            with writer.as_default():
                tf.summary.graph(graph.graph)
            writer.close()

    return ModelGraph()


def _predicted_images(keras, log_dir, images, labels, class_names):
    """A callback drawing ``images`` with their predicted and true classes, once per epoch."""
    import io

    import numpy as np
    import tensorflow as tf

    from kerascli import plots

    writer = tf.summary.create_file_writer(f"{log_dir}/images")
    names = list(class_names) if class_names else None

    def label(i):
        return names[i] if names and i < len(names) else str(int(i))

    class PredictedImages(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            outputs = np.asarray(self.model(images, training=False))
            predicted = np.argmax(outputs, axis=-1)
            plt = plots.pyplot()
            cols = int(np.ceil(np.sqrt(len(images))))
            rows = int(np.ceil(len(images) / cols))
            fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.4 * rows), squeeze=False)
            for ax in axes.ravel():
                ax.axis("off")
            for ax, image, truth, guess, out in zip(axes.ravel(), images, labels, predicted,
                                                    outputs):
                pixels = np.asarray(image)
                ax.imshow(pixels[..., 0] if pixels.shape[-1] == 1 else pixels.astype(np.uint8),
                          cmap="gray" if pixels.shape[-1] == 1 else None)
                ok = int(guess) == int(truth)
                ax.set_title(f"{label(guess)} {out[guess]:.0%}" + ("" if ok else
                                                                    f"\n(true {label(truth)})"),
                             color="green" if ok else "red", fontsize=9)
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=80)
            plt.close(fig)
            picture = tf.image.decode_png(buffer.getvalue(), channels=4)[None]
            with writer.as_default():
                tf.summary.image("test_predictions", picture, step=epoch,
                                 description="predicted class and probability; the true class "
                                             "in red where the prediction is wrong")
            writer.flush()

        def on_train_end(self, logs=None):
            writer.close()

    return PredictedImages()
