"""The Click value types of kerascli's options: each parses and checks one kind of value
(comma lists, image sizes and shapes, upload limits, a model's own option through its
:class:`~kerascli.models.spec.Param`) and fails with one line saying what to give."""
import click


class CommaList(click.ParamType):
    """Comma-separated values: ``256,128`` (positive integers) or ``a,b`` (column names)."""

    def __init__(self, cast=str):
        self.cast, self.name = cast, "INTS" if cast is int else "A,B,..."

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            items = tuple(self.cast(v.strip()) for v in str(value).split(",") if v.strip())
        except ValueError:
            items = ()
        if not items or (self.cast is int and min(items) < 1):
            self.fail(f"{value!r}: give {'positive integers' if self.cast is int else 'names'} "
                      "separated by commas, e.g. 256,128.", param, ctx)
        return items


class ImageSize(click.ParamType):
    """``28`` or ``28x28`` (height x width)."""

    name = "HxW"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().replace(",", "x").split("x")
        try:
            size = tuple(int(p) for p in parts)
        except ValueError:
            size = ()
        if len(size) == 1:
            size = size * 2
        if len(size) != 2 or min(size) < 1:
            self.fail(f"{value!r}: give a size such as 28 or 32x32.", param, ctx)
        return size


class ImageShape(click.ParamType):
    """``28,28`` or ``32,32,3`` (height, width[, channels])."""

    name = "H,W[,C]"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            shape = tuple(int(p) for p in str(value).lower().replace("x", ",").split(","))
        except ValueError:
            shape = ()
        if len(shape) == 2:
            shape += (1,)
        if len(shape) != 3 or min(shape) < 1 or shape[2] not in (1, 3):
            self.fail(f"{value!r}: give height,width or height,width,channels (1 or 3), such "
                      "as 28,28 or 32,32,3.", param, ctx)
        return shape


class ParamValue(click.ParamType):
    """A model option's value, checked by its :class:`~kerascli.models.spec.Param` (the one
    validator config.json and a search use too)."""

    def __init__(self, param, model):
        self.param, self.model = param, model
        self.name = {"ints": "INTS", "choice": "[" + "|".join(param.choices or ()) + "]"}.get(
            param.type, param.type.upper())

    def get_metavar(self, *args, **kwargs):
        return self.name

    def convert(self, value, param, ctx):
        from kerascli.errors import UserError
        try:
            return self.param.check(value, self.model)
        except UserError as exc:  # keep what was received ('64,x'), drop the option's name
            text = str(exc)
            self.fail(text[len(self.param.option):].lstrip() if text.startswith(
                self.param.option) else text, param, ctx)


class UploadLimit(click.ParamType):
    """--max-upload-mb: a finite number of megabytes above 0 (nan and inf refused here,
    before anything loads)."""

    name = "MB"
    MAX = 1024

    def convert(self, value, param, ctx):
        import math
        try:
            mb = float(value)
        except (TypeError, ValueError):
            mb = math.nan
        if not (math.isfinite(mb) and 0 < mb <= self.MAX):
            self.fail(f"{value!r}: give a number of megabytes above 0 and at most {self.MAX}, "
                      "e.g. 5.", param, ctx)
        return mb
