"""Placing fitted utterances on a track's timeline.

The synthetic speech is made once per recording at the voice's rate and kept
in a scratch file (:class:`UtteranceStore`), so a recording with several
audio tracks does not synthesise twice and an hours-long interview holds one
utterance in memory, not the hour.  Each track is then written from it at
its own sample rate and channel layout (every channel gets the same speech)
with the same frame count as the original: muxing, subtitles and A/V sync
stay on the original timeline.  Between utterances there is silence or a
low comfort noise; nothing of the original audio is ever copied (it can hold
other voices, names, background talk).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

from mediaanon.audio import wavio

BLOCK_S = 10.0  # silence/noise is written in blocks of this length
NOISE_POLE = 0.9  # one-pole low-pass: a soft, room-like hiss rather than white noise


@dataclass(frozen=True)
class Placed:
    start_s: float  # where the utterance starts on the original timeline
    offset: int  # first sample in the store
    length: int  # samples in the store (voice rate)


class UtteranceStore:
    """Fitted utterances appended to one raw float32 file in scratch."""

    def __init__(self, path: Path, rate: int):
        self.path = Path(path)
        self.rate = rate
        self.placed: list[Placed] = []
        self._n = 0
        self.path.write_bytes(b"")

    def add(self, start_s: float, audio: np.ndarray) -> None:
        if audio.size == 0:
            return
        with self.path.open("ab") as fh:
            np.asarray(audio, dtype="<f4").tofile(fh)
        self.placed.append(Placed(float(start_s), self._n, int(audio.size)))
        self._n += int(audio.size)

    def read(self, p: Placed) -> np.ndarray:
        with self.path.open("rb") as fh:
            fh.seek(p.offset * 4)
            return np.fromfile(fh, dtype="<f4", count=p.length).astype(np.float32)


class Background:
    """Silence, or a low comfort noise at ``level_db`` dBFS RMS (continuous across blocks)."""

    def __init__(self, kind: str, level_db: float, seed: int):
        self.kind = kind
        self.gain = float(10 ** (level_db / 20.0)) * np.sqrt((1 + NOISE_POLE) / (1 - NOISE_POLE))
        self.rng = np.random.default_rng(seed)
        self.zi = np.zeros(1)

    def make(self, n: int) -> np.ndarray:
        if self.kind != "noise" or n <= 0:
            return np.zeros(max(0, n), np.float32)
        white = self.rng.standard_normal(n)
        y, self.zi = lfilter([1 - NOISE_POLE], [1, -NOISE_POLE], white, zi=self.zi)
        return (y * self.gain).astype(np.float32)


def render_track(store: UtteranceStore, dst: Path, frames: int, rate: int, channels: int,
                 background: Background) -> Path:
    """Write ``frames`` frames of the re-voiced timeline to ``dst`` (float WAV, ``channels`` equal channels)."""
    big = frames * channels * 4 >= (1 << 32) - 1024
    with sf.SoundFile(str(dst), "w", rate, channels, subtype="FLOAT", format="RF64" if big else "WAV") as out:
        cursor = 0

        def write(mono: np.ndarray) -> None:
            nonlocal cursor
            mono = mono + background.make(len(mono))
            out.write(np.repeat(mono.astype(np.float32)[:, None], channels, axis=1))
            cursor += len(mono)

        def gap(until: int) -> None:
            step = max(1, int(BLOCK_S * rate))
            while cursor < until:
                write(np.zeros(min(step, until - cursor), np.float32))

        pend, pend_start = np.zeros(0, np.float32), 0
        for p in sorted(store.placed, key=lambda q: q.start_s):
            s = int(round(p.start_s * rate))
            if s >= frames:
                break
            y = wavio.resample(store.read(p), store.rate, rate).astype(np.float32)[: frames - s]
            if pend.size and s < pend_start + len(pend):  # overlapping speech (diarized dialogue): mix
                end = max(pend_start + len(pend), s + len(y))
                grown = np.zeros(end - pend_start, np.float32)
                grown[: len(pend)] = pend
                grown[s - pend_start: s - pend_start + len(y)] += y
                pend = grown
                continue
            if pend.size:
                gap(pend_start)
                write(pend)
            pend, pend_start = y, s
        if pend.size:
            gap(pend_start)
            write(pend)
        gap(frames)
    return Path(dst)
