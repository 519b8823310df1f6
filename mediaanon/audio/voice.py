"""Voice transforms: McAdams pole warping and a WORLD pitch + formant shift.

Both are signal processing, not voice conversion: they change *how* a voice
sounds, not *who* a trained speaker model thinks it is, as much as one would
hope (see the README's voice section for the measured figures).  They keep
duration, sample rate and channel layout exactly, so muxing and subtitles
stay on the original timeline.

- :func:`mcadams` — VoicePrivacy baseline B2: per 20 ms frame an LPC model,
  the angle θ of each complex pole becomes θ**α (formants above ~2.5 kHz move
  down, below move up for α < 1), the LPC residual is re-filtered through the
  warped poles and frames are overlap-added.  Angles are measured on a
  16 kHz scale whatever the input rate, so α means the same thing at 8, 44.1
  or 48 kHz.
- :func:`world_transform` — WORLD vocoder (pyworld): F0 shifted by semitones
  or moved to a target pitch level, the spectral envelope stretched along
  frequency by a formant ratio, and optionally the speaker's long-term
  spectral colour replaced by a generic one; each separately controllable.
- :func:`transform` — the combination on (frames × channels) audio: WORLD
  first, then McAdams, which together protect more than either alone.

Analysis runs in blocks (WORLD: ~20 s cut in pauses; McAdams: 2000 frames at
a time), so working memory beyond the signal itself does not grow with duration.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from mediaanon.audio import wavio

log = logging.getLogger(__name__)

REFERENCE_RATE = 16000  # the rate at which McAdams' α was defined (VoicePrivacy)
HEADROOM = 0.99  # output peak limit of :func:`transform`
MAX_ORDER = 32  # LPC order cap (numerical stability of the pole polynomial)


# ---------------------------------------------------------------- McAdams
def _levinson(r: np.ndarray, order: int) -> np.ndarray:
    """LPC polynomials (rows ``[1, a1 … ap]``) from autocorrelations, batched.

    The autocorrelation method always yields a minimum-phase (stable) filter,
    which matters because the warped poles are used for synthesis.
    """
    n = r.shape[0]
    a = np.zeros((n, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("fj,fj->f", a[:, 1:i], r[:, i - 1:0:-1]) if i > 1 else r[:, i].copy()
        k = -acc / err
        prev = a[:, 1:i].copy()
        a[:, 1:i] = prev + k[:, None] * prev[:, ::-1]
        a[:, i] = k
        err = err * (1.0 - k * k)
        err = np.maximum(err, 1e-12 * r[:, 0] + 1e-30)
    return a


def _poly_from_roots(roots: np.ndarray) -> np.ndarray:
    """Batched ``np.poly``: rows of monic polynomial coefficients from rows of roots."""
    n, p = roots.shape
    c = np.zeros((n, p + 1), dtype=complex)
    c[:, 0] = 1.0
    for k in range(p):
        c[:, 1:k + 2] = c[:, 1:k + 2] - roots[:, k:k + 1] * c[:, 0:k + 1]
    return c.real


def _warp_poles(a: np.ndarray, alpha: float, sample_rate: int) -> np.ndarray:
    """New LPC polynomials whose complex poles have angle θ**α (16 kHz scale)."""
    p = a.shape[1] - 1
    comp = np.zeros((a.shape[0], p, p))
    comp[:, 0, :] = -a[:, 1:]
    comp[:, 1:, :-1] = np.eye(p - 1)
    poles = np.linalg.eigvals(comp)
    scale = sample_rate / REFERENCE_RATE
    ang = np.angle(poles)
    mag = np.abs(poles)
    complex_pole = np.abs(poles.imag) > 1e-9
    theta = np.abs(ang) * scale  # angle as it would be at 16 kHz
    warped = np.clip(np.power(theta, alpha) / scale, 0.0, np.pi)
    new_ang = np.where(complex_pole, np.sign(ang) * warped, ang)
    return _poly_from_roots(mag * np.exp(1j * new_ang))


def mcadams(x: np.ndarray, sample_rate: int, alpha: float, *, win_ms: float = 20.0, hop_ms: float = 10.0,
            order: int | None = None, block_frames: int = 2000) -> np.ndarray:
    """McAdams-coefficient transform of a mono signal; same length, same rate.

    ``order`` defaults to kHz + 4 (20 at 16 kHz, VPC's choice), capped at
    ``MAX_ORDER``: beyond ~32 the pole polynomial loses precision and
    band-limited input (16 kHz speech in a 48 kHz file) resynthesises badly.  The output is scaled
    to the input's RMS, like-for-like loudness rather than VPC's peak
    normalisation.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("mcadams expects a mono signal")
    if alpha == 1.0 or len(x) == 0:
        return x.copy()
    win = int(round(win_ms * 1e-3 * sample_rate))
    hop = int(round(hop_ms * 1e-3 * sample_rate))
    if order is None:
        order = int(np.clip(round(sample_rate / 1000) + 4, 8, MAX_ORDER))
    order = min(order, win - 1)
    hann = np.hanning(win)
    w = np.sqrt(hann / (hann.sum() / hop))  # analysis = synthesis window; OLA of w² is ~1
    padded = np.concatenate([np.zeros(win), x, np.zeros(win + hop)])
    n_frames = 1 + (len(padded) - win) // hop
    out = np.zeros(len(padded))
    tiny = 1e-9
    for b0 in range(0, n_frames, block_frames):
        idx = np.arange(b0, min(n_frames, b0 + block_frames))
        starts = idx * hop
        frames = padded[starts[:, None] + np.arange(win)] * w
        energy = np.einsum("fi,fi->f", frames, frames)
        live = energy > tiny * win * 1e-6
        if not live.any():
            continue
        fr = frames[live]
        spec = np.fft.rfft(fr, 2 * win)
        r = np.fft.irfft(np.abs(spec) ** 2, 2 * win)[:, : order + 1]
        r[:, 0] *= 1.0 + 1e-4  # -40 dB white-noise floor: band-limited input (16 kHz audio in a 48 kHz file) stays well conditioned
        a = _levinson(r, order)
        a_new = _warp_poles(a, alpha, sample_rate)
        res = np.zeros_like(fr)  # FIR residual e = A(z)·frame, batched
        for k in range(order + 1):
            res[:, k:] += a[:, k:k + 1] * fr[:, : win - k]
        for j, s in enumerate(starts[live]):
            y = lfilter([1.0], a_new[j], res[j]) * w
            out[s:s + win] += y
    y = out[win:win + len(x)]
    rin, rout = np.sqrt(np.mean(x * x)), np.sqrt(np.mean(y * y))
    if rout > 0:
        y = y * (rin / rout)
    return y


# ---------------------------------------------------------------- WORLD
# A generic long-term average speech spectrum (dB at Hz): flat-ish 200-500 Hz, falling
# about 5 dB per octave above, the familiar LTASS shape (rounded; only the shape matters).
GENERIC_LTAS_HZ = np.array([63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000,
                            2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000], dtype=np.float64)
GENERIC_LTAS_DB = np.array([38.6, 43.5, 54.4, 57.7, 56.8, 58.2, 59.7, 60.0, 62.1, 62.1, 60.0, 56.5, 53.7, 53.0,
                            52.3, 48.7, 48.1, 46.8, 45.6, 44.5, 44.3, 43.7, 43.4, 41.3, 40.7], dtype=np.float64)
MAX_ENVELOPE_GAIN = 12.0 * np.log(10.0) / 10.0  # ±12 dB: bands the recording never had (old tape, 16 kHz
# speech in a 48 kHz file) are not amplified into noise
STATS_SECONDS = 20.0  # audio (evenly spaced 5 s excerpts) used to measure a speaker's pitch level and spectrum, per ~1 min chunk


@dataclass(frozen=True)
class WorldParams:
    """What the WORLD stage of a transform does to one channel."""

    pitch_semitones: float = 0.0  # F0 multiplied by 2**(st/12)
    pitch_target_hz: float | None = None  # instead: the median F0 moved here (intonation kept around it)
    intonation: float = 1.0  # with a target: pitch movements around the median scaled by this (< 1 flattens)
    formant_ratio: float = 1.0  # spectral envelope stretched along frequency (> 1: formants up)
    flatten_envelope: bool = False  # long-term spectral envelope replaced by a generic speech spectrum

    @property
    def active(self) -> bool:
        return bool(self.pitch_semitones or self.pitch_target_hz or self.formant_ratio != 1.0 or self.flatten_envelope)


@dataclass(frozen=True)
class _SpeakerStats:
    median_log_f0: float | None  # None: no voiced frame found
    ltas: np.ndarray | None  # mean log envelope over voiced frames, per cheaptrick bin


def world_shift(x: np.ndarray, sample_rate: int, pitch_semitones: float = 0.0, formant_ratio: float = 1.0,
                **kw) -> np.ndarray:
    """Pitch and formant shift with the WORLD vocoder (see :func:`world_transform`)."""
    return world_transform(x, sample_rate, WorldParams(pitch_semitones=pitch_semitones, formant_ratio=formant_ratio), **kw)


def world_transform(x: np.ndarray, sample_rate: int, params: WorldParams, *, frame_ms: float = 5.0,
                    block_s: float = 20.0) -> np.ndarray:
    """WORLD analysis, pitch/envelope edits, resynthesis; same length and rate.

    ``pitch_semitones`` scales F0; ``pitch_target_hz`` instead moves the
    speaker's median F0 to that value, so the output pitch level says nothing
    about the speaker's own.  ``formant_ratio`` > 1 moves the spectral
    envelope (formants) up in frequency, < 1 down.  ``flatten_envelope``
    divides out the speaker's long-term average envelope and applies a
    generic speech spectrum instead (the per-sound formant movements stay,
    the voice's overall colour goes).  Speaker statistics come from up to
    ``STATS_SECONDS`` of evenly spaced excerpts; the signal is then processed
    in blocks of ``block_s`` seconds cut at the quietest 10 ms near each
    boundary, so memory stays bounded and seams fall in pauses.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("world_transform expects a mono signal")
    if len(x) == 0 or not params.active:
        return x.copy()
    peak = float(np.max(np.abs(x)))
    if peak == 0.0:
        return x.copy()
    xs = x / peak
    stats = _speaker_stats(xs, sample_rate, frame_ms) if (params.pitch_target_hz or params.flatten_envelope) else None
    cuts = _quiet_cuts(xs, sample_rate, block_s)
    pieces = [_world_block(xs[a:b], sample_rate, params, stats, frame_ms) for a, b in cuts]
    return np.concatenate(pieces) * peak


def _analyse(x: np.ndarray, fs: int, frame_ms: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import pyworld

    xs = np.ascontiguousarray(x, dtype=np.float64)
    f0, t = pyworld.dio(xs, fs, frame_period=frame_ms)
    f0 = pyworld.stonemask(xs, f0, t, fs)
    return f0, pyworld.cheaptrick(xs, f0, t, fs), pyworld.d4c(xs, f0, t, fs)


def _speaker_stats(x: np.ndarray, fs: int, frame_ms: float) -> _SpeakerStats:
    import pyworld

    spans = wavio.excerpts(len(x), fs, STATS_SECONDS, 5.0)
    log_f0, env_sum, frames = [], None, 0
    for a, b in spans:
        if b - a < int(0.05 * fs):
            continue
        xs = np.ascontiguousarray(x[a:b])
        f0, t = pyworld.dio(xs, fs, frame_period=frame_ms)
        f0 = pyworld.stonemask(xs, f0, t, fs)
        voiced = f0 > 0
        if not voiced.any():
            continue
        sp = pyworld.cheaptrick(xs, f0, t, fs)
        log_f0.append(np.log(f0[voiced]))
        s = np.log(sp[voiced] + 1e-16).sum(axis=0)
        env_sum = s if env_sum is None else env_sum + s
        frames += int(voiced.sum())
    if not frames:
        return _SpeakerStats(None, None)
    return _SpeakerStats(float(np.median(np.concatenate(log_f0))), env_sum / frames)


def generic_envelope(n_bins: int, fs: int, like: np.ndarray) -> np.ndarray:
    """The generic speech spectrum as a natural-log power envelope on ``n_bins`` bins,
    at the same mean level as ``like`` over 100 Hz – 8 kHz."""
    freqs = np.linspace(0.0, fs / 2.0, n_bins)
    target = np.interp(freqs, GENERIC_LTAS_HZ, GENERIC_LTAS_DB) * (np.log(10.0) / 10.0)
    band = (freqs >= 100.0) & (freqs <= 8000.0)
    return target - target[band].mean() + like[band].mean()


def _world_block(x: np.ndarray, fs: int, p: WorldParams, stats: _SpeakerStats | None, frame_ms: float) -> np.ndarray:
    import pyworld

    if len(x) < int(0.05 * fs) or not np.any(x):  # too short for WORLD's analysis: leave as is (quiet seam)
        return x.copy()
    f0, sp, ap = _analyse(x, fs, frame_ms)
    voiced = f0 > 0
    if p.pitch_target_hz and stats is not None and stats.median_log_f0 is not None:
        f0[voiced] = np.exp((np.log(f0[voiced]) - stats.median_log_f0) * p.intonation + np.log(p.pitch_target_hz))
    elif p.pitch_semitones:
        f0 = f0 * (2.0 ** (p.pitch_semitones / 12.0))
    if p.flatten_envelope and stats is not None and stats.ltas is not None:
        gain = np.clip(generic_envelope(sp.shape[1], fs, stats.ltas) - stats.ltas, -MAX_ENVELOPE_GAIN, MAX_ENVELOPE_GAIN)
        sp = sp * np.exp(gain)
    if p.formant_ratio != 1.0:
        bins = np.arange(sp.shape[1], dtype=np.float64)
        src = np.clip(bins / p.formant_ratio, 0, sp.shape[1] - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, sp.shape[1] - 1)
        frac = src - lo
        sp = sp[:, lo] * (1 - frac) + sp[:, hi] * frac
    y = pyworld.synthesize(f0, np.ascontiguousarray(sp), np.ascontiguousarray(ap), fs, frame_ms)
    y = _fit_length(y, len(x))
    rin, rout = np.sqrt(np.mean(x * x)), np.sqrt(np.mean(y * y))
    return y * (rin / rout) if rout > 0 else y


def _fit_length(y: np.ndarray, n: int) -> np.ndarray:
    if len(y) >= n:
        return y[:n]
    return np.concatenate([y, np.zeros(n - len(y))])


def _quiet_cuts(x: np.ndarray, fs: int, block_s: float) -> list[tuple[int, int]]:
    """Block boundaries every ~``block_s`` seconds, moved to the quietest 10 ms within ±2 s."""
    n = len(x)
    step = int(block_s * fs)
    if n <= step * 1.5:
        return [(0, n)]
    hop = max(1, fs // 100)
    bounds = [0]
    pos = step
    while pos < n - step // 2:
        lo, hi = max(bounds[-1] + hop, pos - 2 * fs), min(n - hop, pos + 2 * fs)
        if hi - lo >= hop:
            pos = wavio.quietest(x, fs, lo, hi)
        bounds.append(pos)
        pos += step
    bounds.append(n)
    return list(zip(bounds[:-1], bounds[1:]))


# ---------------------------------------------------------------- combined
@dataclass(frozen=True)
class VoiceSettings:
    """One concrete transform (values already drawn): WORLD edits, then McAdams."""

    world: WorldParams = WorldParams()
    alpha: float | None = None  # McAdams coefficient; None: no McAdams stage

    def describe(self) -> str:
        parts = []
        if self.world.active:
            parts.append("world")
        if self.alpha is not None:
            parts.append("mcadams")
        return "+".join(parts) or "none"


def transform(samples: np.ndarray, sample_rate: int, settings: VoiceSettings) -> np.ndarray:
    """Apply ``settings`` to every channel of (frames × channels) ``samples``.

    The same drawn values are used on every channel (one recording, one
    pseudo-voice).  Shape, rate and dtype float32 are kept; silent channels
    stay silent.
    """
    x = np.asarray(samples)
    mono = x.ndim == 1
    x2 = x[:, None] if mono else x
    out = np.zeros(x2.shape, dtype=np.float32)
    for c in range(x2.shape[1]):
        y = x2[:, c].astype(np.float64)
        if np.any(y):
            out[:, c] = transform_mono(y, sample_rate, settings)
    return out[:, 0] if mono else out


def transform_mono(y: np.ndarray, sample_rate: int, settings: VoiceSettings,
                   world_output: np.ndarray | None = None) -> np.ndarray:
    """One channel: WORLD (or its precomputed ``world_output``), McAdams, peak limit."""
    if world_output is not None:
        y = world_output
    elif settings.world.active:
        y = world_transform(y, sample_rate, settings.world)
    if settings.alpha is not None:
        y = mcadams(y, sample_rate, settings.alpha)
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > HEADROOM:  # loudness was matched by RMS; never clip the encoder downstream
        y = y * (HEADROOM / peak)
    return y
