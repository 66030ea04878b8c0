"""Find the image files that will not decode, in one fast pass, without decoding pixels.

Each file gets Pillow's header parse (format, size, mode: a few hundred bytes read) plus a
check that the file is whole, made from its own structure:

* JPEG: the end-of-image marker (FF D9) closes the file (trailing padding allowed);
* PNG: every chunk's CRC up to IEND (Pillow's ``verify``: reads the file, inflates nothing);
* GIF: the trailer byte (0x3B) closes the file;
* BMP: the file holds the pixel rows its header announces;
* WebP: the file holds the bytes its RIFF header announces.

So an empty file, a download cut off half way and a text file named ``.jpg`` are all
caught up front; the pixels are decoded once, while training.
"""
import os
from typing import NamedTuple

from PIL import Image, UnidentifiedImageError

FORMATS = ("JPEG", "MPO", "PNG", "GIF", "BMP", "DIB", "WEBP")
MAX_PIXELS = 178_956_970  # Pillow's decompression-bomb limit (2 x MAX_IMAGE_PIXELS)
TAIL = 4096  # bytes read from a file's end


def _tail(path, n=TAIL):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - n))
        return f.read(), size


class Facts(NamedTuple):
    """What the header says about one file: enough to pick how it is decoded
    (:func:`kerascli.datasets.images.route`)."""
    format: str
    mode: str
    width: int
    height: int
    transparency: bool  # a palette or single-colour transparency (tRNS, GIF), not an alpha band
    rawmode: str  # how the pixels are stored, e.g. "RGB;16B" for a 16-bit PNG, "BGR" for a BMP


def problem(path):
    """Why ``path`` will not decode (a few words), or None when it looks whole."""
    return inspect(path)[0]


def header(image):
    """The :class:`Facts` of an open Pillow image (nothing decoded)."""
    rawmode = ""
    if image.tile and isinstance(image.tile[0][3], tuple) and image.tile[0][3]:
        rawmode = str(image.tile[0][3][0])
    elif image.tile and isinstance(image.tile[0][3], str):
        rawmode = image.tile[0][3]
    return Facts(image.format or "", image.mode, image.size[0], image.size[1],
                 "transparency" in image.info, rawmode)


def inspect(path):
    """(why ``path`` will not decode or None, its :class:`Facts` or None): one header parse."""
    reason = facts = None
    try:
        reason, facts = _inspect(path)
    except UnidentifiedImageError:
        reason = "not an image"
    except Image.DecompressionBombError:
        reason = "too many pixels"
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = f"cannot decode ({str(exc).splitlines()[0][:80] or exc.__class__.__name__})"
    return reason, facts


def _inspect(path):
    import warnings
    if os.path.getsize(path) == 0:
        return "empty file", None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning, EXIF notes
        with Image.open(path) as image:
            facts = header(image)
            fmt, width, height = facts.format, facts.width, facts.height
            if fmt not in FORMATS:
                return f"{fmt} is not a supported image type", None
            if width < 1 or height < 1:
                return "image has no pixels", None
            if width * height > MAX_PIXELS:
                return f"{width}x{height} pixels is too large", None
            if fmt == "PNG":
                image.verify()
                return None, facts
            if fmt == "BMP" or fmt == "DIB":
                return _bmp_problem(path, image), facts
    tail, size = _tail(path)
    if fmt in ("JPEG", "MPO"):
        # the end marker closes the file; some cameras append padding or a trailer after it
        # (then it is still in the last few KiB, which in a larger file are past any thumbnail)
        if not tail.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9") and not (
                size > 2 * TAIL and b"\xff\xd9" in tail):
            return "cut off (no JPEG end marker)", None
    elif fmt == "GIF":
        if not tail.rstrip(b"\x00").endswith(b";"):
            return "cut off (no GIF trailer)", None
    elif fmt == "WEBP":
        with open(path, "rb") as f:
            start = f.read(12)
        announced = int.from_bytes(start[4:8], "little") + 8
        if size < announced:
            return f"cut off ({size} of {announced} bytes)", None
    return None, facts


def _bmp_problem(path, image):
    if image.tile and image.tile[0][0] == "raw":
        offset = image.tile[0][2]
        bits = {"1": 1, "L": 8, "P": 8, "RGB": 24, "RGBA": 32}.get(image.mode)
        raw_mode = image.tile[0][3][0] if image.tile[0][3] else ""
        bits = 32 if raw_mode in ("BGRA", "BGRX") else bits
        if bits:
            stride = ((bits * image.size[0] + 31) // 32) * 4
            need = offset + stride * image.size[1]
            size = os.path.getsize(path)
            if size < need:
                return f"cut off ({size} of {need} bytes)"
    return None


def check(paths, workers=None):
    """([(path, reason)] for the files among ``paths`` that will not decode, in their order;
    {path: :class:`Facts`} for the others), in one pass over the files' headers."""
    from concurrent.futures import ThreadPoolExecutor
    workers = workers or min(16, 4 * (os.cpu_count() or 1))  # mostly waiting on the disk
    with ThreadPoolExecutor(workers) as pool:
        found = list(pool.map(inspect, paths, chunksize=64))
    bad = [(p, why) for p, (why, _) in zip(paths, found) if why]
    return bad, {p: facts for p, (why, facts) in zip(paths, found) if not why}


def find_bad(paths, workers=None):
    """[(path, reason)] for the files among ``paths`` that will not decode, in their order."""
    return check(paths, workers)[0]
