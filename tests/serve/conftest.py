"""Fixtures for `kerascli serve`: small runs trained once per session (Iris logistic
regression, a digits CNN for one epoch), and real servers on 127.0.0.1 started as
subprocesses on an ephemeral port (``--port 0``; the URL is read from stderr)."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

READY = re.compile(r"serving .* at (http://\S+)")


def _train(tmp_path_factory, model, dataset, epochs):
    from click.testing import CliRunner
    from kerascli.cli import cli

    out = tmp_path_factory.mktemp(f"{model}-{dataset}")
    with pytest.MonkeyPatch.context() as mp:  # keep Keras away from the real home
        home = tmp_path_factory.mktemp("home")
        mp.setenv("HOME", str(home))
        mp.setenv("KERAS_HOME", str(home / ".keras"))
        result = CliRunner().invoke(cli, ["train", model, "--dataset", dataset, "--epochs",
                                          str(epochs), "--out", str(out), "--json"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["run_dir"])


@pytest.fixture(scope="session")
def iris_dir(tmp_path_factory):
    return _train(tmp_path_factory, "logreg", "iris", 5)


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory):
    return _train(tmp_path_factory, "cnn", "digits", 1)


class Server:
    """``python -m kerascli serve ...`` in a subprocess; stderr is collected as it comes."""

    def __init__(self, args, home, timeout=180):
        env = {**os.environ, "HOME": str(home), "KERAS_HOME": str(Path(home) / ".keras")}
        env.pop("KERASCLI_HOST", None)
        env.pop("KERASCLI_PORT", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kerascli", "serve", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            # a background child may inherit SIGINT as ignored: Ctrl-C tests need it back
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines, self.url = [], None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.lines.append(line)
                found = READY.search(line)
                if found and self.url is None:
                    self.url = found.group(1)
                    ready.set()
            ready.set()  # the process ended (or closed stderr) without becoming ready
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        ready.wait(timeout)
        if self.url is None:
            self.proc.kill()
            raise RuntimeError(f"kerascli serve did not start: {self.stderr}")

    @property
    def stderr(self):
        return "".join(self.lines)

    def stop(self, timeout=30):
        """Ctrl-C, as a person would; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        self.reader.join(10)
        return self.proc.returncode


@pytest.fixture(scope="session")
def start_server(tmp_path_factory):
    """start_server(MODEL, *options) -> a running :class:`Server` (stopped at the end)."""
    started = []

    def start(*args):
        server = Server([*args, "--port", "0"], tmp_path_factory.mktemp("serve-home"))
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def digits_server(start_server, digits_dir):
    return start_server(digits_dir)


@pytest.fixture(scope="session")
def iris_server(start_server, iris_dir):
    return start_server(iris_dir)


@pytest.fixture
def http():
    import httpx
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture
def cli_json(monkeypatch):
    """cli_json(*args) -> the parsed stdout of `kerascli ... --json` (in-process)."""
    from click.testing import CliRunner
    from kerascli.cli import cli

    def run(*args):
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)
    return run


@pytest.fixture(scope="session")
def text_table_dir(tmp_path_factory):
    """An mlp on a CSV with a text column and empty cells (as palmerpenguins): its model
    reads raw cell text through a TableEncoder."""
    folder = tmp_path_factory.mktemp("penguin-like")
    rows = ["island,bill,mass,kind"]
    for i in range(60):
        island = ("Biscoe", "Dream", "Torgersen")[i % 3]
        bill = "" if i % 11 == 0 else f"{35 + i % 3 * 5 + (i % 7) / 10:.1f}"
        rows.append(f"{island},{bill},{3000 + 100 * (i % 3) + i},{('a', 'b', 'c')[i % 3]}")
    data = folder / "birds.csv"
    data.write_text("\n".join(rows) + "\n")
    from click.testing import CliRunner
    from kerascli.cli import cli

    out = folder / "runs"
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("home")
        mp.setenv("HOME", str(home))
        mp.setenv("KERAS_HOME", str(home / ".keras"))
        result = CliRunner().invoke(cli, ["train", "mlp", "--dataset", str(data), "--label",
                                          "kind", "--epochs", "2", "--out", str(out), "--json"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["run_dir"])


@pytest.fixture
def server_class():
    """The :class:`Server` wrapper itself, for a test that starts its own (test modules cannot
    import it: ``conftest`` names several modules in one run)."""
    return Server
