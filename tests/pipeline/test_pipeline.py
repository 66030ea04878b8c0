"""kerascli.core.tfdata: tf.data from arrays (seeded shuffle, batching, augmentation) and image
folders streamed from disk."""
import numpy as np
import pytest

from kerascli.core import tfdata


def _epoch(data):
    xs, ys = zip(*[(np.asarray(x), np.asarray(y)) for x, y in data])
    return np.concatenate(xs), np.concatenate(ys), [len(y) for y in ys]


def test_from_arrays_yields_every_example_once_per_epoch_in_batches():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.arange(10)
    xs, ys, sizes = _epoch(tfdata.from_arrays(x, y, batch_size=4, seed=1))
    assert sizes == [4, 4, 2]
    assert sorted(ys.tolist()) == list(range(10))
    np.testing.assert_array_equal(xs[:, 0], ys)  # pairs stay together


def test_from_arrays_shuffle_is_seeded_and_reshuffled_each_epoch():
    x, y = np.arange(64, dtype="float32"), np.arange(64)
    data = tfdata.from_arrays(x, y, batch_size=8, seed=7)
    first, second = _epoch(data)[1], _epoch(data)[1]
    again = _epoch(tfdata.from_arrays(x, y, batch_size=8, seed=7))[1]
    assert first.tolist() != list(range(64))  # shuffled
    assert first.tolist() != second.tolist()  # a new order each epoch
    np.testing.assert_array_equal(first, again)  # same seed, same order


def test_from_arrays_without_shuffle_keeps_order():
    x, y = np.arange(5, dtype="float32"), np.arange(5)
    assert _epoch(tfdata.from_arrays(x, y, batch_size=2, shuffle=False))[1].tolist() == [0, 1, 2, 3, 4]


def test_flip_shift_keeps_shape_and_moves_pixels_within_the_reflected_image():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (16, 10, 10, 3)).astype("uint8")
    labels = np.arange(16)
    augment = tfdata.flip_shift(0.1, flip=True, seed=3)
    out, out_labels = augment(images, labels)
    out = np.asarray(out)
    assert out.shape == images.shape and out.dtype == images.dtype
    np.testing.assert_array_equal(np.asarray(out_labels), labels)
    changed = [not np.array_equal(a, b) for a, b in zip(out, images)]
    assert any(changed)  # some images moved or flipped
    for a, b in zip(out, images):  # every output row is a (possibly flipped) crop of the input
        padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="reflect")
        candidates = [padded, padded[:, ::-1]]
        assert any(np.array_equal(c[i:i + 10, j:j + 10], a)
                   for c in candidates for i in range(3) for j in range(3))


def test_stream_image_folder_decodes_and_resizes_lazily(tmp_path):
    from PIL import Image
    paths, labels = [], []
    for label, (name, colour) in enumerate((("cat", (250, 0, 0)), ("dog", (0, 0, 250)))):
        (tmp_path / name).mkdir()
        for i, size in enumerate(((40, 30), (17, 23), (64, 64))):
            path = tmp_path / name / f"{i}.{'png' if i % 2 else 'jpg'}"
            Image.new("RGB", size, colour).save(path)
            paths.append(path)
            labels.append(label)
    data = tfdata.stream_image_folder(paths, labels, image_size=(8, 12), batch_size=4, seed=0)
    xs, ys, sizes = _epoch(data)
    assert xs.shape == (6, 8, 12, 3) and xs.dtype == np.uint8 and sizes == [4, 2]
    assert sorted(ys.tolist()) == [0, 0, 0, 1, 1, 1]
    reds = xs[ys == 0][..., 0].mean()
    blues = xs[ys == 1][..., 2].mean()
    assert reds > 200 and blues > 200  # each label kept its own image


def test_stream_image_folder_reports_an_undecodable_file(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    data = tfdata.stream_image_folder([bad], [0], image_size=(4, 4), batch_size=1)
    with pytest.raises(Exception):
        _epoch(data)
