"""What the report shows, taken from the anonymized outputs only.

Why only the outputs: the report sits inside the shareable bundle, so it
must never carry an original frame, the original voice or a removed string.
Thumbnails are cut from ``media.mp4`` (already masked), the loudness strip is
measured on the bleeped audio, and the transcript is ``transcript.json``
(already redacted).  The review list points at *kept* words that look like
identifiers, in the spirit of the UK Data Service's text anonymisation
helper: capitalised words inside a sentence, numbers, and rare words (not a
single token of Whisper's GPT-2 vocabulary, the ``vocabulary.txt`` of the
hash-checked tiny.en model every install has: about 25,000 common English
words are).
"""
from __future__ import annotations

import base64
import functools
import math
import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from mediaanon.media import ffmpeg

THUMB_WIDTH = 240
MARKER = re.compile(r"\[([A-Z][A-Z_]*)(?: \d+)?\]")
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "double triple".split())
NOT_NAMES = frozenset("i i'm i've i'll i'd ok okay".split())


def thumbnails(media: Path, times: Iterable[float], width: int = THUMB_WIDTH,
               exact: Iterable[float] | None = None, slack: float = 0.0) -> dict[float, str]:
    """time → JPEG data URI of the *anonymized* frame at that time.

    Times not in ``exact`` (an even overview) may show the key frame at or before them, keyed by
    its own time, when it lies within ``slack`` seconds and no other time took it: a seek then
    decodes one frame instead of up to a GOP (x264 puts a key frame every ~8 s), which made the
    report the slowest part of writing a long interview's bundle.  Otherwise the exact frame.

    One PyAV container for all of them, a keyframe seek per time (times in
    order, so a time within the same GOP just decodes on): the cost is a few
    GOPs per thumbnail, whatever the length of the recording.
    """
    import av

    wanted = sorted(set(round(max(0.0, x), 2) for x in times))
    precise = None if exact is None else {round(max(0.0, x), 2) for x in exact}
    out: dict[float, str] = {}
    if not wanted:
        return out
    with av.open(str(media)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = float(stream.time_base)
        frames = None
        current = None
        for t in wanted:
            if precise is not None and t not in precise and slack > 0:
                container.seek(int(t / tb), stream=stream, backward=True)
                frames, current = container.decode(stream), None
                key = next(frames, None)
                at = round(key.pts * tb, 2) if key is not None and key.pts is not None else None
                if at is not None and t - slack <= at <= t and at not in out:
                    _encode(out, at, key, width)
                    continue
                current = key  # decode on from that key frame to t
            if current is None or current.pts is None or current.pts * tb > t or t - current.pts * tb > 2.0:
                container.seek(int(t / tb), stream=stream, backward=True)
                frames = container.decode(stream)
                current = None
            try:
                while current is None or current.pts is None or current.pts * tb + 1e-3 < t:
                    nxt = next(frames)
                    if nxt.pts is not None and nxt.pts * tb > t + 1e-3 and current is not None:
                        break
                    current = nxt
            except StopIteration:
                if current is None:
                    break
            _encode(out, t, current, width)
    return out


def _encode(out: dict[float, str], t: float, frame: Any, width: int) -> None:
    import cv2

    h = max(2, round(frame.height * width / frame.width / 2) * 2)
    rgb = frame.to_ndarray(format="rgb24", width=width, height=h)
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if ok:
        out[t] = "data:image/jpeg;base64," + base64.b64encode(jpg.tobytes()).decode("ascii")


def loudness(media: Path, streams: int, duration: float, bins: int = 400) -> list[float]:
    """Level in dBFS (−60..0) of the bleeped audio, in ``bins`` equal slices."""
    rate = 4000
    proc = ffmpeg.run(ffmpeg.decode_mono_args(media, rate, max(1, streams)), what="report loudness")
    x = np.frombuffer(proc.stdout, np.float32)
    if not len(x) or duration <= 0:
        return []
    n = max(1, min(bins, len(x) // 40))
    edges = np.linspace(0, len(x), n + 1).astype(int)
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        rms = float(np.sqrt(np.mean(np.square(x[a:b], dtype=np.float64)))) if b > a else 0.0
        out.append(round(max(-60.0, 20 * math.log10(rms)) if rms > 0 else -60.0, 1))
    return out


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case words that are one GPT-2 token with a leading space (``Ġword`` in Whisper's vocabulary).

    Empty when the model cannot be resolved: the review list then shows only capitalised words and numbers.
    """
    from mediaanon import models
    from mediaanon.errors import ModelError

    try:
        path = models.resolve("whisper-tiny.en").file("vocabulary.txt")
    except ModelError:
        return frozenset()
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Ġ") and line[1:].isascii() and line[1:].isalpha():
            words.add(line[1:].lower())
    return frozenset(words)


def review_list(segments: list[dict[str, Any]], limit: int = 300) -> list[dict[str, Any]]:
    """Kept words that look like identifiers, each with its time and global word number (for amend)."""
    common = common_words()
    out: list[dict[str, Any]] = []
    number = -1
    for seg in segments:
        sentence_start = True
        for w in seg.get("words") or []:
            number += 1
            word = str(w.get("word", ""))
            bare = word.strip(".,!?;:\"'()").replace("’", "'")
            ends = word.rstrip().endswith((".", "!", "?"))
            why = None
            if not bare or MARKER.fullmatch(word.strip(".,!?;:")):
                why = None
            elif any(c.isdigit() for c in bare) or bare.lower() in NUMBER_WORDS:
                why = "number"
            elif bare[0].isupper() and not sentence_start and bare.lower() not in NOT_NAMES:
                why = "capitalised"
            elif common and len(bare) >= 4 and bare.isalpha() and bare.lower() not in common:
                why = "rare"
            if why:
                out.append({"n": number, "word": bare, "why": why, "start": w.get("start"), "end": w.get("end"),
                            "speaker": w.get("speaker") or seg.get("speaker")})
            sentence_start = ends
    return out[:limit]


def marked(text: str) -> list[tuple[str, str | None]]:
    """Text cut into (piece, marker type or None), for highlighting markers by type."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in MARKER.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        out.append((m.group(0), m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out
