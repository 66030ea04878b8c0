"""Decoding images: THE decode/resize of kerascli (:func:`decoder`, tf.io ops run in parallel
by tf.data) for training, ``evaluate``, ``predict`` and ``serve``, with Pillow
(:func:`pillow_decode`) for the few kinds tf.io does not read as Pillow does, picked per file
by :func:`route` from the header :mod:`kerascli.datasets._filecheck` read.
"""
import functools

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
