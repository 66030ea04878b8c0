"""A folder of images, one subfolder per class: ``photos/cat/*.jpg``, ``photos/dog/2019/*.png``.

Folders as people have them:

* class folders are walked recursively (symlinked folders are followed once; a link back
  up the tree is not walked twice); JPEG, PNG, BMP, GIF (first frame) and WebP files are
  read; hidden files, ``Thumbs.db``, ``.DS_Store`` and other non-image files are ignored;
* files that cannot be decoded (empty, cut off, not an image) are found in one fast pass
  before training (:mod:`kerascli.datasets._filecheck`: header and end-of-file checks, no
  pixel decoding) and skipped; ``Dataset.skipped`` lists them (train writes them to
  ``skipped.txt``); ``strict`` refuses the folder instead, listing every bad file;
* a file is labelled by the class folder it really lies in: a link from one class folder into
  another does not relabel its images (a note says so);
* a folder of gray images only (every header says so) trains on one channel, any colour
  image makes it RGB (``color_mode`` auto; rgb or grayscale force one);
* a folder holding ``train/`` and ``test/`` (or ``val/``, ``validation/``) subfolders keeps
  that split; otherwise a seeded, stratified split holds out ``test_size`` of each class.

This module loads and splits; its neighbours do the rest: :mod:`._image_walk` finds the
files, :mod:`._image_decode` decodes them, :mod:`._image_files` holds them lazily,
:mod:`._memory` checks that what is decoded fits.

Nothing is decoded when the folder is loaded: ``x_train``/``x_test`` are
:class:`~kerascli.datasets._image_files.ImageFiles`, lists of paths that tf.data decodes batch
by batch while training (:func:`kerascli.core.tfdata.image_feed`), so memory does not grow
with the folder. Every image -- in training, ``evaluate``, ``predict`` and ``serve`` -- goes
through one decode function, :func:`kerascli.datasets._image_decode.decoder` (tf.io ops, run
in parallel by tf.data; Pillow for the few kinds tf.io does not read as Pillow does, picked per
file by :func:`~kerascli.datasets._image_decode.route` from the header the check read):
converted to RGB or grayscale (transparency on white, 16-bit scaled to 8 bits, CMYK
converted), resized to one size (``image_size``; by default the size of the first
image, scaled so that its longer side is at most 64 pixels).
"""
from kerascli.datasets import CLASSIFICATION, IMAGE, DatasetInfo
# the decoder training uses is predict's and serve's too (kerascli.inference.image_inputs)
from kerascli.datasets._filecheck import header as image_header  # noqa: F401
from kerascli.datasets._image_decode import (  # noqa: F401
    JPEG_RATIOS, UndecodableImage, decode_file, pillow_decode, route)
from kerascli.datasets._image_files import DecodeFailures, ImageFiles
from kerascli.datasets import _memory
from kerascli.datasets._memory import gib  # noqa: F401  (core.tfdata's batch check)
from kerascli.datasets._image_walk import scan, subdirs

INFO = DatasetInfo(name="images", kind=IMAGE, task=CLASSIFICATION,
                   summary="a folder of JPEG/PNG/BMP/GIF/WebP images, one subfolder per class "
                           "(--dataset DIR)",
                   needs_path=True)
DEFAULT_MAX_SIDE = 64
TEST_FOLDERS = ("test", "val", "validation")  # train/ + one of these keeps the split
SHOWN_SKIPPED = 3  # bad paths named in the one-line summary (all are in skipped.txt)
# Pillow modes of gray images: a folder of nothing else trains on one channel (color_mode auto)
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


# ---------------------------------------------------------------- loading

def default_size(first):
    """The first image's (height, width), scaled so the longer side is at most 64."""
    from PIL import Image
    with Image.open(first) as image:
        width, height = image.size
    scale = min(1.0, DEFAULT_MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


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
    if options.color_mode not in ("auto", "rgb", "grayscale"):
        raise UserError(f"color mode {options.color_mode!r}: choose auto, rgb or grayscale.")
    strict = getattr(options, "strict", False)
    layout = _split_layout(root, subdirs(root))
    notes = []
    parts = {"train": scan(root / layout[0], notes=notes),
             "test": scan(root / layout[1], notes=notes)} if layout \
        else {"all": scan(root, notes=notes)}
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
    color_mode = options.color_mode
    if color_mode == "auto":  # one channel when every image is gray (from the headers read)
        kept = [facts.get(p) for part in parts.values() for paths in part.values() for p in paths]
        color_mode = ("grayscale" if kept and all(f is not None and f.mode in GRAY_MODES
                                                  for f in kept) else "rgb")
    channels = 1 if color_mode == "grayscale" else 3
    if layout:
        train_paths, y_train = flat(parts["train"])
        test_paths, y_test = flat(parts["test"])
    else:
        paths, labels = flat(parts["all"])
        index_train, index_test, y_train, y_test = split(
            np.arange(len(labels)), labels, task=CLASSIFICATION, test_size=options.test_size,
            seed=options.split_seed, source=root)
        train_paths = [paths[i] for i in index_train]
        test_paths = [paths[i] for i in index_test]

    failures = DecodeFailures(bad)

    def files(paths):  # each file's route from the header the check read
        return ImageFiles(paths, size, channels, [route(facts.get(p), size) for p in paths],
                          failures)

    extra = {"image_size": list(size), "color_mode": color_mode,
             "split": f"{layout[0]}/{layout[1]} folders" if layout else "seeded stratified"}
    if not layout:
        extra.update(test_size=options.test_size, split_seed=options.split_seed)
    if bad:
        extra["skipped_files"] = len(bad)
    if notes:
        extra["notes"] = notes
    return Dataset(name=root.name, task=CLASSIFICATION, kind=IMAGE,
                   x_train=files(train_paths), y_train=y_train,
                   x_test=files(test_paths), y_test=y_test,
                   input_shape=(size[0], size[1], channels), source=str(root),
                   class_names=class_names, extra=extra, skipped=tuple(bad))


def status(options):
    return {"present": None, "valid": None, "location": "given by path",
            "found_in": "path", "note": "--dataset DIR (one subfolder of images per class)"}


def available_memory():
    """Bytes of memory free now, or None where the system does not say (for core.tfdata's
    batch check; looked up at each call)."""
    return _memory.available_memory()
