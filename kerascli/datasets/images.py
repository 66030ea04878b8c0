"""A folder of images, one subfolder per class: ``photos/cat/*.jpg``, ``photos/dog/*.png``.

Images of any size are decoded with Pillow and resized to one size (``image_size``; by
default the size of the first image, scaled down so its longer side is at most 64 pixels).
Classes are the subfolder names in sorted order. A folder holding ``train/`` and ``test/``
subfolders (each with one subfolder per class) keeps that split; otherwise a seeded,
stratified split holds out ``test_size`` of each class. Non-image files are ignored; an
image that does not decode is an error naming the file.
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo

INFO = DatasetInfo(name="images", kind=IMAGE, task=CLASSIFICATION,
                   summary="a folder of JPEG/PNG images, one subfolder per class (--dataset DIR)",
                   needs_path=True)
EXTENSIONS = (".jpg", ".jpeg", ".png")
DEFAULT_MAX_SIDE = 64


def _subdirs(path):
    import os
    with os.scandir(path) as it:
        return sorted(e.name for e in it if e.is_dir() and not e.name.startswith("."))


def _image_files(path):
    import os
    with os.scandir(path) as it:
        return sorted(e.name for e in it if e.is_file() and not e.name.startswith(".")
                      and os.path.splitext(e.name)[1].lower() in EXTENSIONS)


def _scan(root, class_names=None):
    """(paths, labels, class names) of one folder of class subfolders."""
    from kerascli.errors import DataError
    found = _subdirs(root)
    names = class_names or tuple(found)
    if not names:
        raise DataError(root, "no class subfolders; expected one subfolder of JPEG/PNG images "
                              "per class (e.g. cats/ and dogs/).")
    unknown = [n for n in found if n not in names]
    if unknown:
        raise DataError(root / unknown[0], f"class {unknown[0]!r} is not among the training "
                                           f"classes ({', '.join(names)}).")
    paths, labels = [], []
    for index, name in enumerate(names):
        if name not in found:
            continue
        files = _image_files(root / name)
        if not files and class_names is None:
            raise DataError(root / name, "holds no .jpg/.jpeg/.png files; add images or "
                                         "remove the folder.")
        paths += [root / name / f for f in files]
        labels += [index] * len(files)
    return paths, labels, tuple(names)


def default_size(first):
    """The first image's (height, width), scaled so the longer side is at most 64."""
    from PIL import Image
    width, height = _open(first, Image).size
    scale = min(1.0, DEFAULT_MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _open(path, Image):
    from kerascli.errors import DataError
    try:
        return Image.open(path)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(path, f"cannot decode image ({exc}); remove or replace the file.") from None


def _decode_into(out, index, path, size, mode):
    from PIL import Image
    from kerascli.errors import DataError
    import numpy as np
    height, width = size
    try:
        with _open(path, Image) as img:
            if img.format == "JPEG":
                img.draft(mode, (width, height))  # decode at a reduced scale: much faster
            img = img.convert(mode)
            if img.size != (width, height):
                img = img.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(img, dtype=np.uint8)
    except DataError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(path, f"cannot decode image ({exc}); remove or replace the file.") from None
    out[index] = pixels.reshape(height, width, -1)


def decode(paths, size, color_mode="rgb"):
    """Decode and resize ``paths`` into one uint8 array (N, height, width, channels)."""
    import os
    from concurrent.futures import ThreadPoolExecutor
    import numpy as np
    mode, channels = ("L", 1) if color_mode == "grayscale" else ("RGB", 3)
    out = np.empty((len(paths), size[0], size[1], channels), dtype=np.uint8)
    workers = min(8, os.cpu_count() or 1)
    chunk = max(1, len(paths) // (workers * 8) + 1)

    def work(start):  # Pillow releases the GIL while decoding, so threads do run in parallel
        for i in range(start, min(start + chunk, len(paths))):
            _decode_into(out, i, paths[i], size, mode)

    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(work, range(0, len(paths), chunk)):
            pass
    return out


def load(options):
    from pathlib import Path
    import numpy as np
    from kerascli.datasets import Dataset
    from kerascli.datasets._tabular import split
    from kerascli.errors import DataError, UserError

    if options.path is None:
        raise UserError("the image-folder dataset needs a folder: --dataset DIR.")
    root = Path(options.path).expanduser()
    if not root.is_dir():
        raise DataError(root, "no such folder.")
    if options.color_mode not in ("rgb", "grayscale"):
        raise UserError(f"color mode {options.color_mode!r}: choose rgb or grayscale.")
    top = _subdirs(root)
    official = "train" in top and "test" in top
    if official:
        train_paths, train_labels, class_names = _scan(root / "train")
        test_paths, test_labels, _ = _scan(root / "test", class_names)
        paths, labels = train_paths + test_paths, train_labels + test_labels
    else:
        paths, labels, class_names = _scan(root)
    if len(class_names) < 2:
        raise DataError(root, f"only one class ({class_names[0]}); a classifier needs at least two "
                              "subfolders.")
    size = tuple(options.image_size) if options.image_size else default_size(paths[0])
    if len(size) != 2 or min(size) < 1:
        raise UserError(f"image size {size}: give height and width, e.g. 64 64.")
    x = decode(paths, size, options.color_mode)
    y = np.asarray(labels, dtype=np.int64)
    if official:
        n = len(train_paths)
        x_train, x_test, y_train, y_test = x[:n], x[n:], y[:n], y[n:]
        if len(x_test) == 0:
            raise DataError(root / "test", "holds no images.")
    else:
        index_train, index_test, y_train, y_test = split(
            np.arange(len(y)), y, task=CLASSIFICATION, test_size=options.test_size,
            seed=options.seed, source=root)
        x_train, x_test = x[index_train], x[index_test]
        del x
    extra = {"image_size": list(size), "color_mode": options.color_mode,
             "split": "train/test folders" if official else "seeded stratified"}
    if not official:
        extra.update(test_size=options.test_size, split_seed=options.seed)
    return Dataset(name=root.name, task=CLASSIFICATION, kind=IMAGE, x_train=x_train,
                   y_train=y_train, x_test=x_test, y_test=y_test,
                   input_shape=(size[0], size[1], x_train.shape[-1]), source=str(root),
                   class_names=class_names, extra=extra)


def status(options):
    return {"present": None, "valid": None, "location": "given by path",
            "found_in": "path", "note": "--dataset DIR (one subfolder of images per class)"}
