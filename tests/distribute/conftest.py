"""Fixtures for the distribution tests."""
import socket

import pytest


@pytest.fixture
def free_ports():
    """free_ports(n) -> n TCP ports on 127.0.0.1 that were free a moment ago (for TF_CONFIG)."""
    def _free_ports(n):
        socks = [socket.socket() for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in socks]
        for s in socks:
            s.close()
        return ports
    return _free_ports
