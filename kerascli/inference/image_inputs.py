"""Image files as a model's input: decoded through the one decode/resize training used,
refused from the header when they declare more pixels than the model's budget, and inverted
when their background polarity differs from the training images'."""
import io

from kerascli.errors import DataError, UserError
from kerascli.inference.inputs import describe_input


# Pixels decoded for one image at most (after a JPEG's reduced-scale decode): a 5000x5000
# photo, or 256 times the model's input for bigger inputs. A small file can declare far more
# (a 140 KB PNG of 12000x12000 decoded to 430 MB and 13 s in serve): it is refused from its
# header, before any pixel is decoded.
MIN_PIXEL_BUDGET = 25_000_000
PIXELS_PER_INPUT_PIXEL = 256


class TooManyPixels(DataError):
    """An image whose header declares more pixels than :func:`pixel_budget` allows."""


def pixel_budget(input_shape):
    """How many pixels one image may decode to for a model taking ``input_shape``."""
    height, width = int(input_shape[0]), int(input_shape[1])
    return max(MIN_PIXEL_BUDGET, PIXELS_PER_INPUT_PIXEL * height * width)


def _read_bytes(path):
    if hasattr(path, "read"):
        path.seek(0)
        return path.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise UserError(f"{path}: a folder, not an image file.") from None
    except OSError as exc:
        raise DataError(path, f"cannot read it ({exc.strerror or exc}).") from None


def decode_image(path, input_shape):
    """One image file (a path or an :class:`Upload`) as the model's input, uint8 (height,
    width, channels), decoding at most :func:`pixel_budget` pixels and only the first frame
    of an animation. The header is read first: a file declaring too many pixels is refused
    (:class:`TooManyPixels`) before anything is decoded."""
    from PIL import Image, UnidentifiedImageError
    from kerascli.datasets import images

    height, width, channels = input_shape
    data = _read_bytes(path)
    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only
            facts = images.image_header(image)
            animated = bool(getattr(image, "is_animated", False))  # frame 2 exists: no decode
    except Image.DecompressionBombError:
        raise TooManyPixels(path, "the image has too many pixels to decode safely; send a "
                                  "smaller image.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataError(path, f"not an image Pillow can read ({exc.__class__.__name__}).") \
            from None
    decoded = facts.width * facts.height
    route = images.route(facts, (height, width))
    if 1 <= route <= len(images.JPEG_RATIOS):  # a JPEG: libjpeg decodes it at 1/ratio scale
        decoded //= images.JPEG_RATIOS[route - 1] ** 2
    budget = pixel_budget(input_shape)
    if decoded > budget:
        raise TooManyPixels(path, f"{facts.width}x{facts.height} pixels, more than this model's "
                                  f"budget of {budget / 1e6:g} million; send a smaller image.")
    try:
        if animated:  # an animation: Pillow decodes the first frame only (tf.io: every one)
            return images.pillow_decode(data, (height, width), channels)
        return images.decode_file(io.BytesIO(data), (height, width), channels)
    except images.UndecodableImage as exc:  # a whole header, broken pixels
        raise DataError(path, f"{exc}; re-save or replace the file.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataError(path, f"not an image Pillow can read ({exc.__class__.__name__}).") \
            from None


def image_array(path, input_shape, background=None):
    """Read an image file as the model's input: resized to (height, width), grayscale or RGB
    as the model's channels say, uint8 0-255 (:func:`decode_image`); inverted when its
    background polarity (mean brightness of its border) differs from the training images'
    (``background``: "dark"/"light"). Returns (array, inverted)."""
    if len(input_shape) != 3:
        raise UserError(f"{path}: this model takes {describe_input(input_shape)}, not images.")
    x = decode_image(path, input_shape)
    return polarity(x, background)


def polarity(x, background):
    inverted = False
    if background in ("dark", "light"):
        from kerascli.core.data import background_of  # the measure training recorded
        if background_of(x[None]) != background:
            x = 255 - x
            inverted = True
    return x, inverted
