"""Where a study lives: ``STUDY_DIR/journal.log`` (Optuna's JournalStorage file backend, safe
for several processes on one machine), or a PostgreSQL/MySQL database (``--storage URL``,
Optuna's RDB storage) for several machines; never SQLite, which is not safe for parallel
workers."""
import importlib.util
import random
import time
import warnings
from pathlib import Path

from kerascli.errors import UserError

JOURNAL = "journal.log"
STORAGE_TIMEOUT_S = 5  # a database that does not answer in this time is refused
# a lock left by a process killed while writing the journal is taken over after this long
JOURNAL_LOCK_GRACE_S = 10
# database storage: a trial whose process stopped beating this long is failed by the next
HEARTBEAT_S, HEARTBEAT_GRACE_S = 30, 120
SCHEMA_RACE_TRIES = 5  # a new database's tables: created by one process, found by the others
# scheme -> (module, SQLAlchemy driver, pip package) in the order tried for a URL that names no
# driver: SQLAlchemy 2.1 takes postgresql:// as psycopg (3), which the tune extra's documented
# psycopg2-binary does not provide
DRIVERS = {"postgresql": (("psycopg2", "psycopg2", "psycopg2-binary"),
                          ("psycopg", "psycopg", "psycopg[binary]")),
           "mysql": (("pymysql", "pymysql", "pymysql"), ("MySQLdb", "mysqldb", "mysqlclient"))}


def optuna_module():
    """Optuna, quiet; a one-line :class:`UserError` when the tune extra is not installed."""
    try:
        import optuna
    except ModuleNotFoundError:
        raise UserError('tune needs Optuna: pip install "kerascli[tune]".') from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def shown_url(url):
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        if parts.password:
            return url.replace(f":{parts.password}@", ":***@")
    except ValueError:
        pass
    return url


def open_storage(storage, study_dir):
    """The Optuna storage: the journal file in ``study_dir``, or a database URL checked to
    answer now (one line, exit 2, if it does not), never SQLite."""
    optuna = optuna_module()
    if storage is None:
        from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
        path = str(Path(study_dir) / JOURNAL)
        return optuna.storages.JournalStorage(JournalFileBackend(
            path, lock_obj=JournalFileOpenLock(path, grace_period=JOURNAL_LOCK_GRACE_S)))
    shown = shown_url(storage)
    scheme = storage.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme == "sqlite":
        raise UserError(f"--storage {shown}: SQLite is not safe for several workers; leave "
                        "--storage out (a journal file in the study directory) or give a "
                        "postgresql:// or mysql:// URL.")
    if scheme not in ("postgresql", "postgres", "mysql"):
        raise UserError(f"--storage {shown}: give a postgresql://USER@HOST/DB or mysql:// URL "
                        "(or leave it out for a journal file in the study directory).")
    url, package = with_driver(storage)
    if package is not None:
        raise UserError(f"--storage {shown}: no database driver for it is installed; pip "
                        f"install {package}.")
    try:
        return _rdb_storage(optuna, url)
    except ImportError as exc:  # Optuna's "Failed to import DB access module", from the driver's
        missing = getattr(exc.__cause__, "name", None) or getattr(exc, "name", None)
        raise UserError(f"--storage {shown}: the database driver {missing or ''!r} is not "
                        "installed; pip install it.") from None
    except Exception as exc:  # sqlalchemy's OperationalError and friends: all mean no answer
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["no answer"])[0]
        raise UserError(f"--storage {shown}: the database does not answer ({first}); start it "
                        "or check the URL.") from None


def _rdb_storage(optuna, url):
    """Optuna's RDBStorage on ``url``. Processes started together on a new database race to
    create its tables, and the losers fail ("relation studies already exists"); they try
    again, and then find the tables. A database that does not answer fails at once."""
    from sqlalchemy.exc import OperationalError
    args = {"connect_timeout": STORAGE_TIMEOUT_S}
    for attempt in range(SCHEMA_RACE_TRIES):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs={"connect_args": args, "pool_pre_ping": True},
                    heartbeat_interval=HEARTBEAT_S, grace_period=HEARTBEAT_GRACE_S)
        except (OperationalError, ImportError):
            raise
        except Exception:
            if attempt == SCHEMA_RACE_TRIES - 1:
                raise
            time.sleep(0.5 + random.random())


def with_driver(url):
    """(url, None) with an installed driver named in it (``postgresql+psycopg2://``) when the
    URL names none, or (url, package to install) when no driver of its scheme is installed."""
    scheme, sep, rest = url.partition("://")
    if "+" in scheme or not sep:
        return url, None
    scheme = {"postgres": "postgresql"}.get(scheme.lower(), scheme.lower())
    for module, driver, _ in DRIVERS.get(scheme, ()):
        if importlib.util.find_spec(module) is not None:
            return f"{scheme}+{driver}://{rest}", None
    return url, DRIVERS[scheme][0][2] if scheme in DRIVERS else None
