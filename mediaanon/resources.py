"""Where the packaged presets and model manifest live.

One source of truth: ``pipelines/``, ``models/`` and ``policies/`` sit at the repository
root and the wheel build copies them to ``mediaanon/_data/``.  An installed
wheel finds them there; an editable install or a checkout finds the root ones.
"""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mediaanon data folder {name!r} is missing from this installation")


def pipelines_dir() -> Path:
    return _find("pipelines")


def models_dir() -> Path:
    return _find("models")


def policies_dir() -> Path:
    return _find("policies")
