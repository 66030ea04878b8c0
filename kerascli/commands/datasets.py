"""``kerascli datasets``: what data there is, where it is read from, and fetching it."""
import click

from kerascli.commands import options
from kerascli.commands.output import emit_json, log

ORDER = ("data dir (--data-dir / KERASCLI_DATA_DIR), then the Keras cache "
         "($KERAS_HOME or ~/.keras)/datasets, then the kerascli cache (--cache-dir / "
         "KERASCLI_CACHE_DIR), then a sha256-verified download")


def _options(ctx, data_dir, cache_dir, download=True):
    from kerascli.datasets import LoadOptions
    parent = ctx.find_root().obj or {}
    return LoadOptions(data_dir=data_dir or parent.get("data_dir"),
                       cache_dir=cache_dir or parent.get("cache_dir"), download=download)


def _state(row):
    if row.get("present") is None:
        return row.get("note", "")
    if not row.get("present"):
        if row.get("error"):
            return f"INVALID: {row['error']}"
        return "missing: " + row.get("note", "downloads when first used")
    if row.get("valid") is False:
        return f"INVALID: {row['error']}"
    return "valid"


def listing(options):
    """One dict per registry dataset (no arrays are loaded: headers and sizes only)."""
    from kerascli import datasets
    rows = []
    for name in datasets.names():
        module = datasets.get(name)
        info = module.INFO
        row = {"name": name, "kind": info.kind, "task": info.task, "summary": info.summary,
               "n_train": info.n_train, "n_test": info.n_test}
        row.update(datasets.status(name, options))
        rows.append(row)
    return rows, datasets.locations(options)


@click.group("datasets", invoke_without_command=True)
@options.use(options.data_options(), options.json_option())
@click.pass_context
def command(ctx, data_dir, cache_dir, as_json):
    """List every dataset: its size, where it would be read from, whether it is present
    and valid, and whether the files match the official sha256.

    Official datasets are looked for in this order: --data-dir (a folder with mnist/,
    fashion-mnist/ and cifar10/cifar-10-batches-bin/), the Keras cache
    (~/.keras/datasets: mnist.npz, fashion-mnist/, cifar-10-batches-py), the kerascli cache
    (--cache-dir), and only then downloaded, with the checksum verified.

    \b
    Examples:
      kerascli datasets
      kerascli datasets --data-dir /data/kerascli --json
      kerascli datasets download mnist
    """
    root = ctx.find_root()
    root.obj = dict(root.obj or {}, data_dir=data_dir, cache_dir=cache_dir, as_json=as_json)
    if ctx.invoked_subcommand is not None:
        return
    options = _options(ctx, data_dir, cache_dir, download=False)
    rows, where = listing(options)
    if as_json:
        emit_json({"datasets": rows, "search_order": ORDER, **where})
        return
    _print_table(rows)
    log(f"read from: {ORDER}.")
    log(f"data dir: {where['data_dir'] or '(none given)'}; Keras cache: {where['keras_cache']}; "
        f"kerascli cache: {where['cache_dir']}")


def _count(value):
    return f"{value:,}" if isinstance(value, int) else "-"


def _short(row):
    """(status, checksum, details): one word each for the table, the rest for lines below it
    (an 80-column terminal fits the table; paths and errors get their own lines)."""
    details = []
    if row.get("present") is None:
        status = "by path"
        details.append(row.get("note", ""))
    elif not row.get("present"):
        status = "INVALID" if row.get("error") else "missing"
        details.append(row.get("error") or row.get("note", "downloads when first used"))
    elif row.get("valid") is False:
        status = "INVALID"
        details.append(row["error"])
    else:
        status = "valid"
    checksum = row.get("checksum") or "-"
    if checksum.startswith("differs"):
        details.append(f"checksum {checksum}")
        checksum = "DIFFERS"
    elif checksum.startswith("no official"):
        checksum = "none"
    if row.get("present") and row.get("location") not in (None, "given by path"):
        details.append(row["location"] + (f" ({row['found_in']})" if row.get("found_in") else ""))
    return status, checksum, [d for d in details if d]


def _print_table(rows):
    from rich.table import Table
    from kerascli.commands.output import stdout_console
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("dataset", "kind", "train", "test", "status", "checksum"):
        table.add_column(column, justify="right" if column in ("train", "test") else "left",
                         no_wrap=True)
    notes = []
    for row in rows:
        status, checksum, details = _short(row)
        table.add_row(row["name"], row["kind"], _count(row.get("n_train")),
                      _count(row.get("n_test")), status, checksum)
        notes += [f"{row['name']}: {d}" for d in details]
    console = stdout_console()
    console.print(table)
    console.print()
    shown = {_short(row)[1] for row in rows}
    legend = [text for word, text in CHECKSUM_WORDS if word in shown]
    if legend:
        console.print("checksum: " + "; ".join(legend) + ".", soft_wrap=True, markup=False)
    for line in notes:
        console.print(line, soft_wrap=True)


# what the checksum column's short words mean (the legend line under the table)
CHECKSUM_WORDS = (
    ("official", "official = the files match the published sha256"),
    ("DIFFERS", "DIFFERS = readable and valid, but not the official files (a re-packed or "
                "edited copy: results will not match published ones; details below)"),
    ("none", "none = no official per-file checksum exists to compare with (CIFAR-10's is "
             "for the whole archive, checked at download)"),
    ("-", "- = nothing to check (embedded, given by path, or not present)"))


@command.command("download")
@click.argument("name")
@options.use(options.data_options(), options.json_option())
@click.pass_context
def download(ctx, name, data_dir, cache_dir, as_json):
    """Download NAME (mnist, fashion-mnist or cifar10) into the kerascli cache, verifying
    the official sha256; a progress bar goes to stderr.

    Nothing is fetched twice: files already in the cache with the right checksum are kept.
    """
    from kerascli import datasets
    from kerascli.errors import DownloadFailed, UserError
    parent = ctx.find_root().obj or {}
    as_json = as_json or parent.get("as_json", False)
    module = datasets.get(name)
    if not hasattr(module, "download"):
        choices = [n for n in datasets.names() if hasattr(datasets.get(n), "download")]
        raise UserError(f"{name} has nothing to download; choose one of: {', '.join(choices)}.")
    options = _options(ctx, data_dir, cache_dir)
    state = datasets.status(name, options)
    if state.get("present") and state.get("valid"):  # already here: nothing to fetch (offline ok)
        where = f"{state['location']} ({state.get('found_in', '?')})"
        if as_json:
            emit_json({"name": name, "path": state["location"], "downloaded": False,
                       "present": True, "valid": True, "checksum": state.get("checksum")})
        else:
            click.echo(f"{name}: already present and valid in {where}; checksum "
                       f"{state.get('checksum') or 'not checked'}; nothing downloaded.")
        return
    try:
        path = module.download(options)
    except DownloadFailed as exc:
        raise UserError(f"{name}: {exc}; check the network, or place the files by hand "
                        "(`kerascli datasets --help` shows where).") from None
    if as_json:
        emit_json({"name": name, "path": str(path), "sha256_verified": True, "downloaded": True})
    else:
        click.echo(f"{name}: {path} (sha256 verified)")
