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
image -- in training, ``evaluate``, ``predict`` and ``serve`` -- goes through one decode
function, :func:`decoder` (tf.io ops, run in parallel by tf.data; Pillow for the few kinds
tf.io does not read as Pillow does, picked per file by :func:`route` from the header the
check read): converted to RGB or grayscale (transparency on white, 16-bit scaled to 8 bits,
CMYK converted), resized to one size (``image_size``; by default the size of the first
image, scaled so that its longer side is at most 64 pixels).
"""
import functools
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

# How a file is decoded: its route, picked from its header (:func:`route`) and carried in
# the file list, so the decoder needs no second look at the file.
PILLOW = 0  # what tf.io does not read as Pillow does: Pillow, in a tf.numpy_function
JPEG_RATIOS = (1, 2, 4, 8)  # routes 1-4: a JPEG decoded by tf.io at 1/ratio scale
PNG_ALPHA = 5  # a PNG with an alpha band: tf.io, composited on white
TF_RGB = 6  # any other PNG, a GIF (first frame), a 24-bit BMP: tf.io
_PNG_MODES = ("1", "L", "P", "RGB", "RGBA", "LA")


def _ratio(width, height, size):
    """Pillow's ``draft`` choice: the largest of 8, 4, 2, 1 that keeps the decoded image at
    least ``size`` in both sides (libjpeg's scaled IDCT: exact and much faster)."""
    scale = min(width // size[1], height // size[0])
    return next((r for r in (8, 4, 2) if scale >= r), 1)


def route(facts, size):
    """How an image with these header :class:`~kerascli.datasets._filecheck.Facts` is decoded
    at ``size`` (height, width): a route number for :func:`decoder`.

    tf.io decodes, in parallel and without Python, what it reads exactly as Pillow does:
    8-bit JPEG (not CMYK), PNG (no palette/colour-key transparency, not 16-bit), GIF without
    transparency, 24-bit BMP. The rest (WebP, CMYK, 16-bit, transparency keys, palette BMP)
    goes through Pillow (:func:`pillow_decode`)."""
    if facts is None:
        return PILLOW
    fmt, mode = facts.format, facts.mode
    if fmt in ("JPEG", "MPO") and mode in ("RGB", "L", "YCbCr"):
        return 1 + JPEG_RATIOS.index(_ratio(facts.width, facts.height, size))
    if fmt == "PNG" and mode in _PNG_MODES and not facts.transparency and "16" not in facts.rawmode:
        return PNG_ALPHA if mode in ("RGBA", "LA") else TF_RGB
    if fmt == "GIF" and not facts.transparency:
        return TF_RGB
    if fmt in ("BMP", "DIB") and mode == "RGB" and facts.rawmode == "BGR":
        return TF_RGB
    return PILLOW


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


def pillow_decode(source, size, channels=3):
    """Pillow's decode/resize of one image (a path, a file object or the file's bytes), the
    :data:`PILLOW` route of :func:`decoder`: converted to RGB or grayscale (transparency on
    white, 16-bit scaled to 8 bits, CMYK converted), JPEGs decoded at a reduced scale when
    much larger than ``size``, resized with Pillow's bilinear (antialiased when shrinking)."""
    import io
    import numpy as np
    from PIL import Image
    if isinstance(source, np.ndarray):  # from tf.numpy_function: a 0-d array of bytes
        source = source.item()
    if isinstance(source, (bytes, np.bytes_)):
        source = io.BytesIO(bytes(source))
    height, width = int(size[0]), int(size[1])
    mode = "L" if channels == 1 else "RGB"
    with Image.open(source) as image:
        if image.format == "JPEG" and image.mode in ("RGB", "L", "YCbCr"):
            image.draft(mode, (width, height))
        image.seek(0)  # GIF/WebP animations: the first frame
        image = _to_mode(image, mode)
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8).reshape(height, width, channels)


@functools.lru_cache(maxsize=8)
def decoder(size, channels=3):
    """THE decode/resize of kerascli's images: a TensorFlow function ``(contents, route) ->
    uint8 image (height, width, channels)`` of one encoded file's bytes and its :func:`route`.

    Training (a parallel tf.data map), ``evaluate``, ``predict`` and ``serve``
    (:func:`decode_file`) all decode through it. The tf.io routes give Pillow's pixels
    (within 1-2 levels: tests/datasets/test_image_decode.py): JPEG with the accurate integer
    IDCT at Pillow's reduced scale; transparency composited on white; grayscale as Pillow's
    ITU-R 601-2 luma; Pillow's bilinear resize (a triangle filter, widened when shrinking)."""
    from kerascli.runtime import keras_module
    keras_module()  # TensorFlow imported quietly
    import tensorflow as tf
    height, width, channels = int(size[0]), int(size[1]), int(channels)
    luma = tf.constant([19595, 38470, 7471], tf.int32)  # Pillow's RGB -> L, in 1/65536

    def finish(image):  # uint8 RGB (or already gray) of any size -> the model's size
        if channels == 1 and image.shape[-1] == 3:
            weighted = tf.reduce_sum(tf.cast(image, tf.int32) * luma, axis=-1, keepdims=True)
            image = tf.cast(tf.bitwise.right_shift(weighted + 32768, 16), tf.uint8)
        shape = tf.shape(image)
        image = tf.cond(  # a JPEG decoded at a reduced scale is often the size already
            tf.logical_and(tf.equal(shape[0], height), tf.equal(shape[1], width)),
            lambda: image,
            lambda: tf.cast(tf.clip_by_value(tf.round(tf.image.resize(
                image, (height, width), "bilinear", antialias=True)), 0, 255), tf.uint8))
        return tf.ensure_shape(image, (height, width, channels))

    def jpeg(ratio):
        # channels=1: libjpeg's own luma (the Y plane), as Pillow's draft("L") gives
        return lambda contents: finish(tf.io.decode_jpeg(
            contents, channels=channels, ratio=ratio, dct_method="INTEGER_ACCURATE"))

    def png_alpha(contents):
        rgba = tf.cast(tf.io.decode_png(contents, channels=4), tf.float32)
        alpha = rgba[..., 3:] / 255.0
        return finish(tf.cast(tf.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)), tf.uint8))

    def rgb(contents):
        return finish(tf.io.decode_image(contents, channels=3, expand_animations=False))

    def pillow(contents):
        image = tf.numpy_function(lambda data: pillow_decode(data, (height, width), channels),
                                  [contents], tf.uint8, stateful=False)
        return tf.ensure_shape(image, (height, width, channels))

    routes = [pillow, *(jpeg(r) for r in JPEG_RATIOS), png_alpha, rgb]  # by route number

    def decode(contents, route_):
        return tf.switch_case(tf.cast(route_, tf.int32),
                              [lambda f=f: f(contents) for f in routes])

    return decode


class UndecodableImage(ValueError):
    """An image file that passed the header check but whose pixels do not decode."""


def decode_file(source, size, channels=3):
    """Read one image (a path or a file object) as a uint8 array of shape (height, width,
    channels), through :func:`decoder`, the decode/resize training used. Raises
    ``FileNotFoundError``, ``PIL.UnidentifiedImageError``/``OSError`` for what is not an
    image, :class:`UndecodableImage` for pixels that do not decode."""
    from kerascli.datasets import _filecheck
    from PIL import Image
    if hasattr(source, "read"):
        data = source.read()
        import io
        with Image.open(io.BytesIO(data)) as image:
            facts = _filecheck.header(image)
    else:
        with open(source, "rb") as f:
            data = f.read()
        with Image.open(source) as image:
            facts = _filecheck.header(image)
    decode = decoder(tuple(int(n) for n in size), int(channels))
    import tensorflow as tf
    try:
        return decode(tf.constant(data), route(facts, size)).numpy()
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError):
        pass  # as in training (ImageFiles.batches): Pillow's turn, and its reason if it fails
    try:
        return pillow_decode(data, size, channels)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise UndecodableImage(f"the header looked whole but the pixels do not decode "
                               f"({first_line(exc)})") from None


def first_line(exc):
    """An exception's message, one short line (TensorFlow's run to pages)."""
    text = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    return text.strip().splitlines()[0][:120]


def default_size(first):
    """The first image's (height, width), scaled so the longer side is at most 64."""
    from PIL import Image
    with Image.open(first) as image:
        width, height = image.size
    scale = min(1.0, DEFAULT_MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


# ---------------------------------------------------------------- the lazy array

class DecodeFailures:
    """Files that passed the header check but whose pixels would not decode when read (a
    damaged scan inside a whole-looking file): each is reported once, in one line on stderr,
    and listed in the run directory's ``skipped.txt`` after the files the check skipped.
    Shared by a folder's :class:`ImageFiles` and every subset of them."""

    def __init__(self, skipped=()):
        import threading
        self.found = []  # [(path, why)], in the order met
        self.skipped = list(skipped)  # what the header check skipped (already in skipped.txt)
        self.run_dir = None  # a RunDir once training has one: skipped.txt is kept there
        self._lock = threading.Lock()

    def keep_in(self, run_dir):
        """List failures in ``run_dir``'s skipped.txt from now on."""
        self.run_dir = run_dir
        if self.found:
            self._write()

    def add(self, path, why):
        import sys
        with self._lock:
            if any(p == path for p, _ in self.found):
                return
            self.found.append((path, why))
            print(f"warning: {path}: its header looked whole but its pixels do not decode "
                  f"({why}): left out of training batches, a white image where outputs must "
                  "stay in line with the files (test predictions); listed in skipped.txt, "
                  "re-save or remove it.", file=sys.stderr, flush=True)
            if self.run_dir is not None:
                self._write()

    def _write(self):
        self.run_dir.write_text("skipped.txt", "".join(
            f"{path}\t{why}\n" for path, why in [*self.skipped, *self.found]))


def repair_batch(files, rows, kept, decoded):
    """A batch in which tf.io could not decode some files (their positions are missing from
    ``kept``): those are read with Pillow instead; a file Pillow cannot read either is
    reported (:class:`DecodeFailures`) and left white. Returns (images, decoded or not)."""
    import numpy as np
    out = np.full((len(rows), *files.size, files.channels), 255, dtype=np.uint8)
    ok = np.zeros(len(rows), dtype=bool)
    out[kept], ok[kept] = decoded, True
    for i in np.flatnonzero(~ok):
        path = files.paths[rows[i]]
        try:
            out[i] = pillow_decode(path, files.size, files.channels)
            ok[i] = True
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            files.failures.add(path, first_line(exc))
    return out, ok


class ImageFiles:
    """Image files standing in for a uint8 array of shape (n, height, width, channels).

    Nothing is decoded until asked: ``len``, ``shape`` and fancy indexing (a subset: another
    :class:`ImageFiles`) are free; ``files[i]`` decodes one image; ``np.asarray(files)``
    decodes them all (refused in one line when they would not fit in memory); training and
    prediction stream them through tf.data (:func:`kerascli.core.pipeline.image_batches`).
    """

    dtype = None  # set in __init__ (NumPy imported lazily)
    ndim = 4

    def __init__(self, paths, size, channels, routes=None, failures=None):
        import numpy as np
        self.failures = failures if failures is not None else DecodeFailures()
        self.paths = np.asarray([str(p) for p in paths], dtype=object)
        self.size = (int(size[0]), int(size[1]))
        self.channels = int(channels)
        self.dtype = np.dtype(np.uint8)
        self._routes = None if routes is None else np.asarray(routes, dtype=np.int32)

    @property
    def routes(self):
        """Each file's :func:`route` (from the loader's header check; else read now)."""
        if self._routes is None:
            import numpy as np
            from kerascli.datasets._filecheck import check
            facts = check(list(self.paths))[1]
            self._routes = np.asarray([route(facts.get(p), self.size) for p in self.paths],
                                      dtype=np.int32)
        return self._routes

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
        return ImageFiles(self.paths[key], self.size, self.channels,
                          None if self._routes is None else self._routes[key], self.failures)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        import numpy as np
        check_fits(self.nbytes, f"decoding {len(self):,} images of {self.size[0]}x{self.size[1]}x"
                                f"{self.channels}")
        out = np.empty(self.shape, dtype=np.uint8)
        done = 0
        for batch in self.batches(256):
            out[done:done + len(batch)] = batch.numpy()
            done += len(batch)
        return out if dtype is None else out.astype(dtype)

    def batches(self, batch_size, labels=None, order=None):
        """A ``tf.data.Dataset`` of decoded batches, ``(images, labels)`` or, without
        ``labels``, images; rows in ``order`` (a dataset of every row number once; default: in
        order),
        each read and decoded by :func:`decoder` in a parallel map.

        A file whose pixels tf.io cannot decode (it passed the header check) is read with
        Pillow instead; one Pillow cannot read either is reported once
        (:class:`DecodeFailures`: one line, skipped.txt) and, with labels, left out of its
        batch; without labels (predictions that must stay aligned with the files) it is
        given as a white image. Batches keep their number either way."""
        decode = decoder(self.size, self.channels)
        import tensorflow as tf
        auto = tf.data.AUTOTUNE
        (height, width), channels = self.size, self.channels
        paths, routes = tf.constant([str(p) for p in self.paths]), tf.constant(self.routes)
        ys = None if labels is None else tf.constant(labels)
        order = tf.data.Dataset.range(len(self)) if order is None else order
        nothing = tf.data.Dataset.from_tensors((tf.zeros((0, height, width, channels), tf.uint8),
                                                tf.zeros((0,), tf.int32)))

        def one_batch(rows):  # -> exactly one (rows, decoded images, their positions)
            items = tf.data.Dataset.from_tensor_slices(
                (tf.gather(paths, rows), tf.gather(routes, rows), tf.range(tf.size(rows))))
            good = items.map(lambda path, how, i: (decode(tf.io.read_file(path), how), i),
                             num_parallel_calls=auto, deterministic=True).ignore_errors()
            return (good.batch(batch_size).concatenate(nothing).take(1)
                    .map(lambda x, kept: (rows, x, kept)))

        def repair(rows, x, kept):
            full, ok = tf.numpy_function(lambda r, k, d: repair_batch(self, r, k, d),
                                         [rows, kept, x], [tf.uint8, tf.bool])
            return (tf.ensure_shape(full, (None, height, width, channels)),
                    tf.ensure_shape(ok, (None,)))

        def whole(rows, x, kept):
            n = tf.size(rows)
            x, ok = tf.cond(tf.shape(kept)[0] < n, lambda: repair(rows, x, kept),
                            lambda: (x, tf.ones([n], tf.bool)))
            if ys is None:
                return x
            # a batch of nothing but such files keeps them (white): a batch is never empty
            ok = tf.logical_or(ok, tf.logical_not(tf.reduce_any(ok)))
            return tf.boolean_mask(x, ok), tf.boolean_mask(tf.gather(ys, rows), ok)

        batches = -(-len(self) // batch_size)  # known, as from a plain map and batch
        return (order.batch(batch_size)
                .interleave(one_batch, num_parallel_calls=auto, deterministic=True)
                .map(whole, num_parallel_calls=auto, deterministic=True)
                .apply(tf.data.experimental.assert_cardinality(batches)))

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
    from kerascli.datasets._filecheck import check
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
    bad, facts = check(everything)
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

    failures = DecodeFailures(bad)

    def files(paths):  # each file's route from the header the check read
        return ImageFiles(paths, size, channels, [route(facts.get(p), size) for p in paths],
                          failures)

    extra = {"image_size": list(size), "color_mode": options.color_mode,
             "split": f"{layout[0]}/{layout[1]} folders" if layout else "seeded stratified"}
    if not layout:
        extra.update(test_size=options.test_size, split_seed=options.seed)
    if bad:
        extra["skipped_files"] = len(bad)
    return Dataset(name=root.name, task=CLASSIFICATION, kind=IMAGE,
                   x_train=files(train_paths), y_train=y_train,
                   x_test=files(test_paths), y_test=y_test,
                   input_shape=(size[0], size[1], channels), source=str(root),
                   class_names=class_names, extra=extra, skipped=tuple(bad))


def status(options):
    return {"present": None, "valid": None, "location": "given by path",
            "found_in": "path", "note": "--dataset DIR (one subfolder of images per class)"}
