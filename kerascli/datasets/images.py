"""A folder of images, one subfolder per class: ``photos/cat/*.jpg``, ``photos/dog/2019/*.png``.

Folders as people have them:

* class folders are walked recursively (symlinked folders are followed once; a link back
  up the tree is not walked twice); JPEG, PNG, BMP, GIF (first frame) and WebP files are
  read; hidden files, ``Thumbs.db``, ``.DS_Store`` and other non-image files are ignored;
* files that cannot be decoded (empty, cut off, not an image) are found in one fast pass
  before training (:mod:`kerascli.datasets._filecheck`: header and end-of-file checks, no
  pixel decoding) and skipped; ``Dataset.skipped`` lists them (train writes them to
  ``skipped.txt``); ``strict`` refuses the folder instead, listing every bad file;
* a folder holding ``train/`` and ``test/`` (or ``val/``, ``validation/``) subfolders keeps
  that split; otherwise a seeded, stratified split holds out ``test_size`` of each class.

Nothing is decoded when the folder is loaded: ``x_train``/``x_test`` are :class:`ImageFiles`,
lists of paths that tf.data decodes batch by batch while training
(:func:`kerascli.core.pipeline.image_feed`), so memory does not grow with the folder. Every
image -- in training, ``evaluate`` and ``predict`` -- goes through :func:`decode_file`:
converted to RGB or grayscale (transparency on white, 16-bit scaled to 8 bits, CMYK
converted), resized to one size (``image_size``; by default the size of the first image,
scaled so that its longer side is at most 64 pixels).
"""
import os

from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo

INFO = DatasetInfo(name="images", kind=IMAGE, task=CLASSIFICATION,
                   summary="a folder of JPEG/PNG/BMP/GIF/WebP images, one subfolder per class "
                           "(--dataset DIR)",
                   needs_path=True)
EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp")
DEFAULT_MAX_SIDE = 64
TEST_FOLDERS = ("test", "val", "validation")  # train/ + one of these keeps the split
SHOWN_SKIPPED = 3  # bad paths named in the one-line summary (all are in skipped.txt)


# ---------------------------------------------------------------- finding the files

def _visible(name):
    return not name.startswith(".") and name.lower() not in ("thumbs.db", "desktop.ini")


def _subdirs(path):
    with os.scandir(path) as it:
        return sorted(e.name for e in it if e.is_dir() and _visible(e.name))


def _walk(folder, seen):
    """Image files under ``folder``, recursively, in sorted order; ``seen`` holds the real
    paths of folders already walked (symlinks followed once, no loops)."""
    real = os.path.realpath(folder)
    if real in seen:
        return []
    seen.add(real)
    files, folders = [], []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if not _visible(entry.name):
            continue
        try:
            if entry.is_dir():
                folders.append(entry.path)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in EXTENSIONS:
                files.append(entry.path)
        except OSError:  # a dangling link
            continue
    for sub in folders:
        files += _walk(sub, seen)
    return files


def _scan(root, class_names=None):
    """{class name: [image paths]} of one folder of class subfolders (walked recursively)."""
    from pathlib import Path
    from kerascli.errors import DataError
    found = _subdirs(root)
    if not found:
        raise DataError(root, "no class subfolders; expected one subfolder of images per "
                              "class (e.g. cats/ and dogs/).")
    seen = set()
    return {name: [Path(p) for p in _walk(os.path.join(root, name), seen)] for name in found}


# ---------------------------------------------------------------- decoding (the one function)

def _to_mode(image, mode):
    """``image`` as 8-bit ``mode`` ("RGB" or "L"): transparency composited on white, 16-bit
    and 32-bit gray scaled (not clipped) to 8 bits, CMYK and palettes converted."""
    import numpy as np
    from PIL import Image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        top = pixels.max() if pixels.size else 0
        # 16-bit data (values above 255) is scaled down; 8-bit data in a 32-bit mode is kept
        scale = 255.0 / 65535.0 if top > 255 else (255.0 if image.mode == "F" and top <= 1 else 1.0)
        image = Image.fromarray(np.clip(np.rint(pixels * scale), 0, 255).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info or image.mode in ("RGBA", "LA", "PA",
                                                                            "La", "RGBa"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(canvas, rgba)
    return image if image.mode == mode else image.convert(mode)


def decode_file(path, size, channels=3):
    """Read one image file as a uint8 array of shape (height, width, channels).

    The one decode/resize used for training (through tf.data), ``evaluate`` and ``predict``.
    JPEGs are decoded at a reduced scale when much larger than ``size`` (exact and much
    faster); the resize is Pillow's bilinear, antialiased when shrinking. Raises
    ``OSError``/``ValueError``/``SyntaxError`` for a file that does not decode.
    """
    import numpy as np
    from PIL import Image
    height, width = int(size[0]), int(size[1])
    mode = "L" if channels == 1 else "RGB"
    with Image.open(path) as image:
        if image.format == "JPEG" and image.mode in ("RGB", "L", "YCbCr"):
            image.draft(mode, (width, height))
        image.seek(0)  # GIF/WebP animations: the first frame
        image = _to_mode(image, mode)
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8).reshape(height, width, channels)


def default_size(first):
    """The first image's (height, width), scaled so the longer side is at most 64."""
    from PIL import Image
    with Image.open(first) as image:
        width, height = image.size
    scale = min(1.0, DEFAULT_MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


# ---------------------------------------------------------------- the lazy array

class ImageFiles:
    """Image files standing in for a uint8 array of shape (n, height, width, channels).

    Nothing is decoded until asked: ``len``, ``shape`` and fancy indexing (a subset: another
    :class:`ImageFiles`) are free; ``files[i]`` decodes one image; ``np.asarray(files)``
    decodes them all (refused in one line when they would not fit in memory); training and
    prediction stream them through tf.data (:func:`kerascli.core.pipeline.image_batches`).
    """

    dtype = None  # set in __init__ (NumPy imported lazily)
    ndim = 4

    def __init__(self, paths, size, channels):
        import numpy as np
        self.paths = np.asarray([str(p) for p in paths], dtype=object)
        self.size = (int(size[0]), int(size[1]))
        self.channels = int(channels)
        self.dtype = np.dtype(np.uint8)

    @property
    def shape(self):
        return (len(self.paths), *self.size, self.channels)

    @property
    def nbytes(self):
        return len(self.paths) * self.size[0] * self.size[1] * self.channels

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, key):
        import numbers
        if isinstance(key, numbers.Integral):
            return decode_file(self.paths[key], self.size, self.channels)
        if isinstance(key, tuple):  # x[:, 0]: decode, then index
            return self.__array__()[key]
        return ImageFiles(self.paths[key], self.size, self.channels)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        import numpy as np
        from concurrent.futures import ThreadPoolExecutor
        check_fits(self.nbytes, f"decoding {len(self):,} images of {self.size[0]}x{self.size[1]}x"
                                f"{self.channels}")
        out = np.empty(self.shape, dtype=np.uint8)

        def work(i):  # Pillow releases the GIL while decoding: threads run in parallel
            out[i] = decode_file(self.paths[i], self.size, self.channels)

        with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(work, range(len(self))))
        return out if dtype is None else out.astype(dtype)

    def __repr__(self):
        return f"ImageFiles({len(self)} files, {self.size[0]}x{self.size[1]}x{self.channels})"


def available_memory():
    """Bytes of memory available to this process (Linux: MemAvailable; else half the RAM)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return None


def gib(n):
    return f"{n / 2 ** 30:.1f} GiB"


def check_fits(nbytes, what, hint="choose a smaller --image-size"):
    """Refuse, in one line with the figures, work that needs more than the available memory."""
    from kerascli.errors import UserError
    free = available_memory()
    if free is not None and nbytes > free:
        raise UserError(f"{what} needs {gib(nbytes)} of memory but {gib(free)} is available; "
                        f"{hint}.")


# ---------------------------------------------------------------- loading

def _split_layout(root, top):
    """("train", test folder name) when ``root`` holds train/ and a test folder, else None."""
    if "train" not in top:
        return None
    for name in TEST_FOLDERS:
        if name in top:
            return "train", name
    return None


def _check_classes(where, by_class, strict_min=2):
    from kerascli.errors import DataError
    for name, paths in by_class.items():
        if len(paths) < strict_min:
            what = "no usable image" if not paths else f"only {len(paths)} usable image"
            raise DataError(where / name, f"class {name!r} has {what}; a class needs at least "
                                          f"{strict_min} (add images or remove the folder).")


def _report_bad(bad, strict, root):
    from kerascli.errors import DataError
    if bad and strict:
        listing = "; ".join(f"{p} ({why})" for p, why in bad)
        raise DataError(root, f"{len(bad)} file(s) cannot be decoded (--strict): {listing}")


def summary_of_skipped(skipped):
    """The one line that reports skipped files (the full list goes to skipped.txt)."""
    shown = ", ".join(str(p) for p, _ in skipped[:SHOWN_SKIPPED])
    more = f" and {len(skipped) - SHOWN_SKIPPED} more" if len(skipped) > SHOWN_SKIPPED else ""
    return (f"skipped {len(skipped)} file(s) that cannot be decoded: {shown}{more} "
            "(all listed in skipped.txt in the run directory; --strict refuses instead)")


def load(options):
    from pathlib import Path
    import numpy as np
    from kerascli.datasets import Dataset
    from kerascli.datasets._filecheck import find_bad
    from kerascli.datasets._tabular import split
    from kerascli.errors import DataError, UserError

    if options.path is None:
        raise UserError("the image-folder dataset needs a folder: --dataset DIR.")
    root = Path(options.path).expanduser()
    if not root.is_dir():
        raise DataError(root, "no such folder.")
    if options.color_mode not in ("rgb", "grayscale"):
        raise UserError(f"color mode {options.color_mode!r}: choose rgb or grayscale.")
    strict = getattr(options, "strict", False)
    layout = _split_layout(root, _subdirs(root))
    parts = {"train": _scan(root / layout[0]), "test": _scan(root / layout[1])} if layout \
        else {"all": _scan(root)}
    if layout:
        train_names, test_names = set(parts["train"]), set(parts["test"])
        if train_names != test_names:
            only_train = ", ".join(sorted(train_names - test_names)) or "none"
            only_test = ", ".join(sorted(test_names - train_names)) or "none"
            raise DataError(root, f"the class folders of {layout[0]}/ and {layout[1]}/ differ: "
                                  f"only in {layout[0]}/: {only_train}; only in {layout[1]}/: "
                                  f"{only_test}. Rename or remove folders so both hold the "
                                  "same classes.")
    everything = [p for part in parts.values() for paths in part.values() for p in paths]
    bad = find_bad(everything)
    _report_bad(bad, strict, root)
    bad_set = {p for p, _ in bad}
    for part in parts.values():
        for name in part:
            part[name] = [p for p in part[name] if p not in bad_set]
    class_names = tuple(sorted(parts["train" if layout else "all"]))
    if len(class_names) < 2:
        raise DataError(root, f"only one class ({class_names[0]}); a classifier needs at least "
                              "two subfolders.")
    if layout:
        _check_classes(root / layout[0], parts["train"])
        _check_classes(root / layout[1], parts["test"], strict_min=1)
    else:
        _check_classes(root, parts["all"])

    def flat(part):
        paths = [p for name in class_names for p in part[name]]
        labels = [i for i, name in enumerate(class_names) for _ in part[name]]
        return paths, np.asarray(labels, dtype=np.int64)

    first = flat(parts["train" if layout else "all"])[0][0]
    size = tuple(options.image_size) if options.image_size else default_size(first)
    if len(size) != 2 or min(size) < 1:
        raise UserError(f"image size {size}: give height and width, e.g. 64 64.")
    channels = 1 if options.color_mode == "grayscale" else 3
    if layout:
        train_paths, y_train = flat(parts["train"])
        test_paths, y_test = flat(parts["test"])
    else:
        paths, labels = flat(parts["all"])
        index_train, index_test, y_train, y_test = split(
            np.arange(len(labels)), labels, task=CLASSIFICATION, test_size=options.test_size,
            seed=options.seed, source=root)
        train_paths = [paths[i] for i in index_train]
        test_paths = [paths[i] for i in index_test]
    extra = {"image_size": list(size), "color_mode": options.color_mode,
             "split": f"{layout[0]}/{layout[1]} folders" if layout else "seeded stratified"}
    if not layout:
        extra.update(test_size=options.test_size, split_seed=options.seed)
    if bad:
        extra["skipped_files"] = len(bad)
    return Dataset(name=root.name, task=CLASSIFICATION, kind=IMAGE,
                   x_train=ImageFiles(train_paths, size, channels), y_train=y_train,
                   x_test=ImageFiles(test_paths, size, channels), y_test=y_test,
                   input_shape=(size[0], size[1], channels), source=str(root),
                   class_names=class_names, extra=extra, skipped=tuple(bad))


def status(options):
    return {"present": None, "valid": None, "location": "given by path",
            "found_in": "path", "note": "--dataset DIR (one subfolder of images per class)"}
