"""Read and write the float WAV tracks that audio stages exchange.

``recording.audio_tracks`` are 32-bit float WAVs at the input's own sample
rate and channel layout; stages read one into a (frames × channels) array,
edit it, and write a new file beside it — never over the input.  Float keeps
the bleep tone and transforms free of re-quantisation until the final
encoder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf


@dataclass(frozen=True)
class Track:
    """Samples as (frames, channels) float32, with their rate."""

    samples: np.ndarray
    sample_rate: int

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    def mono(self) -> np.ndarray:
        """Channel mean (what the leak check and similarity listen to)."""
        return self.samples.mean(axis=1).astype(np.float32)


def read(path: Path) -> Track:
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return Track(np.ascontiguousarray(data), int(rate))


def read_mono(path: Path, spans: list[tuple[int, int]], rate_out: int) -> np.ndarray:
    """The channel mean of the frame ranges ``spans`` of ``path``, joined, at ``rate_out`` (float32).

    Reads only those ranges: a similarity check on excerpts of an hour-long
    track holds the excerpts, not the hour.
    """
    parts = []
    with sf.SoundFile(str(path)) as f:
        for a, b in spans:
            f.seek(a)
            block = f.read(b - a, dtype="float32", always_2d=True)
            parts.append(resample(block.mean(axis=1), f.samplerate, rate_out).astype(np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def info(path: Path) -> tuple[int, int, int]:
    """(frames, sample rate, channels) without reading the samples."""
    i = sf.info(str(path))
    return int(i.frames), int(i.samplerate), int(i.channels)


def edit_blocks(src: Path, dst: Path, edit, block_s: float = 30.0) -> Path:
    """Copy ``src`` to ``dst`` block by block through ``edit(block, rate, first_frame)``.

    Memory stays at one block however long the track is; the output keeps the
    frame count, rate and channels, as 32-bit float (RF64 beyond 4 GiB).
    """
    frames, rate, channels = info(src)
    big = frames * channels * 4 >= (1 << 32) - 1024
    with sf.SoundFile(str(src)) as fin, sf.SoundFile(str(dst), "w", rate, channels, subtype="FLOAT",
                                                      format="RF64" if big else "WAV") as fout:
        pos = 0
        for block in fin.blocks(blocksize=max(1, int(block_s * rate)), dtype="float32", always_2d=True):
            fout.write(np.asarray(edit(block, rate, pos), dtype=np.float32))
            pos += block.shape[0]
    return Path(dst)


def edit_chunks(src: Path, dst: Path, edit, chunk_s: float = 60.0, search_s: float = 2.0) -> Path:
    """Like :func:`edit_blocks`, for edits that need context: chunks of about ``chunk_s`` cut in pauses.

    Each cut is moved to the quietest 10 ms (all channels) within ``search_s``
    of its nominal place, so a seam between two independently processed
    chunks falls where little is said; no chunk is shorter than half of
    ``chunk_s`` except a file that is shorter itself.  A file up to 1.5 x
    ``chunk_s`` is one chunk.  Memory stays at about two chunks.
    """
    frames, rate, channels = info(src)
    chunk, search = max(1, int(chunk_s * rate)), max(1, int(search_s * rate))
    search = min(search, chunk // 2)
    want = int(1.5 * chunk) + search
    big = frames * channels * 4 >= (1 << 32) - 1024
    with sf.SoundFile(str(src)) as fin, sf.SoundFile(str(dst), "w", rate, channels, subtype="FLOAT",
                                                      format="RF64" if big else "WAV") as fout:
        buf = np.zeros((0, channels), np.float32)
        pos = 0
        while True:
            if len(buf) < want:
                more = fin.read(want - len(buf), dtype="float32", always_2d=True)
                buf = np.concatenate([buf, more]) if len(buf) else more
            if len(buf) == 0:
                break
            cut = len(buf)
            if len(buf) > 1.5 * chunk:
                cut = quietest(buf.mean(axis=1), rate, chunk - search, chunk + search)
            fout.write(np.asarray(edit(buf[:cut], rate, pos), dtype=np.float32))
            pos += cut
            buf = buf[cut:]
    return Path(dst)


def excerpts(n: int, rate: int, max_seconds: float, piece_s: float = 10.0) -> list[tuple[int, int]]:
    """Evenly spaced frame ranges of ``piece_s`` totalling at most ``max_seconds`` (all ``n`` if shorter)."""
    if n <= max_seconds * rate:
        return [(0, n)]
    piece = int(piece_s * rate)
    count = int(max_seconds // piece_s)
    starts = np.linspace(0, n - piece, count).astype(int)
    return [(int(s), int(s) + piece) for s in starts]


def quietest(mono: np.ndarray, rate: int, lo: int, hi: int) -> int:
    """The middle of the quietest 10 ms of ``mono[lo:hi]``: where a seam is least audible."""
    hop = max(1, rate // 100)
    seg = np.asarray(mono[lo:hi], dtype=np.float64)
    m = len(seg) // hop
    if m == 0:
        return (lo + hi) // 2
    energy = (seg[: m * hop].reshape(m, hop) ** 2).sum(axis=1)
    return lo + int(np.argmin(energy)) * hop + hop // 2


def write(path: Path, track: Track) -> Path:
    """Write ``track`` as 32-bit float WAV (RF64 when it would exceed 4 GiB)."""
    data = np.asarray(track.samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    big = data.nbytes >= (1 << 32) - 1024
    sf.write(str(path), data, track.sample_rate, subtype="FLOAT", format="RF64" if big else "WAV")
    return Path(path)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited polyphase resampling of a 1-D signal (exact ratio, no drift)."""
    if rate_in == rate_out:
        return np.asarray(x, dtype=np.float64)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(np.asarray(x, dtype=np.float64), rate_out // g, rate_in // g)
