"""Downloads against a real HTTP server on 127.0.0.1 serving fixture files."""
import dataclasses
import gzip
import hashlib
import http.server
import io
import tarfile
import threading

import pytest
from click.testing import CliRunner

import datafiles
from kerascli.cli import cli
from kerascli.datasets import LoadOptions, cifar10, load, mnist


class Server:
    def __init__(self):
        self.files, self.drop = {}, set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                if name not in outer.files:
                    self.send_error(404)
                    return
                data = outer.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if name in outer.drop:  # promise everything, send half, hang up
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server(monkeypatch):
    srv = Server()
    monkeypatch.setenv("KERASCLI_MIRROR_URL", srv.url)
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def served_mnist(server, tmp_path, monkeypatch):
    """The server holds tiny IDX files; mnist.REMOTES carries their sha256."""
    src = tmp_path / "served"
    datafiles.write_idx_dir(src)
    remotes = []
    for remote in mnist.REMOTES:
        data = (src / remote.name).read_bytes()
        server.files[remote.name] = data
        remotes.append(dataclasses.replace(remote, sha256=hashlib.sha256(data).hexdigest()))
    monkeypatch.setattr(mnist, "REMOTES", tuple(remotes))
    return server


def _cache_files(cache_dir):
    return sorted(p.relative_to(cache_dir).as_posix() for p in cache_dir.rglob("*") if p.is_file())


def test_download_verifies_and_fills_the_cache(served_mnist, cache_dir):
    result = CliRunner().invoke(cli, ["datasets", "download", "mnist"])
    assert result.exit_code == 0, result.output
    assert "sha256 verified" in result.stdout
    assert _cache_files(cache_dir) == sorted(f"mnist/{r.name}" for r in mnist.REMOTES)
    st = mnist.status(LoadOptions())
    assert (st["found_in"], st["valid"], st["checksum"]) == ("cache", True, "official")


def test_load_downloads_a_missing_dataset_into_the_cache(served_mnist, cache_dir):
    ds = load("mnist")
    assert ds.source == str(cache_dir / "mnist") and len(ds.x_train) == 20


def test_checksum_mismatch_leaves_nothing_in_the_cache(served_mnist, cache_dir):
    served_mnist.files["t10k-images-idx3-ubyte.gz"] = gzip.compress(b"tampered")
    result = CliRunner().invoke(cli, ["datasets", "download", "mnist"])
    assert result.exit_code == 2
    assert "could not download t10k-images-idx3-ubyte.gz" in result.output
    assert "checksum mismatch" in result.output and "Traceback" not in result.output
    assert "t10k-images-idx3-ubyte.gz" not in " ".join(_cache_files(cache_dir))
    assert not [f for f in _cache_files(cache_dir) if "tmp" in f]


def test_connection_dropped_mid_file_leaves_nothing_and_says_so(served_mnist, cache_dir):
    served_mnist.drop.add("train-images-idx3-ubyte.gz")
    result = CliRunner().invoke(cli, ["datasets", "download", "mnist"])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and "connection dropped mid-file" in lines[0]
    assert _cache_files(cache_dir) == []


def test_offline_download_is_one_line_exit_2(cache_dir):
    result = CliRunner().invoke(cli, ["datasets", "download", "fashion-mnist"])
    assert result.exit_code == 2
    assert "cannot connect (offline?)" in result.stderr and "Traceback" not in result.output
    assert _cache_files(cache_dir) == []


def _tar_bytes(members):
    """A gzipped tar; a value is the file's bytes, or ("symlink", target) for a link."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(data, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, data[1]
                tar.addfile(info)
                continue
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _serve_cifar(server, monkeypatch, members):
    archive = _tar_bytes(members)
    server.files[cifar10.REMOTES[0].name] = archive
    remote = dataclasses.replace(cifar10.REMOTES[0], sha256=hashlib.sha256(archive).hexdigest())
    monkeypatch.setattr(cifar10, "REMOTES", (remote,))


def test_cifar10_download_extracts_the_binary_batches(server, monkeypatch, tmp_path, cache_dir):
    src = tmp_path / "cifar-10-batches-bin"
    datafiles.write_cifar_bin_dir(src)
    _serve_cifar(server, monkeypatch, {f"cifar-10-batches-bin/{p.name}": p.read_bytes()
                                       for p in src.iterdir()})
    ds = load("cifar10")
    assert ds.source == str(cache_dir / "cifar10" / "cifar-10-batches-bin") and len(ds.x_test) == 3
    assert not (cache_dir / "cifar10" / "cifar-10-binary.tar.gz").exists()
    assert cifar10.status(LoadOptions())["checksum"].startswith("official")


@pytest.fixture(params=["data filter", "no data filter"])
def tar_filter(request, monkeypatch):
    """Both ways archives are extracted: with tarfile's "data" filter, and as on Python
    before 3.10.12/3.11.4, where it is missing and kerascli's own checks are all there is."""
    if request.param == "no data filter":
        monkeypatch.delattr(tarfile, "data_filter")
        original = tarfile.TarFile.extractall

        def extractall(self, path=".", members=None, *, numeric_owner=False, **kwargs):
            if "filter" in kwargs:  # what Python 3.10.0-3.10.11 does
                raise TypeError("extractall() got an unexpected keyword argument 'filter'")
            return original(self, path, members, numeric_owner=numeric_owner,
                            filter="fully_trusted")
        monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)
    return request.param


def _evil_members(kind, outside):
    """(archive members, where the escaped file would land if extraction were naive)."""
    batch = "cifar-10-batches-bin"
    if kind == "dot-dot":
        # extracted into CACHE/cifar10/.extract-XXXX/: three levels up is CACHE itself
        return {f"{batch}/../../../evil.txt": b"x"}, None
    if kind == "symlink":
        # a link to a folder outside, then a file written through it
        return {f"{batch}/escape": ("symlink", str(outside)),
                f"{batch}/escape/evil.txt": b"x"}, outside / "evil.txt"
    if kind == "absolute":
        return {f"{batch}/data_batch_1.bin": b"x", str(outside / "evil.txt"): b"x"}, \
            outside / "evil.txt"
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["dot-dot", "symlink", "absolute"])
def test_cifar10_archive_escaping_the_cache_is_refused(kind, tar_filter, server, monkeypatch,
                                                       tmp_path, cache_dir):
    outside = tmp_path / "outside"
    outside.mkdir()
    members, landing = _evil_members(kind, outside)
    if landing is None:  # where "../../../evil.txt" would land: the cache folder itself
        landing = cache_dir / "evil.txt"
    _serve_cifar(server, monkeypatch, members)
    result = CliRunner().invoke(cli, ["datasets", "download", "cifar10"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "Traceback" not in result.output and len(errors) == 1 and "refused" in errors[0]
    assert not landing.exists() and not landing.is_symlink()
    assert not list(cache_dir.parent.rglob("evil.txt")) and not list(outside.iterdir())
    assert not [p for p in cache_dir.rglob("*") if p.is_symlink()]
    assert not (cache_dir / "cifar10" / "cifar-10-batches-bin").exists()


@pytest.mark.parametrize("kind", ["dot-dot", "symlink", "absolute"])
def test_extract_tar_refuses_every_escape_itself(kind, tar_filter, tmp_path):
    from kerascli.datasets import _sources

    outside = tmp_path / "outside"
    outside.mkdir()
    members, landing = _evil_members(kind, outside)
    target = tmp_path / "a" / "b" / "c"
    target.mkdir(parents=True)
    landing = landing or (target / "cifar-10-batches-bin/../../../evil.txt").resolve()
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(_tar_bytes(members))
    with tarfile.open(archive) as tar:
        with pytest.raises(tarfile.TarError, match="refused"):
            _sources.extract_tar(tar, target, tar.getmembers())
    assert not landing.exists() and not list(outside.iterdir())
    assert not list(target.rglob("*"))  # checked before anything was written


def test_extract_tar_writes_plain_files_without_the_filter(tar_filter, tmp_path):
    from kerascli.datasets import _sources

    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(_tar_bytes({"d/one.bin": b"1", "d/sub/two.bin": b"22"}))
    with tarfile.open(archive) as tar:
        _sources.extract_tar(tar, tmp_path / "out", tar.getmembers())
    assert (tmp_path / "out" / "d" / "sub" / "two.bin").read_bytes() == b"22"
