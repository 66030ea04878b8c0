"""Image folders as people have them: nested classes, links, every common format and mode,
junk files, bad files found in one pass, train/test layouts (issue 12)."""
import os

import numpy as np
import pytest

from kerascli.datasets import LoadOptions, load
from kerascli.datasets import _image_decode, _image_files, _memory, images
from kerascli.errors import DataError


def _save(path, mode="RGB", size=(20, 16), fmt=None, value=None, **kw):
    from PIL import Image
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(abs(hash(path.name)) % 2 ** 32)
    if mode == "I;16":
        pixels = rng.integers(0, 65536, (size[1], size[0]), dtype=np.uint16)
        Image.fromarray(pixels).save(path)
        return path
    rgb = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    if value is not None:
        rgb[:] = value
    image = Image.fromarray(rgb).convert(mode)
    image.save(path, format=fmt, **kw)
    return path


def _mixed_folder(root):
    """cats/ and dogs/ with nested subfolders and every format and mode, plus junk."""
    from PIL import Image
    _save(root / "cats" / "a.jpg")
    _save(root / "cats" / "2019" / "b.png", mode="RGBA", size=(33, 21))
    _save(root / "cats" / "2019" / "deep" / "c.bmp", mode="L")
    frames = [Image.new("P", (12, 12), i) for i in range(3)]
    frames[0].save(root / "cats" / "d.gif", save_all=True, append_images=frames[1:])
    _save(root / "cats" / "e.webp")
    _save(root / "dogs" / "a.JPG", mode="CMYK", fmt="JPEG")
    _save(root / "dogs" / "b.png", mode="P")
    _save(root / "dogs" / "c.png", mode="I;16")
    _save(root / "dogs" / "d.jpeg", mode="L", size=(64, 48))
    (root / "cats" / "Thumbs.db").write_bytes(b"\x00" * 64)
    (root / "cats" / ".DS_Store").write_bytes(b"\x00" * 64)
    (root / "dogs" / "notes.txt").write_text("not an image")
    _save(root / "dogs" / ".hidden.jpg")
    _save(root / ".thumbnails" / "x.jpg")  # a hidden folder is not a class
    return root


def test_nested_classes_every_format_and_mode_are_read_and_junk_ignored(tmp_path):
    root = _mixed_folder(tmp_path / "photos")
    ds = load(str(root), LoadOptions(image_size=(8, 8), test_size=0.4))
    assert ds.class_names == ("cats", "dogs")
    assert len(ds.x_train) + len(ds.x_test) == 9 and not ds.skipped
    names = sorted(os.path.basename(p) for p in [*ds.x_train.paths, *ds.x_test.paths])
    assert names == ["a.JPG", "a.jpg", "b.png", "b.png", "c.bmp", "c.png", "d.gif", "d.jpeg",
                     "e.webp"]
    x = np.asarray(ds.x_train)
    assert x.shape == (len(ds.x_train), 8, 8, 3) and x.dtype == np.uint8


def test_symlinked_folders_are_followed_once_without_loops(tmp_path):
    root = tmp_path / "photos"
    _save(root / "cats" / "a.jpg")
    _save(root / "cats" / "b.jpg")
    _save(tmp_path / "elsewhere" / "c.jpg")
    _save(tmp_path / "elsewhere" / "d.jpg")
    (root / "dogs").symlink_to(tmp_path / "elsewhere")
    (root / "cats" / "loop").symlink_to(root / "cats")  # a link back up: not walked twice
    (root / "cats" / "again").symlink_to(root / "cats")
    ds = load(str(root), LoadOptions(image_size=(8, 8), test_size=0.5))
    assert len(ds.x_train) + len(ds.x_test) == 4


def test_bad_files_are_found_in_one_pass_and_skipped(tmp_path):
    root = tmp_path / "photos"
    for cls in ("cats", "dogs"):
        for i in range(3):
            _save(root / cls / f"{i}.jpg", size=(64, 64))
    (root / "cats" / "empty.jpg").write_bytes(b"")
    whole = (root / "cats" / "0.jpg").read_bytes()
    (root / "cats" / "cut.jpg").write_bytes(whole[:len(whole) // 2])
    (root / "dogs" / "text.jpg").write_text("this is not a picture")
    png = _save(root / "dogs" / "cut.png", size=(64, 64)).read_bytes()
    (root / "dogs" / "cut.png").write_bytes(png[:len(png) // 2])
    gif = root / "dogs" / "cut.gif"
    _save(gif, mode="P", fmt="GIF")
    gif.write_bytes(gif.read_bytes()[:-20])
    ds = load(str(root), LoadOptions(image_size=(8, 8), test_size=0.34))
    bad = sorted(os.path.basename(p) for p, _ in ds.skipped)
    assert bad == ["cut.gif", "cut.jpg", "cut.png", "empty.jpg", "text.jpg"]
    assert len(ds.x_train) + len(ds.x_test) == 6 and ds.extra["skipped_files"] == 5
    reasons = dict((os.path.basename(p), why) for p, why in ds.skipped)
    assert reasons["empty.jpg"] == "empty file" and reasons["text.jpg"] == "not an image"
    assert "cut off" in reasons["cut.jpg"]
    line = images.summary_of_skipped(ds.skipped)
    assert line.startswith("skipped 5 file(s)") and "and 2 more" in line and "\n" not in line
    np.asarray(ds.x_train)  # what is left decodes


def test_strict_refuses_listing_every_bad_file(tmp_path):
    root = tmp_path / "photos"
    for cls in ("cats", "dogs"):
        for i in range(2):
            _save(root / cls / f"{i}.png")
    (root / "cats" / "empty.jpg").write_bytes(b"")
    (root / "dogs" / "text.png").write_text("no")
    with pytest.raises(DataError, match="2 file\\(s\\) cannot be decoded \\(--strict\\)") as err:
        load(str(root), LoadOptions(strict=True))
    assert "empty.jpg (empty file)" in str(err.value) and "text.png" in str(err.value)


def test_the_check_reads_no_pixels(tmp_path, monkeypatch):
    from PIL import ImageFile
    from kerascli.datasets import _filecheck
    paths = [_save(tmp_path / f"{i}.{ext}") for i, ext in enumerate(("jpg", "bmp", "webp"))]

    def no_decoding(self, *a, **k):
        raise AssertionError("the check decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert _filecheck.find_bad(paths) == []


@pytest.mark.parametrize("counts, message", [
    ({"cats": 2, "dogs": 0}, "class 'dogs' has no usable image"),
    ({"cats": 2, "dogs": 1}, "class 'dogs' has only 1 usable image"),
])
def test_a_class_with_fewer_than_two_images_is_one_clear_error(tmp_path, counts, message):
    root = tmp_path / "photos"
    for cls, n in counts.items():
        (root / cls).mkdir(parents=True)
        for i in range(n):
            _save(root / cls / f"{i}.png")
    (root / "dogs" / "broken.jpg").write_bytes(b"")  # skipped: does not count
    with pytest.raises(DataError, match=message) as err:
        load(str(root))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("test_name", ["test", "val", "validation"])
def test_train_and_test_or_val_subfolders_keep_their_split(tmp_path, test_name):
    root = tmp_path / "photos"
    for part, n in (("train", 3), (test_name, 2)):
        for cls in ("a", "b"):
            for i in range(n):
                _save(root / part / cls / "sub" / f"{i}.jpg")
    ds = load(str(root), LoadOptions(image_size=(8, 8)))
    assert (len(ds.x_train), len(ds.x_test)) == (6, 4)
    assert all(f"/{test_name}/" in p for p in ds.x_test.paths)
    assert ds.extra["split"] == f"train/{test_name} folders"


def test_class_names_differing_between_train_and_test_name_both_sides(tmp_path):
    root = tmp_path / "photos"
    for part, classes in (("train", ("cat", "dog")), ("test", ("cat", "dgo"))):
        for cls in classes:
            for i in range(2):
                _save(root / part / cls / f"{i}.png")
    with pytest.raises(DataError, match="only in train/: dog; only in test/: dgo"):
        load(str(root))


def test_sixteen_bit_and_transparent_images_are_scaled_not_clipped(tmp_path):
    from PIL import Image
    ramp = (np.arange(16 * 16, dtype=np.uint32).reshape(16, 16) * 256).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    x = _image_decode.decode_file(tmp_path / "deep.png", (16, 16), channels=1)
    expected = np.rint(ramp.astype(np.float64) * 255 / 65535).astype(np.uint8)
    np.testing.assert_array_equal(x[..., 0], expected)
    assert len(np.unique(x)) > 200  # not binarised
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    clear.save(tmp_path / "clear.png")
    assert _image_decode.decode_file(tmp_path / "clear.png", (4, 4)).min() == 255  # on white


def test_loading_decodes_nothing_and_the_arrays_stay_files(tmp_path, monkeypatch):
    root = tmp_path / "photos"
    for cls in ("a", "b"):
        for i in range(4):
            _save(root / cls / f"{i}.jpg")
    monkeypatch.setattr(_image_decode, "decode_file", lambda *a, **k: pytest.fail("decoded on load"))
    ds = load(str(root), LoadOptions(image_size=(8, 8)))
    assert isinstance(ds.x_train, _image_files.ImageFiles) and ds.x_train.shape[1:] == (8, 8, 3)
    from kerascli.core import data
    x_fit, _, x_val, _ = data.validation_split(ds, 0.25, 0)
    assert isinstance(x_fit, _image_files.ImageFiles) and isinstance(x_val, _image_files.ImageFiles)


def test_decoding_a_folder_that_does_not_fit_in_memory_is_refused(tmp_path, monkeypatch):
    files = _image_files.ImageFiles([tmp_path / "a.jpg"] * 1000, (10_000, 10_000), 3)
    monkeypatch.setattr(_memory, "available_memory", lambda: 8 * 2 ** 30)
    with pytest.raises(Exception, match="needs 279.4 GiB of memory but 8.0 GiB is available"):
        np.asarray(files)


def test_predict_reads_a_sixteen_bit_png_without_binarising_it(tmp_path):
    from PIL import Image
    from kerascli.inference.image_inputs import image_array
    ramp = (np.arange(8 * 8, dtype=np.uint32).reshape(8, 8) * 1000).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "scan.png")
    x, inverted = image_array(tmp_path / "scan.png", (8, 8, 1))
    assert not inverted
    np.testing.assert_array_equal(x[..., 0], np.rint(ramp.astype(float) * 255 / 65535).astype(np.uint8))


def test_an_image_size_whose_first_batch_cannot_fit_is_refused_with_the_figure(
        tmp_path, monkeypatch):
    from kerascli.core import tfdata
    from kerascli.errors import UserError
    files = _image_files.ImageFiles([tmp_path / "a.jpg"] * 100, (10_000, 10_000), 3)
    monkeypatch.setattr(_memory, "available_memory", lambda: 16 * 2 ** 30)
    with pytest.raises(UserError, match="--image-size 10000x10000: one batch of 32 images is "
                                        "35.8 GiB as float32.*16.0 GiB of memory is available"):
        tfdata.check_batch_fits(files, 32)
    tfdata.check_batch_fits(_image_files.ImageFiles([tmp_path / "a.jpg"], (64, 64), 3), 32)


def test_train_refuses_image_size_10000_before_building_a_model(tmp_path):
    from click.testing import CliRunner
    from kerascli.cli import cli
    root = tmp_path / "photos"
    for cls in ("a", "b"):
        for i in range(3):
            _save(root / cls / f"{i}.png")
    result = CliRunner().invoke(cli, ["train", "cnn", "--dataset", str(root), "--image-size",
                                      "10000", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "one batch of" in result.output and "GiB as float32" in result.output


def _labels_of(data):
    """{file name: class name} over both parts."""
    return {os.path.basename(p): data.class_names[int(y)]
            for x, ys in ((data.x_train, data.y_train), (data.x_test, data.y_test))
            for p, y in zip(x.paths, ys)}


def test_a_link_into_another_class_folder_keeps_its_images_label(tmp_path):
    """cat/extra -> ../dog/sub: dog images stay dogs (they trained as cats, silently)."""
    for i in range(4):
        _save(tmp_path / "cat" / f"c{i}.png")
        _save(tmp_path / "dog" / "sub" / f"d{i}.png")
    os.symlink("../dog/sub", tmp_path / "cat" / "extra")
    data = load(str(tmp_path), LoadOptions(image_size=(8, 8)))
    labels = _labels_of(data)
    assert len(labels) == 8  # each file once
    assert {n: c for n, c in labels.items() if n.startswith("d")} == {
        f"d{i}.png": "dog" for i in range(4)}
    assert any("labelled by the folder they lie in" in note for note in data.extra["notes"])


def test_a_link_back_to_the_root_does_not_empty_the_other_classes(tmp_path):
    """cat/up -> ..: 'class dog has no usable image' although dog holds 8."""
    for i in range(8):
        _save(tmp_path / "cat" / f"c{i}.png")
        _save(tmp_path / "dog" / f"d{i}.png")
    os.symlink("..", tmp_path / "cat" / "up")
    labels = _labels_of(load(str(tmp_path), LoadOptions(image_size=(8, 8))))
    assert sorted(labels.values()) == ["cat"] * 8 + ["dog"] * 8


def test_a_folder_of_gray_images_trains_on_one_channel_and_any_colour_makes_it_rgb(tmp_path):
    for i in range(3):
        _save(tmp_path / "gray" / "a" / f"{i}.png", mode="L")
        _save(tmp_path / "gray" / "b" / f"{i}.jpg", mode="L")
    data = load(str(tmp_path / "gray"), LoadOptions(image_size=(8, 8)))
    assert data.input_shape[-1] == 1 and data.extra["color_mode"] == "grayscale"
    assert np.asarray(data.x_train[:2]).shape[-1] == 1
    _save(tmp_path / "gray" / "b" / "colour.png", mode="RGB")
    data = load(str(tmp_path / "gray"), LoadOptions(image_size=(8, 8)))
    assert data.input_shape[-1] == 3 and data.extra["color_mode"] == "rgb"
    forced = load(str(tmp_path / "gray"), LoadOptions(image_size=(8, 8),
                                                  color_mode="grayscale"))
    assert forced.input_shape[-1] == 1
