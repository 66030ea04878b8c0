"""What the converters are given: the model as it predicts. They trace it without
training=False, where Keras' random augmentation layers flip and shift at random (a cifar
export was 0.1 off Keras, 80% same top class, and tf2onnx could not build it)."""
import numpy as np
import pytest


def test_the_converters_get_a_model_without_random_augmentation():
    import keras
    from kerascli.exporting.convert import all_layers, inference_copy
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.RandomFlip("horizontal"),
                              keras.layers.RandomTranslation(0.3, 0.3), keras.layers.Flatten(),
                              keras.layers.Dense(3, name="dense")])
    x = np.random.default_rng(0).random((8, 6, 6, 1)).astype("float32")
    copy = inference_copy(model)
    assert not [layer for layer in all_layers(copy) if "Random" in type(layer).__name__]
    expected = model(x, training=False)
    assert not np.allclose(model(x, training=True), expected)  # what a converter traced
    np.testing.assert_allclose(copy(x), expected, atol=1e-6)  # the default call, as traced


@pytest.mark.slow  # a cifar run trained on an image folder and exported: about 20 s
def test_a_cifar_run_with_flip_averaging_exports_and_passes_the_check(invoke, train_run,
                                                                       tmp_path_factory):
    import datafiles
    folder = datafiles.write_image_folder(tmp_path_factory.mktemp("img") / "photos",
                                          classes=("cat", "dog"), per_class=8)
    run = train_run("cifar", str(folder), epochs=1, image_size=(16, 16))
    out = tmp_path_factory.mktemp("export") / "sm"
    result = invoke("export", run.run_dir, "--output", out)
    assert result.exit_code == 0, result.output
    assert "same top class on 100.00%" in result.stdout
