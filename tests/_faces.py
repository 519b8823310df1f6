"""Helpers shared by the face tests: the real detector (or a skip), a reproducible miss, output luma."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mediaanon.errors import ModelError
from mediaanon.faces.video import VideoReader


def centerface():
    """The installed CenterFace detector; skips the calling test module when the model is missing."""
    from mediaanon import models
    from mediaanon.faces.detector import CenterFace

    try:
        return CenterFace(models.resolve("centerface").file())
    except ModelError as exc:
        pytest.skip(f"CenterFace model not installed: {exc}")


class Blinking:
    """The real detector, in frame order, returning nothing on chosen calls (a real miss, made reproducible)."""

    def __init__(self, inner, miss: frozenset[int] | set[int] = frozenset()):
        self.inner, self.miss, self.calls = inner, miss, 0
        self.runtime = dataclasses.replace(inner.runtime, lanes=1)  # calls in frame order

    def run(self, batch, threshold):
        out = []
        for img in batch:
            res = self.inner.run(img[None], threshold)[0]
            out.append(np.zeros((0, 5), np.float32) if self.calls in self.miss else res)
            self.calls += 1
        return out


def luma(path: Path) -> list[np.ndarray]:
    """Every frame's luma plane of a video, as int (differences do not wrap)."""
    with VideoReader(path) as r:
        return [f.picture.planes[0].astype(int) for f in r]


def blur_stage(options: dict):
    """A ``blur_faces`` stage with ``options``; skips the calling test module when a face model is missing."""
    from mediaanon.stage import RunContext
    from mediaanon.stages.blur_faces import BlurFaces

    try:
        return BlurFaces(options, RunContext())
    except ModelError as exc:
        pytest.skip(f"face models not installed: {exc}")


def recording(src: Path, scratch: Path):
    """A Recording of ``src`` working in ``scratch`` (created)."""
    from mediaanon.media.probe import probe
    from mediaanon.recording import Recording

    scratch.mkdir(exist_ok=True)
    return Recording(id="t", source=src, probe=probe(src), scratch=scratch)


def run_stage(stage, src: Path, scratch: Path):
    """(summary, recording) of one run of ``stage`` on ``src``."""
    from mediaanon.hooks import no_hook

    rec = recording(src, scratch)
    return stage(rec, no_hook), rec
