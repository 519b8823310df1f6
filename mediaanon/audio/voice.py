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
- :func:`world_shift` — WORLD vocoder (pyworld): F0 scaled by a pitch shift in
  semitones and the spectral envelope stretched along frequency by a formant
  ratio, separately controllable.

Long inputs are processed in blocks so memory does not grow with duration.
"""
from __future__ import annotations

import logging

import numpy as np
from scipy.signal import lfilter

log = logging.getLogger(__name__)

REFERENCE_RATE = 16000  # the rate at which McAdams' α was defined (VoicePrivacy)


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

    ``order`` defaults to 20 at 16 kHz and grows with the rate (2 + kHz·1.1),
    enough poles to model the formants up to Nyquist.  The output is scaled
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
        order = 20 if sample_rate <= REFERENCE_RATE else int(round(2 + 1.1 * sample_rate / 1000))
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
        r[:, 0] *= 1.0 + 1e-9  # white-noise correction keeps Levinson well conditioned
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
def world_shift(x: np.ndarray, sample_rate: int, pitch_semitones: float = 0.0, formant_ratio: float = 1.0,
                *, frame_ms: float = 5.0, block_s: float = 20.0) -> np.ndarray:
    """Pitch and formant shift with the WORLD vocoder; same length and rate.

    ``pitch_semitones`` scales F0 by 2**(st/12); ``formant_ratio`` > 1 moves
    the spectral envelope (formants) up in frequency, < 1 down.  Processed in
    blocks of ``block_s`` seconds cut at the quietest 10 ms near each
    boundary, so memory stays bounded and seams fall in pauses.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("world_shift expects a mono signal")
    if len(x) == 0 or (pitch_semitones == 0.0 and formant_ratio == 1.0):
        return x.copy()
    cuts = _quiet_cuts(x, sample_rate, block_s)
    pieces = [_world_block(x[a:b], sample_rate, pitch_semitones, formant_ratio, frame_ms) for a, b in cuts]
    return np.concatenate(pieces)


def _world_block(x: np.ndarray, fs: int, st: float, ratio: float, frame_ms: float) -> np.ndarray:
    import pyworld

    if len(x) < int(0.05 * fs):  # too short for WORLD's analysis: leave as is (quiet seam)
        return x.copy()
    peak = float(np.max(np.abs(x)))
    if peak == 0.0:
        return x.copy()
    xs = np.ascontiguousarray(x / peak)
    f0, t = pyworld.dio(xs, fs, frame_period=frame_ms)
    f0 = pyworld.stonemask(xs, f0, t, fs)
    sp = pyworld.cheaptrick(xs, f0, t, fs)
    ap = pyworld.d4c(xs, f0, t, fs)
    f0 = f0 * (2.0 ** (st / 12.0))
    if ratio != 1.0:
        bins = np.arange(sp.shape[1], dtype=np.float64)
        src = np.clip(bins / ratio, 0, sp.shape[1] - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, sp.shape[1] - 1)
        frac = src - lo
        sp = sp[:, lo] * (1 - frac) + sp[:, hi] * frac
    y = pyworld.synthesize(f0, np.ascontiguousarray(sp), ap, fs, frame_ms)
    y = _fit_length(y, len(x))
    rin, rout = np.sqrt(np.mean(xs * xs)), np.sqrt(np.mean(y * y))
    if rout > 0:
        y = y * (rin / rout)
    return y * peak


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
        seg = x[lo:hi]
        m = len(seg) // hop
        if m > 0:
            e = (seg[: m * hop].reshape(m, hop) ** 2).sum(axis=1)
            pos = lo + int(np.argmin(e)) * hop + hop // 2
        bounds.append(pos)
        pos += step
    bounds.append(n)
    return list(zip(bounds[:-1], bounds[1:]))
