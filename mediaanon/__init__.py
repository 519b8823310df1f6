"""mediaanon: de-identify research interview recordings, fully offline.

The library never prints: every module logs to a named logger under
``mediaanon`` and this package installs a ``NullHandler`` so that an
application embedding us decides what is shown.  Progress reaches the CLI
through a callback (see :mod:`mediaanon.hooks`), never through stdout.
"""
from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
