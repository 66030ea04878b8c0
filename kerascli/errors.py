"""Errors a user can act on.

The core raises :class:`UserError` (it knows nothing of Click); the CLI turns it into one
line on stderr and exit code 2. The message names what is wrong, where, and how to fix it.
"""


class UserError(ValueError):
    """Bad input from the user: a file, an option value, a model/dataset mismatch."""


class DataError(UserError):
    """A data file that is missing, malformed or fails its checksum."""

    def __init__(self, path, defect):
        self.path = str(path)
        self.defect = defect
        super().__init__(f"{path}: {defect}")


class Diverged(UserError):
    """Training produced a NaN or infinite loss; nothing was saved as the final model."""

    def __init__(self, message, epoch=None):
        self.epoch = epoch
        super().__init__(message)


class DownloadFailed(UserError):
    """No mirror delivered a file with the right checksum."""
