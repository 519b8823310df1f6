"""Runs never open a network socket."""
from __future__ import annotations

import socket

import pytest

from mediaanon import offline


def test_enforce_offline_blocks_ip_connections(socket_enabled):
    offline.enforce_offline()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(offline.NetworkBlocked):
            s.connect(("127.0.0.1", 9))
        s.close()
        a, b = socket.socketpair()  # AF_UNIX stays usable (multiprocessing, torch)
        a.close()
        b.close()
    finally:
        offline.allow_network()
