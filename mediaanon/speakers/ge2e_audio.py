"""Resemblyzer's audio front end on numpy, scipy and webrtcvad: no librosa.

Why: Resemblyzer computes its mel spectrogram with librosa, which pulls numba
and llvmlite (173 MB) into the install for one function.  This module is that
function and Resemblyzer's two preprocessing steps, written out so the numbers
are the same (``tests/test_speakers_ge2e.py`` compares them with Resemblyzer's
own code on real speech):

- :func:`mel_spectrogram`: ``librosa.feature.melspectrogram(y, sr=16000,
  n_fft=400, hop_length=160, n_mels=40)`` — a centred STFT (the signal padded
  with ``n_fft // 2`` zeros each side, librosa >= 0.10's ``pad_mode``), a
  periodic Hann window, the power spectrum, Slaney's mel scale and filter
  normalisation.  Power, not log: the encoder was trained on it.
- :func:`normalize_volume` and :func:`trim_long_silences` (WebRTC VAD, mode 3,
  30 ms windows, moving average of 8, dilation of 6), combined in
  :func:`preprocess_wav` as Resemblyzer's ``preprocess_wav`` does.

The spectrogram is computed in blocks, so a long recording never holds its
whole complex STFT in memory.
"""
from __future__ import annotations

import numpy as np

RATE = 16000  # Resemblyzer's sampling rate
N_FFT = 400  # 25 ms window
HOP = 160  # 10 ms step
N_MELS = 40
NORM_DBFS = -30.0  # audio_norm_target_dBFS
INT16_MAX = 2 ** 15 - 1
VAD_WINDOW_MS = 30
VAD_AVERAGE_WIDTH = 8
VAD_MAX_SILENCE = 6
BLOCK = 4096  # STFT frames per block (~13 MB of complex128)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's Auditory Toolbox mel scale (librosa's default, ``htk=False``): linear below 1 kHz, log above."""
    hz = np.asarray(hz, np.float64)
    mel = hz / (200.0 / 3)
    log_part = hz >= 1000.0
    return np.where(log_part, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))


def mel_filters(sr: int = RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Triangular Slaney filters with Slaney (area) normalisation, (n_mels x n_fft//2+1), float32.

    The same construction as ``librosa.filters.mel`` with its defaults
    (fmin 0, fmax sr/2): computed in float64, returned as float32.
    """
    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    weights = np.zeros((n_mels, len(fft_freqs)), np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


def _hann(n: int) -> np.ndarray:
    """The periodic Hann window (``scipy.signal.get_window('hann', n, fftbins=True)``), float64."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


_MEL_T = mel_filters().T.copy()  # (201, 40)
_WINDOW = _hann(N_FFT)


def mel_spectrogram(wav: np.ndarray, gain: np.floating | float | None = None) -> np.ndarray:
    """Resemblyzer's ``wav_to_mel_spectrogram``: (frames x 40) float32, one frame per 10 ms (+1).

    ``gain`` (:func:`volume_gain`) scales the samples block by block, the same float32 products
    as ``mel_spectrogram(wav * gain)``; the centring zeros are added per block too.  Why: for an
    hour of audio the scaled copy and the padded copy were 220 MB each, held at once beside the
    caller's audio (with its NaN-free copy, +860 MB at the start of diarization).
    """
    wav = np.asarray(wav, np.float32)
    n_frames = 1 + len(wav) // HOP
    out = np.empty((n_frames, N_MELS), np.float32)
    for a in range(0, n_frames, BLOCK):
        b = min(a + BLOCK, n_frames)
        lo, hi = a * HOP - N_FFT // 2, (b - 1) * HOP + N_FFT - N_FFT // 2  # the block's samples, unpadded
        seg = np.zeros(hi - lo, np.float32)  # zeros beyond either end, as librosa's centred STFT
        part = wav[max(lo, 0):min(hi, len(wav))]
        seg[max(lo, 0) - lo:max(lo, 0) - lo + len(part)] = part if gain is None else part * gain
        frames = np.lib.stride_tricks.sliding_window_view(seg, N_FFT)[::HOP]
        # librosa windows in float64 (scipy's window), stores the STFT as complex64, then |S|**2
        spec = np.fft.rfft(frames * _WINDOW, axis=1).astype(np.complex64)
        power = np.abs(spec) ** 2
        np.matmul(power, _MEL_T, out=out[a:b])
    return out


def volume_gain(wav: np.ndarray, target_dbfs: float = NORM_DBFS, increase_only: bool = True) -> np.floating | None:
    """The factor :func:`normalize_volume` scales ``wav`` by, or None where it leaves it as is."""
    wav = np.asarray(wav, np.float32)
    if not len(wav):
        return None
    power = wav * INT16_MAX
    np.square(power, out=power)  # one temporary, the same values as (wav * INT16_MAX) ** 2
    rms = np.sqrt(np.mean(power))
    del power
    if not rms:  # nothing to measure: Resemblyzer would divide by zero and return NaNs
        return None
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    if change < 0 and increase_only:
        return None
    return 10 ** (change / 20)


def normalize_volume(wav: np.ndarray, target_dbfs: float = NORM_DBFS, increase_only: bool = True) -> np.ndarray:
    """Scale ``wav`` to ``target_dbfs`` RMS (only up, by default); digital silence is returned as is."""
    wav = np.asarray(wav, np.float32)
    gain = volume_gain(wav, target_dbfs, increase_only)
    return wav if gain is None else wav * gain


def voice_flags(wav: np.ndarray, rate: int = RATE, mode: int = 3) -> np.ndarray:
    """WebRTC VAD decision per 30 ms window of float ``wav`` (the tail shorter than a window is dropped)."""
    import webrtcvad  # webrtcvad-wheels (MIT): the same C VAD, without pkg_resources

    step = VAD_WINDOW_MS * rate // 1000
    n = len(wav) // step
    pcm = np.round(np.asarray(wav[:n * step]) * INT16_MAX).astype(np.int16).tobytes()
    vad = webrtcvad.Vad(mode)
    return np.array([vad.is_speech(pcm[i * step * 2:(i + 1) * step * 2], sample_rate=rate) for i in range(n)], bool)


def trim_long_silences(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's ``trim_long_silences``: drop silences longer than ~6 VAD windows (times move)."""
    from scipy.ndimage import binary_dilation

    step = VAD_WINDOW_MS * RATE // 1000
    wav = wav[:len(wav) - len(wav) % step]
    flags = voice_flags(wav)
    if not len(flags):
        return wav[:0]
    width = VAD_AVERAGE_WIDTH
    padded = np.concatenate((np.zeros((width - 1) // 2), flags, np.zeros(width // 2)))
    ret = np.cumsum(padded, dtype=float)
    ret[width:] = ret[width:] - ret[:-width]
    mask = np.round(ret[width - 1:] / width).astype(bool)
    mask = binary_dilation(mask, np.ones(VAD_MAX_SILENCE + 1))
    return wav[np.repeat(mask, step)]


def resample(wav: np.ndarray, source_rate: int, rate: int = RATE) -> np.ndarray:
    """Polyphase resampling to ``rate`` (Resemblyzer uses librosa's soxr; mediaanon decodes at 16 kHz,
    so this runs only for callers that pass other rates)."""
    if source_rate == rate:
        return np.asarray(wav, np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(source_rate), int(rate))
    return resample_poly(np.asarray(wav, np.float64), rate // g, int(source_rate) // g).astype(np.float32)


def preprocess_wav(wav: np.ndarray, source_rate: int = RATE) -> np.ndarray:
    """Resemblyzer's ``preprocess_wav`` for an in-memory waveform: resample, normalise volume, trim silences."""
    wav = resample(np.nan_to_num(np.asarray(wav, np.float32)), source_rate)
    return trim_long_silences(normalize_volume(wav, NORM_DBFS, increase_only=True))
