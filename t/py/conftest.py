"""Shared fixtures: the server address comes from MEMCACHED_ADDR (host:port)."""
import os

import pytest


def server_addr():
    addr = os.environ.get("MEMCACHED_ADDR")
    if not addr:
        pytest.skip("MEMCACHED_ADDR not set (run through t/clients.t)")
    host, port = addr.rsplit(":", 1)
    return host, int(port)
