"""What ``predict`` and ``serve`` are given: paths, folders of images (expanded), or bytes
that arrive over HTTP (:class:`Upload`); and what a model's input is, in words."""
import io
from pathlib import Path

from kerascli.errors import UserError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt"}


class Upload(io.BytesIO):
    """An input that arrives as bytes (a file sent to ``kerascli serve``), read exactly as a
    file of that name would be: the suffix picks image or CSV, the name stands for the path
    in results and messages."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name = name

    @property
    def suffix(self):
        return Path(self.name).suffix

    def is_file(self):
        return True

    def is_dir(self):
        return False

    def __str__(self):
        return self.name


def describe_input(input_shape):
    """What a model's input is, in words, with what to give it (for one-line refusals)."""
    shape = tuple(input_shape)
    if len(shape) == 1:
        return f"table rows of {shape[0]} values (give a CSV file)"
    if len(shape) == 2:
        return (f"windows of {shape[0]} past values of a series ({shape[1]} per step; an LSTM): "
                "predict cannot feed it; use kerascli forecast FILE.csv")
    if len(shape) == 3:
        channels = {1: "grayscale", 3: "RGB"}.get(shape[2], f"{shape[2]}-channel")
        return f"images ({channels}, {shape[0]}x{shape[1]} pixels; give image files)"
    return f"inputs of shape {shape}"


def expand_inputs(inputs):
    """The inputs as given, a folder replaced by the image files in it (and its sub-folders),
    in name order; one line for a folder without any."""
    expanded = []
    for item in inputs:
        if isinstance(item, Upload):
            expanded.append(item)
            continue
        item = Path(item)
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                           and p.is_file() and not any(part.startswith(".")
                                                       for part in p.relative_to(item).parts))
            if not found:
                raise UserError(f"{item}: a folder without image files "
                                f"({', '.join(sorted(IMAGE_SUFFIXES))}); give image files, a "
                                "folder of them, or a CSV file.")
            expanded.extend(found)
        else:
            expanded.append(item)
    return expanded
