"""Offline by construction (DESIGN principle 3).

Runs never open a network socket: :func:`enforce_offline` sets the hub
libraries' offline switches and makes any IP connection attempt inside this
process raise, so a dependency that tries to download (Presidio fetching a
spaCy model, tldextract fetching its suffix list, a hub client) fails loudly
instead of quietly phoning out.  Only ``mediaanon models fetch`` lifts it.
"""
from __future__ import annotations

import os
import socket

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "TLDEXTRACT_CACHE_TIMEOUT": "0"}

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """Raised when code running under mediaanon tries to reach the network."""


def _guard(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise NetworkBlocked("mediaanon runs offline: a network connection was attempted and blocked")
    return _original_connect(self, address, *args, **kwargs)


def _guard_ex(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise NetworkBlocked("mediaanon runs offline: a network connection was attempted and blocked")
    return _original_connect_ex(self, address, *args, **kwargs)


def enforce_offline() -> None:
    """Set offline switches and block IP connections for the rest of the process."""
    for k, v in OFFLINE_ENV.items():
        os.environ.setdefault(k, v)
    socket.socket.connect = _guard  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard_ex  # type: ignore[method-assign]


def allow_network() -> None:
    """Undo :func:`enforce_offline` (``models fetch`` only)."""
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]
