"""Where official dataset files are looked for, and how they are fetched when missing.

Order, first match wins: ``--data-dir``/``KERASCLI_DATA_DIR``; the user's Keras cache
(``$KERAS_HOME`` or ``~/.keras``, then ``datasets/``), so nothing Keras already fetched is
fetched twice; kerascli's own cache (``--cache-dir``/``KERASCLI_CACHE_DIR``, else the
platform's user cache directory); then a download from the official source. Downloads go
to a temporary file beside the target and are renamed only once the sha256 matches (pooch
does exactly that), so nothing half-written or wrong ever sits in the cache.

Nothing here imports NumPy: ``kerascli datasets`` uses it to check files by their headers.
"""
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kerascli.errors import DataError, DownloadFailed, UserError

DATA_DIR_ENV = "KERASCLI_DATA_DIR"
CACHE_DIR_ENV = "KERASCLI_CACHE_DIR"
# A base URL that replaces every official mirror (tests point it at a local server; a
# company mirror can use it too). Files are fetched as f"{base}/{file name}".
MIRROR_ENV = "KERASCLI_MIRROR_URL"
HASH_CACHE = "file-hashes.json"
TIMEOUT = (15, 60)  # seconds to connect, seconds between bytes


@dataclass(frozen=True)
class Remote:
    """One official file: its name in the cache, its sha256 and the URLs that serve it."""

    name: str
    sha256: str
    urls: tuple
    size: Optional[int] = None

    @classmethod
    def on_mirrors(cls, mirrors, name, sha256, size=None):
        """The same file served under each mirror's base URL (tried in order)."""
        return cls(name, sha256, tuple(base + name for base in mirrors), size)


@dataclass(frozen=True)
class Candidate:
    """A place where a dataset may already be: a folder holding ``files`` in ``layout``."""

    where: str  # "data-dir", "keras-cache" or "cache"
    directory: Path
    layout: str  # e.g. "idx", "npz", "cifar-bin", "cifar-py"
    files: tuple

    def paths(self):
        return [self.directory / f for f in self.files]

    def existing(self):
        return [p for p in self.paths() if _exists(p)]

    def complete(self):
        return all(_exists(p) for p in self.paths())

    def missing(self):
        return [p.name for p in self.paths() if not _exists(p)]


def _exists(path):
    return path.is_file() or (path.suffix == ".gz" and path.with_suffix("").is_file())


def actual(path):
    """A ``.gz`` name may also be satisfied by the uncompressed file beside it."""
    path = Path(path)
    if not path.is_file() and path.suffix == ".gz" and path.with_suffix("").is_file():
        return path.with_suffix("")
    return path


# --- directories ----------------------------------------------------------------------

def data_dir(options):
    value = options.data_dir if options is not None else None
    value = value or os.environ.get(DATA_DIR_ENV) or None
    return Path(value).expanduser() if value else None


def keras_datasets_dir():
    base = os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    return Path(base).expanduser() / "datasets"


def cache_dir(options=None):
    value = options.cache_dir if options is not None else None
    value = value or os.environ.get(CACHE_DIR_ENV) or None
    if value:
        return Path(value).expanduser()
    import platformdirs
    return Path(platformdirs.user_cache_dir("kerascli"))


def find(name, candidates):
    """The first complete candidate, or None. A folder the user named with ``--data-dir``
    that holds only some of the files is an error (saying which are missing), not a miss."""
    for cand in candidates:
        if cand.complete():
            return cand
        if cand.where == "data-dir" and cand.existing():
            raise DataError(cand.directory, f"incomplete {name} folder: missing "
                                            f"{', '.join(cand.missing())}; add them or remove the folder.")
    return None


# --- checksums ------------------------------------------------------------------------

def sha256_of(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


class HashCache:
    """sha256 of files, remembered by (path, size, mtime_ns) so repeat listings are instant."""

    def __init__(self, directory):
        self.file = Path(directory) / HASH_CACHE
        try:
            self.table = json.loads(self.file.read_text(encoding="utf-8"))
            if not isinstance(self.table, dict):
                self.table = {}
        except (OSError, ValueError):
            self.table = {}
        self.dirty = False

    def sha256(self, path):
        path = Path(path).resolve()
        st = path.stat()
        entry = self.table.get(str(path))
        if (isinstance(entry, dict) and entry.get("size") == st.st_size
                and entry.get("mtime_ns") == st.st_mtime_ns):
            return entry.get("sha256")
        digest = sha256_of(path)
        self.table[str(path)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
        self.dirty = True
        return digest

    def save(self):
        if not self.dirty:
            return
        from kerascli.artifacts import write_json
        try:
            write_json(self.file, self.table)
        except OSError:  # a read-only cache only costs speed
            pass
        self.dirty = False


def checksum_status(paths, remotes, hashes):
    """'official' if every file matches its official sha256, else 'differs: NAME'."""
    by_name = {r.name: r.sha256 for r in remotes}
    for path in paths:
        path = actual(path)
        expected = by_name.get(path.name)
        if expected is None:
            return "no official checksum"
        if hashes.sha256(path) != expected:
            return f"differs from official ({path.name})"
    return "official"


# --- archives -------------------------------------------------------------------------

def extract_tar(tar, destination, members):
    """Extract ``members`` of the open tarfile ``tar`` into ``destination``; nothing may land
    outside it. Refused (``tarfile.TarError`` naming the member): absolute names, names that
    climb out with ``..``, links (symbolic or hard) and device files; only plain files and
    folders are written. tarfile's own "data" filter is used too where this Python has it
    (3.10.12+, 3.11.4+, 3.12+); before that ``filter=`` raises TypeError, and the checks here
    are the whole protection."""
    import os
    import tarfile

    root = os.path.realpath(destination)
    for member in members:
        name = member.name
        if not (member.isfile() or member.isdir()):
            kind = "a link" if member.issym() or member.islnk() else "not a plain file"
            raise tarfile.TarError(f"member {name!r} is {kind}; refused")
        if os.path.isabs(name) or name.startswith(("/", "\\")):
            raise tarfile.TarError(f"member {name!r} has an absolute path; refused")
        target = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, target]) != root:
            raise tarfile.TarError(f"member {name!r} would land outside the folder it is "
                                   "extracted to; refused")
    if hasattr(tarfile, "data_filter"):
        tar.extractall(destination, members=members, filter="data")
    else:  # Python < 3.10.12 / 3.11.4: the checks above, member by member
        tar.extractall(destination, members=members)


# --- downloads ------------------------------------------------------------------------

def urls_for(remote):
    base = os.environ.get(MIRROR_ENV)
    if base:
        return (f"{base.rstrip('/')}/{remote.name}",)
    return tuple(remote.urls)


class _Bar:
    """The progress-bar object pooch accepts (``total``, ``update``, ``reset``, ``close``),
    drawn with rich on stderr."""

    def __init__(self, label):
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                   TimeRemainingColumn, TransferSpeedColumn)
        self._progress = Progress(TextColumn(label), BarColumn(), DownloadColumn(),
                                  TransferSpeedColumn(), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=False)
        self._task = None
        self.total = None

    def update(self, n):
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total or None)
        self._progress.update(self._task, advance=n)

    def reset(self):
        if self._task is not None:
            self._progress.reset(self._task, total=self.total or None)

    def close(self):
        self._progress.stop()


def _stderr_is_tty():
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def fetch(remote, directory, progress=True):
    """Put ``remote`` into ``directory`` with its sha256 verified; return the path.

    Each mirror is tried in turn; a wrong checksum or a broken connection leaves nothing
    behind. Raises :class:`DownloadFailed` with one line naming the last failure.
    """
    import logging
    directory = Path(directory)
    target = directory / remote.name
    if target.is_file() and sha256_of(target) == remote.sha256:
        return target
    import pooch
    import requests
    pooch.get_logger().setLevel(logging.WARNING)
    failures = []
    for url in urls_for(remote):
        bar = None
        if progress:
            if _stderr_is_tty():
                bar = _Bar(remote.name)
            else:
                print(f"downloading {url}", file=sys.stderr, flush=True)
        try:
            downloader = pooch.HTTPDownloader(progressbar=bar or False, chunk_size=1 << 16,
                                              timeout=TIMEOUT)
            path = pooch.retrieve(url, known_hash=f"sha256:{remote.sha256}", fname=remote.name,
                                  path=directory, downloader=downloader)
            return Path(path)
        except ValueError as exc:  # pooch: hash mismatch (the temporary file is deleted)
            reason = "checksum mismatch" if "hash" in str(exc).lower() else str(exc).splitlines()[0]
            failures.append(f"{url}: {reason}")
        except (requests.exceptions.RequestException, OSError) as exc:
            failures.append(f"{url}: {_short(exc)}")
        finally:
            if bar is not None:
                bar.close()
    raise DownloadFailed(f"could not download {remote.name}: {failures[-1]}")


_REASONS = {  # requests' long messages -> a few words a user can act on
    "Connection broken": "connection dropped mid-file",
    "IncompleteRead": "connection dropped mid-file",
    "Failed to establish a new connection": "cannot connect (offline?)",
    "Connection refused": "cannot connect (offline?)",
    "Name or service not known": "cannot resolve the host (offline?)",
    "Temporary failure in name resolution": "cannot resolve the host (offline?)",
    "timed out": "timed out",
}


def _short(exc):
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for marker, reason in _REASONS.items():
        if marker in text:
            return reason
    return text[:200]


def not_found(name, files, subdir, options, reason=None):
    """The one message for a dataset that is nowhere and could not be downloaded."""
    base = data_dir(options)
    where = f"{base / subdir}/" if base else f"DIR/{subdir}/ and pass --data-dir DIR (or set {DATA_DIR_ENV})"
    if base:
        where += " (your --data-dir)"
    tail = f" (download failed: {reason})" if reason else ""
    return UserError(f"{name}: not found; put {', '.join(files)} in {where}, or run "
                     f"`kerascli datasets download {name}` when online{tail}.")
