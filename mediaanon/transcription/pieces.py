"""Long speech is decoded in pieces of at most five minutes, cut at the quietest moment.

Why: both Whisper engines compute the log-mel features of everything they are given at once —
for an hour of speech faster-whisper's feature extractor alone peaks 2.5 GB above the audio —
so an hour-long interview needed 4.4 GB where a ten-minute one needed under 2. Whisper reads
30-second windows one after another anyway; cutting the speech where it is quietest (the joins
of the VAD-cut speech are silence) costs only the text prompt carried across the cut, and memory
stays flat in the recording's length.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from mediaanon.records import Segment, Word

PIECE_S = 300.0  # longest piece decoded at once (~210 MB of transient features)
SEEK_S = 60.0  # the cut is the quietest moment of the piece's last minute
QUIET_S = 0.2  # width of the quiet moment looked for


def piece_bounds(audio: np.ndarray, rate: int, piece_s: float = PIECE_S, seek_s: float = SEEK_S) -> list[tuple[int, int]]:
    """Sample ranges that tile ``audio``; each at most ``piece_s`` long, cut at the quietest ``QUIET_S``."""
    n, size, seek = len(audio), int(piece_s * rate), int(min(seek_s, piece_s / 2) * rate)
    bounds, start = [], 0
    while n - start > size:
        cut = _quietest(audio, start + size - seek, start + size, int(QUIET_S * rate))
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


def _quietest(audio: np.ndarray, lo: int, hi: int, width: int) -> int:
    """The middle sample of the quietest ``width`` samples within [lo, hi) (the latest, on a tie)."""
    seg = np.square(audio[lo:hi], dtype=np.float64)
    if len(seg) <= width:
        return (lo + hi) // 2
    energy = np.convolve(seg, np.ones(width), mode="valid")
    last = len(energy) - 1 - int(np.argmin(energy[::-1]))  # of equally quiet moments the latest: longer pieces
    return lo + last + width // 2


def shifted(segment: Segment, seconds: float, new_id: int) -> Segment:
    """``segment`` with its and its words' times moved by ``seconds``."""
    words = tuple(replace(w, start=w.start + seconds, end=w.end + seconds) for w in segment.words)
    return replace(segment, id=new_id, start=segment.start + seconds, end=segment.end + seconds, words=words)


def decode_in_pieces(decode: Callable, audio: np.ndarray, rate: int, hook: Callable | None, *,
                     piece_s: float = PIECE_S):
    """Run ``decode(piece, hook, language)`` over the pieces of ``audio``; one ``Decoded``-like result.

    The language detected (or forced) for the first piece is forced on the rest, so a multilingual
    model does not switch language in the middle of an interview. ``hook(done, total)`` sees
    seconds of the whole ``audio``.
    """
    bounds = piece_bounds(audio, rate, piece_s)
    total = len(audio) / rate
    first = None
    segments: list[Segment] = []
    for a, b in bounds:
        offset = a / rate
        inner = None if hook is None else (lambda done, _t, o=offset: hook(min(o + done, total), total))
        got = decode(audio[a:b], inner, None if first is None else first.language)
        first = first or got
        segments.extend(shifted(s, offset, len(segments) + i) for i, s in enumerate(got.segments))
    return replace(first, segments=segments)
