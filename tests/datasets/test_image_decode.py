"""The one decode/resize of image files (issue 12): tf.io routes give Pillow's pixels, and
training, evaluate and predict see the same pixels."""
import numpy as np
import pytest

from kerascli.core import tfdata
from kerascli.datasets import _filecheck, _image_decode, _image_files


def _photo(width, height, seed=0):
    """A smooth colour field with noise: photo-like, so JPEG scaling and resizing matter."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([255 * xx / width, 255 * yy / height,
                     128 + 60 * np.sin(xx / 7) * np.cos(yy / 5)], axis=-1)
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


def _files(folder):
    """One file per tf.io route (and per mode the route converts), at a few sizes."""
    from PIL import Image
    rng = np.random.default_rng(1)
    made = []
    for width, height in ((256, 192), (64, 48), (13, 17)):
        rgb = Image.fromarray(_photo(width, height))
        rgba = np.asarray(rgb.convert("RGBA")).copy()
        rgba[..., 3] = rng.integers(0, 256, rgba.shape[:2])  # every level of transparency
        for name, image, fmt in (("rgb.jpg", rgb, "JPEG"), ("gray.jpg", rgb.convert("L"), "JPEG"),
                                 ("rgb.png", rgb, "PNG"), ("gray.png", rgb.convert("L"), "PNG"),
                                 ("rgba.png", Image.fromarray(rgba, "RGBA"), "PNG"),
                                 ("la.png", Image.fromarray(rgba, "RGBA").convert("LA"), "PNG"),
                                 ("palette.png", rgb.convert("P"), "PNG"),
                                 ("first.gif", rgb, "GIF"), ("rgb.bmp", rgb, "BMP")):
            path = folder / f"{width}x{height}-{name}"
            image.save(path, fmt)
            made.append(path)
    return made


def test_tf_io_routes_give_pillows_pixels_within_one_level(tmp_path):
    """Colour conversion, transparency on white, reduced-scale JPEG and the bilinear resize
    are those of the Pillow decode used before (and still used for what tf.io cannot read)."""
    seen_routes = set()
    for path in _files(tmp_path):
        facts = _filecheck.inspect(path)[1]
        for size in ((96, 128), (24, 40), (8, 8), (300, 260)):
            for channels in (3, 1):
                seen_routes.add(_image_decode.route(facts, size))
                ours = _image_decode.decode_file(path, size, channels).astype(int)
                pillow = _image_decode.pillow_decode(path, size, channels).astype(int)
                assert ours.shape == (*size, channels)
                assert np.abs(ours - pillow).max() <= 1, (path.name, size, channels)
    # every tf.io route was exercised: JPEG at 1/1, 1/2, 1/4, 1/8, PNG with alpha, the rest
    assert seen_routes == {1, 2, 3, 4, _image_decode.PNG_ALPHA, _image_decode.TF_RGB}


def test_what_tf_io_cannot_read_alike_goes_through_pillow(tmp_path):
    from PIL import Image
    rgb = Image.fromarray(_photo(20, 16))
    rgb.convert("CMYK").save(tmp_path / "cmyk.jpg", "JPEG")
    rgb.save(tmp_path / "photo.webp", "WEBP")
    Image.fromarray((np.arange(320).reshape(16, 20) * 200).astype(np.uint16)).save(
        tmp_path / "deep.png")
    keyed = rgb.convert("P")
    keyed.putpixel((0, 0), 0)  # colour 0, made transparent below, is used
    keyed.save(tmp_path / "keyed.png", transparency=0, optimize=False)
    keyed.save(tmp_path / "keyed.gif", transparency=0, optimize=False)
    rgb.convert("P").save(tmp_path / "palette.bmp")
    for name in ("cmyk.jpg", "photo.webp", "deep.png", "keyed.png", "keyed.gif", "palette.bmp"):
        path = tmp_path / name
        assert _image_decode.route(_filecheck.inspect(path)[1], (8, 8)) == _image_decode.PILLOW, name
        np.testing.assert_array_equal(_image_decode.decode_file(path, (8, 8)),
                                      _image_decode.pillow_decode(path, (8, 8)))
    assert _image_decode.decode_file(tmp_path / "keyed.png", (16, 20))[0, 0].tolist() == [255] * 3


def test_training_evaluate_and_predict_see_identical_pixels(tmp_path):
    """The training feed, the evaluate/validation batches and predict's per-file read are one
    decode function: the same bytes in, the same pixels out."""
    from kerascli.inference.image_inputs import image_array
    paths = _files(tmp_path)
    size = (24, 32)
    facts = _filecheck.check(paths)[1]
    files = _image_files.ImageFiles(paths, size, 3, [_image_decode.route(facts[p], size) for p in paths])
    labels = np.arange(len(paths))
    feed, _ = tfdata.image_feed(files, labels, batch_size=5, seed=3)
    trained = dict(zip(*reversed([np.concatenate(part) for part in zip(
        *[(x.numpy(), y.numpy()) for x, y in feed])])))
    evaluated = np.concatenate([x.numpy() for x, _ in tfdata.image_batches(
        files, labels, batch_size=4)])
    assert sorted(trained) == labels.tolist()
    for i, path in enumerate(paths):
        predicted, _ = image_array(path, (*size, 3))
        np.testing.assert_array_equal(trained[i], predicted)
        np.testing.assert_array_equal(evaluated[i], predicted)
        np.testing.assert_array_equal(files[i], predicted)
    with open(paths[0], "rb") as upload:  # serve: an uploaded file's bytes
        np.testing.assert_array_equal(_image_decode.decode_file(upload, size), trained[0])


def test_a_file_whose_pixels_do_not_decode_is_one_clear_error_in_predict(tmp_path):
    from kerascli.inference.image_inputs import image_array
    from kerascli.errors import DataError
    path = _broken_jpeg(tmp_path / "broken.jpg")
    assert _filecheck.problem(path) is None  # passes the header check
    with pytest.raises(DataError, match="broken.jpg"):
        image_array(path, (8, 8, 3))


def _broken_jpeg(path):
    """A JPEG whose header and end marker are whole but whose scan asks for a Huffman table
    that the file never defines: Pillow's header parse and the end check pass, decoding fails."""
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(_photo(32, 32)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sos = data.index(b"\xff\xda")
    components = data[sos + 4]
    for c in range(components):  # each component's DC/AC table selectors -> table 3
        data[sos + 6 + 2 * c] = 0x33
    path.write_bytes(bytes(data))
    return path


def _broken_png(path):
    """A PNG whose every chunk CRC is right (the check verifies them) but whose compressed
    pixel data is garbage: it passes the header check, and no decoder can inflate it."""
    import io
    import struct
    import zlib
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(_photo(32, 32)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at:at + 4])[0]
    garbage = bytes((i * 97 + 13) % 256 for i in range(length))
    data[at + 8:at + 8 + length] = garbage
    data[at + 8 + length:at + 12 + length] = struct.pack(">I", zlib.crc32(b"IDAT" + garbage))
    path.write_bytes(bytes(data))
    return path


def _folder_with_broken_files(root):
    from PIL import Image
    for part in ("train", "test"):
        for c, name in enumerate(("cat", "dog")):
            (root / part / name).mkdir(parents=True)
            for i in range(8 if part == "train" else 3):
                Image.fromarray(_photo(16, 16, seed=10 * c + i)).save(
                    root / part / name / f"{i}.jpg")
    _broken_jpeg(root / "train" / "cat" / "broken.jpg")
    _broken_png(root / "train" / "dog" / "broken.png")
    _broken_jpeg(root / "test" / "dog" / "broken.jpg")
    return root


def test_a_training_batch_leaves_out_a_file_that_fails_to_decode_and_keeps_the_rest(
        tmp_path, capfd):
    from kerascli.datasets import LoadOptions, load
    root = _folder_with_broken_files(tmp_path / "photos")
    ds = load(str(root), LoadOptions(image_size=(8, 8)))
    assert not ds.skipped  # the header check passes them
    feed, _ = tfdata.image_feed(ds.x_train, ds.y_train, batch_size=4, seed=0)
    batches = [(x.numpy(), y.numpy()) for x, y in feed]
    assert len(batches) == 5  # ceil(18 / 4): each batch kept, one file short where one failed
    assert sum(len(y) for _, y in batches) == 16
    by_label = {}
    for x, y in batches:
        for image, label in zip(x, y):
            by_label.setdefault(int(label), []).append(image)
    expected = {0: [], 1: []}
    for path, label in zip(ds.x_train.paths, ds.y_train):
        if "broken" not in path:
            expected[int(label)].append(_image_decode.decode_file(path, (8, 8)))
    for label in (0, 1):  # each label still with its own images
        assert sorted(a.tobytes() for a in by_label[label]) == sorted(
            a.tobytes() for a in expected[label])
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 2 and all("left out" in line for line in lines)
    assert any("broken.jpg" in line for line in lines) and any("broken.png" in line for line in lines)
    [_ for _ in feed]  # a second epoch reports nothing new
    assert "warning: " not in capfd.readouterr().err


@pytest.mark.slow  # end to end, real trainings or processes: CI's slow step
def test_train_skips_files_that_fail_mid_training_and_lists_them_in_skipped_txt(tmp_path):
    """The real CLI: no traceback, one line per file, the run completes, skipped.txt names
    them; a test image that will not decode is said to be scored as a white image."""
    import subprocess
    import sys
    root = _folder_with_broken_files(tmp_path / "photos")
    out = tmp_path / "runs"
    result = subprocess.run([sys.executable, "-m", "kerascli", "train", "cnn", "--dataset",
                             str(root), "--image-size", "16", "--epochs", "2", "--out", str(out),
                             "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "pixels do not decode" in line]
    assert len(warnings) == 3, result.stderr  # one line per file, each met once
    assert all("left out of training batches, a white image where outputs must stay in line"
               in line for line in warnings)
    run_dir = next(out.iterdir())
    listed = (run_dir / "skipped.txt").read_text().splitlines()
    assert sorted(line.split("\t")[0].split("photos/")[1] for line in listed) == [
        "test/dog/broken.jpg", "train/cat/broken.jpg", "train/dog/broken.png"]
    assert (run_dir / "model.h5").exists()



def test_validation_batches_never_come_out_empty_nor_misaligned(tmp_path):
    """With labels, a batch of nothing but undecodable files keeps them (white) rather than
    yield an empty batch; without labels every file keeps its place."""
    broken = [_broken_png(tmp_path / "a.png"), _broken_jpeg(tmp_path / "b.jpg")]
    good = tmp_path / "c.png"
    from PIL import Image
    Image.fromarray(_photo(8, 8)).save(good)
    files = _image_files.ImageFiles([*broken, good], (8, 8), 3)
    batches = [(x.numpy(), y.numpy()) for x, y in tfdata.image_batches(
        files, np.array([0, 1, 2]), batch_size=2)]
    assert [y.tolist() for _, y in batches] == [[0, 1], [2]]
    assert batches[0][0].min() == 255  # kept, white
    unlabelled = np.concatenate([x.numpy() for x in tfdata.image_batches(files, batch_size=2)])
    assert len(unlabelled) == 3 and unlabelled[:2].min() == 255
    np.testing.assert_array_equal(unlabelled[2], _image_decode.decode_file(good, (8, 8)))
