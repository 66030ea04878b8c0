"""The shapes behind the fast defaults (issues 13, 30): train_mnist_fast's unpadded net for cnn,
a strided first convolution for alexnet, airbench's design scaled down for cifar. Tiny
generated data; nothing here measures speed or accuracy (benchmarks/ does)."""
import numpy as np
import pytest

from kerascli.core import config as core_config, fit as core_fit
from kerascli.errors import UserError


def shapes(model):
    return [tuple(layer.output.shape[1:]) for layer in model.layers]


def test_cnn_default_is_train_mnist_fast_net_at_16_32_with_label_smoothing(make_tiny):
    dataset = make_tiny("image", (28, 28, 1), n_classes=10)
    cfg = core_config.make_config("cnn", "mnist")
    assert cfg.params_dict == {"filters": (16, 32), "kernel_sizes": (5, 3), "dense_units": 256,
                               "padding": "valid", "norm": "none", "dropout": 0.0,
                               "label_smoothing": 0.2, "schedule": "one-cycle"}
    assert (cfg.epochs, cfg.batch_size, cfg.learning_rate) == (2, 256, 0.01)
    model = core_fit.build_model(cfg, dataset)
    out = shapes(model)
    # rescale, conv 5x5 24x24, pool 12x12, conv 3x3 10x10, pool 5x5, flatten, dense, softmax
    assert out[1:6] == [(24, 24, 16), (12, 12, 16), (10, 10, 32), (5, 5, 32), (800,)]
    assert out[6] == (256,) and out[-1] == (10,) and len(out) == 8  # no dropout layer
    core_fit.compile_model(model, cfg, dataset.task, steps_per_epoch=10)
    assert model.loss.label_smoothing == 0.2 and model.optimizer.beta_1 == 0.7


def test_cnn_refuses_images_too_small_for_unpadded_convolutions_and_names_the_fix(make_tiny):
    dataset = make_tiny("image", (8, 8, 1))
    cfg = core_config.make_config("cnn", "mnist")  # mnist's default: valid padding
    with pytest.raises(UserError, match="--padding same"):
        core_fit.build_model(cfg, dataset)


def test_cnn_on_the_8x8_digits_pads_by_default(make_tiny):
    dataset = make_tiny("image", (8, 8, 1))
    cfg = core_config.make_config("cnn", "digits", epochs=1)
    assert cfg.params_dict["padding"] == "same"
    assert shapes(core_fit.build_model(cfg, dataset))[1] == (8, 8, 16)


def test_cnn_widths_and_dense_size_are_options(make_tiny):
    dataset = make_tiny("image", (28, 28, 1))
    cfg = core_config.make_config("cnn", "mnist", params={"filters": (12, 40), "dense_units": 64})
    out = shapes(core_fit.build_model(cfg, dataset))
    assert out[1] == (24, 24, 12) and out[3] == (10, 10, 40) and out[6] == (64,)
    bad = core_config.make_config("cnn", "mnist", params={"filters": (16, 32, 64)})
    with pytest.raises(UserError, match="give two widths"):
        core_fit.build_model(bad, dataset)


@pytest.mark.parametrize("side, kernels, fits", [
    (13, (5, 5), True), (12, (5, 5), False),  # 12 -> 8 -> 4: no room for the second 5x5
    (9, (5, 3), True), (8, (5, 3), False),
])
def test_cnn_size_check_matches_what_keras_can_build(make_tiny, side, kernels, fits):
    dataset = make_tiny("image", (side, side, 1))
    cfg = core_config.make_config("cnn", "mnist", params={"kernel_sizes": kernels,
                                                          "padding": "valid"})
    if fits:
        assert len(shapes(core_fit.build_model(cfg, dataset))[-1]) == 1  # down to the softmax
    else:
        with pytest.raises(UserError, match=f"at least {2 * kernels[1] + kernels[0] - 2}x"):
            core_fit.build_model(cfg, dataset)


def test_cnn_kernel_sizes_batch_norm_and_dropout_are_options(make_tiny):
    dataset = make_tiny("image", (28, 28, 1))
    cfg = core_config.make_config("cnn", "mnist", params={
        "filters": (24, 32), "kernel_sizes": (5, 3), "norm": "batch", "dropout": 0.0})
    model = core_fit.build_model(cfg, dataset)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("BatchNormalization") == 2 and "Dropout" not in kinds
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.kernel_size for c in convs] == [(5, 5), (3, 3)]
    assert not any(c.use_bias for c in convs)  # the batch norm's offset is the bias
    # 28 -> 24 -> 12 -> 10 -> 5: train_mnist_fast's 800 features
    assert tuple(model.layers[kinds.index("Flatten")].output.shape[1:]) == (800,)


def test_cnn_one_cycle_is_train_mnist_fasts_schedule_and_adam_betas():
    from kerascli import models
    spec = models.get("cnn")
    cfg = core_config.make_config("cnn", "mnist", learning_rate=0.01, epochs=2,
                                  params={"schedule": "one-cycle"})
    optimizer = spec.optimizer(cfg, steps_per_epoch=50)
    assert (optimizer.beta_1, optimizer.beta_2) == (0.7, 0.9)
    schedule = optimizer._learning_rate  # the schedule object Keras keeps
    rate = [float(schedule(step)) for step in (0, 30, 99)]
    assert rate[0] == pytest.approx(0.01 / 25) and rate[1] == pytest.approx(0.01)
    assert rate[2] < 1e-5  # down to about 0 at the end of the run
    cosine = core_config.make_config("cnn", "mnist", params={"schedule": "cosine"})
    assert spec.optimizer(cosine, steps_per_epoch=50) is None  # the core's Adam, cosine decay


def test_alexnet_keeps_its_shape_and_its_first_stride_is_an_option(make_tiny):
    dataset = make_tiny("image", (28, 28, 1), n_classes=10)
    model = core_fit.build_model(core_config.make_config(
        "alexnet", "mnist", params={"first_stride": 2}), dataset)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 5 and kinds.count("LocalResponseNormalization") == 2
    assert kinds.count("MaxPooling2D") == 3 and kinds.count("Dense") == 3
    assert kinds.count("Dropout") == 2
    first = model.layers[kinds.index("Conv2D")]
    assert first.strides == (2, 2) and tuple(first.output.shape[1:3]) == (14, 14)
    assert all(layer.pool_size == (3, 3) and layer.strides == (2, 2)  # overlapping pools
               for layer in model.layers if type(layer).__name__ == "MaxPooling2D")
    default = core_fit.build_model(core_config.make_config("alexnet", "mnist"), dataset)
    convs = [layer for layer in default.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [32, 64, 96, 96, 64] and convs[0].strides == (1, 1)


def test_local_response_normalization_matches_its_formula():
    from kerascli.models.layers import LocalResponseNormalization

    x = np.random.default_rng(0).random((2, 3, 3, 7)).astype("float32") * 10
    got = np.asarray(LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4,
                                                beta=0.75)(x))
    padded = np.pad(x ** 2, [[0, 0], [0, 0], [0, 0], [2, 2]])
    window = sum(padded[..., k:k + 7] for k in range(5))
    np.testing.assert_allclose(got, x / (2.0 + 1e-4 * window) ** 0.75, rtol=1e-5)


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_cifar_default_is_the_small_recipe_and_it_trains_saves_and_reloads(make_tiny, tmp_path):
    import keras

    cfg = core_config.make_config("cifar", "cifar10", epochs=1, batch_size=8, out=str(tmp_path))
    assert cfg.params_dict["recipe"] == "small" and cfg.params_dict["widths"] == (32, 64, 128)
    assert (core_config.make_config("cifar", "cifar10").optimizer, cfg.learning_rate) == (
        "adam", 4e-3)
    dataset = make_tiny("image", (32, 32, 3), n_classes=10, n_train=32, n_test=8)
    result = core_fit.train(cfg, dataset, run_dir=tmp_path, quiet=True)
    assert result.model.name == "cifar_small"
    convs = [layer for layer in result.model.layers if layer.name.startswith("block")
             and "_conv" in layer.name]
    assert [c.filters for c in convs] == [32, 32, 64, 64, 128, 128]
    assert result.model.get_layer("stem_whiten").filters == 24  # the whitened stem
    reloaded = keras.models.load_model(tmp_path / "model.h5")
    np.testing.assert_array_equal(reloaded.predict(dataset.x_test, verbose=0),
                                  result.model.predict(dataset.x_test, verbose=0))


def test_cifar_on_the_8x8_digits_falls_back_to_the_classic_recipe():
    cfg = core_config.make_config("cifar", "digits")
    assert cfg.params_dict["recipe"] == "classic" and cfg.epochs == 40
