"""Interview recorders with one speaker per channel (two lavalier mics, a phone-call recorder).

Detected, not configured: the track has two channels that are not copies of
each other (correlation below ``MAX_CORRELATION``), each channel has speech
of its own, and much of the speech is heard on one channel only (at least
``MIN_EXCLUSIVE`` of it).  A stereo microphone in a room fails the last
test: both channels hear every voice at similar levels.  When detected,
channel activity *is* the diarization — exact, overlaps included — so no
embeddings are computed.  Cross-talk (the other speaker faintly on one's
mic) is removed by requiring a channel to be within ``BLEED_DB`` of the
louder one to count as active.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediaanon.speakers.regions import Region, merge, vad_regions

MAX_CORRELATION = 0.5
MIN_EXCLUSIVE = 0.25  # share of speech time heard on one channel only
MIN_OWN_SPEECH = 0.5  # seconds of speech each channel must carry
BLEED_DB = 12.0
FRAME = 0.02


@dataclass(frozen=True)
class StereoSplit:
    """Speech regions per channel (channel 0 = left) and why the track was taken as split."""

    channels: tuple[list[Region], list[Region]]
    correlation: float
    exclusive: float


def detect(left: np.ndarray, right: np.ndarray, rate: int = 16000) -> StereoSplit | None:
    """Per-channel speech of a one-speaker-per-channel recording, or ``None`` for any other stereo."""
    left = np.asarray(left, np.float32)
    right = np.asarray(right, np.float32)
    if left.size < rate or left.shape != right.shape:
        return None
    corr = _correlation(left, right)
    if abs(corr) >= MAX_CORRELATION:
        return None
    act = [_active(vad_regions(ch), ch, other, rate) for ch, other in ((left, right), (right, left))]
    own = [sum(b - a for a, b in r) for r in act]
    if min(own) < MIN_OWN_SPEECH:
        return None
    both = sum(b - a for a, b in _intersect(act[0], act[1]))
    total = sum(b - a for a, b in merge(act[0] + act[1]))
    exclusive = (total - both) / total if total else 0.0
    if exclusive < MIN_EXCLUSIVE:
        return None
    return StereoSplit((act[0], act[1]), round(corr, 4), round(exclusive, 4))


def _active(regions: list[Region], ch: np.ndarray, other: np.ndarray, rate: int) -> list[Region]:
    """Parts of ``regions`` where this channel is not just the other's bleed."""
    hop = int(FRAME * rate)
    out = []
    for a, b in regions:
        i0, i1 = int(a * rate), int(b * rate)
        m = (i1 - i0) // hop
        if m <= 0:
            continue
        e_me = (ch[i0:i0 + m * hop].reshape(m, hop) ** 2).mean(1) + 1e-12
        e_ot = (other[i0:i0 + m * hop].reshape(m, hop) ** 2).mean(1) + 1e-12
        mine = 10 * np.log10(e_me / e_ot) > -BLEED_DB
        for j0, j1 in _runs(mine):
            out.append((a + j0 * FRAME, a + j1 * FRAME))
    return merge(out, 0.2)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(list(mask) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def _intersect(a: list[Region], b: list[Region]) -> list[Region]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi > lo:
                out.append((lo, hi))
    return merge(out)


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    d = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / d) if d > 0 else 1.0
