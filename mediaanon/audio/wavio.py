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
