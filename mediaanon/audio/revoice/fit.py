"""Fitting one synthesised utterance into its original time slot.

Rate first: the voice's ``length_scale`` is chosen from a running estimate
of its seconds per phoneme id, so most utterances come out close to their
slot in one synthesis.  Then, only when the result is still too long, a
WORLD time-stretch compresses it, never beyond ``MIN_STRETCH`` (harder
compression smears the words).  Speech shorter than its slot is left at its
natural pace and followed by a pause: filling the slot by slowing down
sounds drawn out, and a real speaker pauses too.  What still does not fit
may run into the gap before the next utterance; beyond that it is cut with
a short fade and counted, so the log says how often the voice could not keep
up.

The utterance is trimmed to its voiced part so that it starts at the slot's
start (subtitles and lip movement stay in sync), and levelled to a fixed
loudness: the original speakers' loudness is not carried over.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediaanon.audio.revoice.text import Variant

LENGTH_SCALE_BOUNDS = (0.7, 1.3)  # voice rate: faster than 0.7 or slower than 1.3 stops sounding natural
MIN_STRETCH = 0.75  # WORLD compression limit after the rate change
FRAME_MS = 5.0
TRIM_FLOOR_DB = -40.0  # relative to the utterance's peak: below is the voice's lead-in/out silence
LEAD_S = 0.005  # kept before the first voiced sample
TARGET_RMS_DB = -20.0
PEAK = 0.9
FADE_S = 0.03
INITIAL_SECONDS_PER_ID = 0.028  # en_US-joe-medium at length_scale 1 (measured); refined per recording


def db(x: float) -> float:
    return float(10 ** (x / 20.0))


def trim(audio: np.ndarray, rate: int) -> np.ndarray:
    """The utterance from just before its first voiced sample to just after its last."""
    if audio.size == 0:
        return audio
    hop = max(1, rate // 200)
    n = len(audio) // hop
    if n == 0:
        return audio
    env = np.abs(audio[: n * hop]).reshape(n, hop).max(axis=1)
    loud = np.flatnonzero(env >= env.max() * db(TRIM_FLOOR_DB))
    if loud.size == 0:
        return audio[:0]
    a = max(0, loud[0] * hop - int(LEAD_S * rate))
    b = min(len(audio), (loud[-1] + 1) * hop + int(LEAD_S * rate))
    return audio[a:b]


def level(audio: np.ndarray) -> np.ndarray:
    """Fixed loudness (RMS of the louder half of 10 ms frames) with a peak limit."""
    if audio.size == 0:
        return audio
    frames = audio[: len(audio) // 220 * 220].reshape(-1, 220) if len(audio) >= 220 else audio[None]
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    loud = rms[rms >= np.median(rms)]
    ref = float(np.sqrt((loud ** 2).mean())) if loud.size else 0.0
    if ref <= 1e-6:
        return audio
    out = audio * (db(TARGET_RMS_DB) / ref)
    peak = float(np.abs(out).max())
    if peak > PEAK:
        out = out * (PEAK / peak)
    return out.astype(np.float32)


def world(audio: np.ndarray, rate: int, stretch: float = 1.0, variant: Variant = Variant()) -> np.ndarray:
    """WORLD resynthesis: duration × ``stretch``, pitch and formants moved by ``variant``."""
    import pyworld

    x = np.ascontiguousarray(audio, dtype=np.float64)
    f0, t = pyworld.dio(x, rate, frame_period=FRAME_MS)
    f0 = pyworld.stonemask(x, f0, t, rate)
    sp = pyworld.cheaptrick(x, f0, t, rate)
    ap = pyworld.d4c(x, f0, t, rate)
    n = len(f0)
    m = max(1, int(round(n * stretch)))
    if m != n:
        pos = np.linspace(0, n - 1, m)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        w = (pos - lo)[:, None]
        f0 = f0[np.rint(pos).astype(int)]  # nearest frame: voicing decisions stay crisp
        sp = sp[lo] * (1 - w) + sp[hi] * w
        ap = ap[lo] * (1 - w) + ap[hi] * w
    if variant.semitones:
        f0 = f0 * 2.0 ** (variant.semitones / 12.0)
    if variant.formant_ratio != 1.0:
        bins = sp.shape[1]
        src = np.arange(bins) / variant.formant_ratio
        src = np.clip(src, 0, bins - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, bins - 1)
        w = src - lo
        sp = sp[:, lo] * (1 - w) + sp[:, hi] * w
        ap = ap[:, lo] * (1 - w) + ap[:, hi] * w
    y = pyworld.synthesize(np.ascontiguousarray(f0), np.ascontiguousarray(sp), np.ascontiguousarray(ap),
                           rate, FRAME_MS)
    return y.astype(np.float32)


@dataclass
class Fitted:
    audio: np.ndarray  # mono float32 at the voice's rate, starting at the slot's start
    length_scale: float
    stretch: float  # WORLD factor applied (1.0: none)
    truncated: bool  # cut with a fade because even the limits could not make it fit


class Fitter:
    """Chooses rates and fits utterances for one recording (keeps the running rate estimate)."""

    def __init__(self, rate: int):
        self.rate = rate
        self.seconds_per_id = INITIAL_SECONDS_PER_ID

    def length_scale(self, n_ids: int, slot_s: float) -> float:
        """The rate that should make ``n_ids`` phoneme ids last ``slot_s`` (a little short rather than long)."""
        predicted = max(1e-3, n_ids * self.seconds_per_id)
        lo, hi = LENGTH_SCALE_BOUNDS
        return float(np.clip(0.97 * slot_s / predicted, lo, hi))

    def learn(self, n_ids: int, length_scale: float, seconds: float) -> None:
        if n_ids > 4 and seconds > 0:
            observed = seconds / (n_ids * length_scale)
            self.seconds_per_id = 0.8 * self.seconds_per_id + 0.2 * observed

    def fit(self, audio: np.ndarray, n_ids: int, length_scale: float, slot_s: float, room_s: float,
            variant: Variant) -> Fitted:
        """Trim, learn, compress if needed, move to the speaker variant, level, and cap at ``room_s``.

        ``slot_s``: the original segment's duration; ``room_s``: how long it
        may run at most (up to the next utterance or the end of the track).
        """
        audio = trim(audio, self.rate)
        self.learn(n_ids, length_scale, len(audio) / self.rate)
        stretch = 1.0
        seconds = len(audio) / self.rate
        if seconds > slot_s > 0:
            stretch = max(MIN_STRETCH, slot_s / seconds)
        if audio.size and (stretch != 1.0 or not variant.identity):
            audio = trim(world(audio, self.rate, stretch, variant), self.rate)
        audio = level(audio)
        limit = int(max(0.0, room_s) * self.rate)
        truncated = len(audio) > limit
        if truncated:
            audio = audio[:limit].copy()
            fade = min(len(audio), int(FADE_S * self.rate))
            if fade:
                audio[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        return Fitted(audio.astype(np.float32), length_scale, stretch, truncated)
