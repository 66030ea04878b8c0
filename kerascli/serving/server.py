"""Running the server: the serve extra checked, the socket opened before the model loads,
uvicorn run until Ctrl-C or SIGTERM, and the process ended at once after a clean stop."""
from kerascli.errors import UserError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


# what `pip install "kerascli[serve]"` adds: (module, distribution)
SERVE_PACKAGES = [("starlette", "starlette"), ("uvicorn", "uvicorn"),
                  ("python_multipart", "python-multipart")]


def check_installed():
    """One line naming the missing package when the serve extra is not installed."""
    import importlib.util

    for module, dist in SERVE_PACKAGES:
        if importlib.util.find_spec(module) is None:
            raise UserError(f"kerascli serve needs {dist}, which is not installed; "
                            "pip install \"kerascli[serve]\".")


def is_loopback(host):
    return host in LOOPBACK or host.startswith("127.")


def listen(host="127.0.0.1", port=8000):
    """A socket listening on ``host``:``port`` (0: a free port), or one line saying why not.
    Opened before the model loads, so a busy port is reported at once."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise UserError(f"--host {host}: not an address or a known host name.") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"--host {host} --port {port}: cannot listen there "
                        f"({exc.strerror or exc}); choose another --port.") from None
    return sock


def url_of(sock):
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


IDLE_SECONDS = 5  # a connection that sends nothing (before or between requests) is closed


def serve(app, sock, announce=None):
    """Run ``app`` with uvicorn on ``sock`` (from :func:`listen`) until Ctrl-C or SIGTERM;
    returns normally after a clean shutdown, however early the signal comes.

    ``announce`` (the "serving ... at URL" line) is called once the stop signals are ours:
    from then on Ctrl-C always means a clean stop, never an exception from wherever the
    main thread happens to be."""
    import signal

    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):  # uvicorn times out idle keep-alives, not silent new ones
        def connection_made(self, transport):
            super().connection_made(transport)
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False, http=Protocol, timeout_keep_alive=IDLE_SECONDS,
                            timeout_graceful_shutdown=2, limit_concurrency=256)
    server = uvicorn.Server(config)

    def stop(signum, frame):  # before and after uvicorn's own handlers are up
        server.should_exit = True
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if announce is not None:
            announce()
        if not server.should_exit:
            server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()


def exit_now(code=0):
    """End the process at once after a clean stop: everything is answered and closed, and
    nothing is left to write, but TensorFlow's teardown would hold the terminal 2-4 s after
    Ctrl-C (measured with tests/serve/test_hostile.py)."""
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
