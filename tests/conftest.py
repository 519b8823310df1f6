"""Shared fixtures.

Tests run offline: pytest-socket (configured in pyproject) fails any test
that opens a network socket.  Real media comes from ``../shared/media`` when
it exists (CI has it); a user's fresh clone does not, and tests that need it
skip with a clear reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_MEDIA = Path(os.environ.get("MEDIAANON_SHARED_MEDIA", REPO.parent / "shared" / "media"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """``../shared/media``; skips the test when it is not there."""
    if not SHARED_MEDIA.is_dir():
        pytest.skip("../shared/media not present (only the project's CI and developers have it)")
    return SHARED_MEDIA


@pytest.fixture(scope="session")
def media(shared_media: Path):
    """``media("audio/whisper_jfk.flac")`` -> path, skipping if that file is absent."""

    def get(rel: str) -> Path:
        p = shared_media / rel
        if not p.exists():
            pytest.skip(f"shared media file {rel} not present")
        return p

    return get


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
