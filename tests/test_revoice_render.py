"""Re-voicing, the signal side: slot fitting (rate, WORLD stretch, cap), speaker variants,
and the rendered track's timeline, layout, silence and comfort noise."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mediaanon.audio.revoice import fit
from mediaanon.audio.revoice.render import Background, UtteranceStore, render_track
from mediaanon.audio.revoice.text import Variant

RATE = 22050


def voiced(seconds: float, f0: float = 120.0, lead: float = 0.2, tail: float = 0.2) -> np.ndarray:
    """A pulse train through a formant filter with silent lead-in/out, like a TTS utterance."""
    from scipy.signal import lfilter

    n = int(seconds * RATE)
    src = np.zeros(n)
    src[:: int(RATE / f0)] = 1.0
    r = np.exp(-np.pi * 90 / RATE)
    y = lfilter([1.0], [1.0, -2 * r * np.cos(2 * np.pi * 700 / RATE), r * r], src)
    y = 0.3 * y / np.abs(y).max()
    return np.concatenate([np.zeros(int(lead * RATE)), y, np.zeros(int(tail * RATE))]).astype(np.float32)


def median_f0(x: np.ndarray) -> float:
    import pyworld

    f0, _ = pyworld.dio(x.astype(np.float64), RATE)
    return float(np.median(f0[f0 > 0]))


def test_trim_keeps_only_the_voiced_part():
    y = fit.trim(voiced(1.0), RATE)
    assert abs(len(y) / RATE - 1.0) < 0.03


def test_length_scale_is_chosen_from_the_rate_estimate_within_bounds():
    f = fit.Fitter(RATE)
    n = 100  # about 2.8 s at the initial estimate
    assert f.length_scale(n, 2.8) == pytest.approx(0.97, abs=0.01)
    assert f.length_scale(n, 100.0) == fit.LENGTH_SCALE_BOUNDS[1]
    assert f.length_scale(n, 0.1) == fit.LENGTH_SCALE_BOUNDS[0]
    f.learn(n, 1.0, 4.0)  # this voice turned out slower: the next estimate follows
    assert f.seconds_per_id > fit.INITIAL_SECONDS_PER_ID


def test_overlong_utterance_is_compressed_into_its_slot():
    f = fit.Fitter(RATE)
    out = f.fit(voiced(2.0), 70, 1.0, slot_s=1.7, room_s=5.0, variant=Variant())
    assert out.stretch == pytest.approx(0.85, abs=0.02) and not out.truncated
    assert len(out.audio) / RATE <= 1.7 + 0.05
    assert len(out.audio) / RATE >= 1.6


def test_short_utterance_keeps_its_pace_and_is_not_stretched():
    out = fit.Fitter(RATE).fit(voiced(1.0), 35, 1.3, slot_s=3.0, room_s=5.0, variant=Variant())
    assert out.stretch == 1.0 and abs(len(out.audio) / RATE - 1.0) < 0.03


def test_what_cannot_fit_is_cut_with_a_fade_at_the_room():
    out = fit.Fitter(RATE).fit(voiced(3.0), 100, 0.7, slot_s=1.0, room_s=1.5, variant=Variant())
    assert out.stretch == fit.MIN_STRETCH and out.truncated
    assert len(out.audio) == int(1.5 * RATE)
    assert abs(out.audio[-1]) < 1e-3


def test_variant_moves_the_pitch():
    base = fit.Fitter(RATE).fit(voiced(1.0), 35, 1.0, 2.0, 2.0, Variant()).audio
    up = fit.Fitter(RATE).fit(voiced(1.0), 35, 1.0, 2.0, 2.0, Variant(5.0, 1.12)).audio
    assert median_f0(up) == pytest.approx(median_f0(base) * 2 ** (5 / 12), rel=0.08)


def test_level_is_fixed_whatever_the_input_loudness():
    a = fit.level(voiced(1.0) * 0.01)
    b = fit.level(voiced(1.0))
    assert np.sqrt(np.mean(a ** 2)) == pytest.approx(np.sqrt(np.mean(b ** 2)), rel=0.01)
    assert np.abs(b).max() <= fit.PEAK + 1e-6


def _store(tmp_path, items):
    st = UtteranceStore(tmp_path / "u.f32", RATE)
    for start, audio in items:
        st.add(start, audio)
    return st


@pytest.mark.parametrize("rate, channels", [(16000, 1), (44100, 2), (48000, 6)])
def test_track_keeps_length_layout_and_places_speech_on_time(tmp_path, rate, channels):
    u = np.full(int(0.5 * RATE), 0.25, np.float32)
    st = _store(tmp_path, [(1.0, u), (3.25, u)])
    frames = int(5.0 * rate) + 7
    out = render_track(st, tmp_path / "t.wav", frames, rate, channels, Background("silence", -60, 0))
    y, sr = sf.read(out, dtype="float32", always_2d=True)
    assert sr == rate and y.shape == (frames, channels)
    assert np.array_equal(y[:, 0], y[:, -1])  # every channel speaks
    loud = np.flatnonzero(np.abs(y[:, 0]) > 0.1)
    starts = [loud[0]] + [loud[i] for i in range(1, len(loud)) if loud[i] - loud[i - 1] > rate // 10]
    assert [round(s / rate, 2) for s in starts] == pytest.approx([1.0, 3.25], abs=0.01)


def test_silence_between_utterances_is_digital_silence_or_low_noise(tmp_path):
    u = np.full(int(0.5 * RATE), 0.25, np.float32)
    st = _store(tmp_path, [(1.0, u), (3.0, u)])
    quiet = render_track(st, tmp_path / "q.wav", 5 * 16000, 16000, 1, Background("silence", -60, 0))
    y, _ = sf.read(quiet, dtype="float32")
    assert not y[: int(0.95 * 16000)].any() and not y[int(1.6 * 16000): int(2.95 * 16000)].any()
    noisy = render_track(st, tmp_path / "n.wav", 5 * 16000, 16000, 1, Background("noise", -60, 0))
    z, _ = sf.read(noisy, dtype="float32")
    gap = z[int(1.6 * 16000): int(2.95 * 16000)]
    assert 20 * np.log10(np.sqrt(np.mean(gap ** 2))) == pytest.approx(-60, abs=2)


def test_overlapping_utterances_are_mixed_not_dropped(tmp_path):
    u = np.full(int(1.0 * RATE), 0.2, np.float32)
    st = _store(tmp_path, [(1.0, u), (1.5, u)])
    y, _ = sf.read(render_track(st, tmp_path / "o.wav", 4 * 16000, 16000, 1, Background("silence", -60, 0)))
    assert y[int(1.7 * 16000)] == pytest.approx(0.4, abs=0.02)
    assert y[int(2.3 * 16000)] == pytest.approx(0.2, abs=0.02)


def test_speech_past_the_end_of_the_track_is_cut(tmp_path):
    st = _store(tmp_path, [(0.5, np.full(RATE, 0.2, np.float32)), (9.0, np.full(RATE, 0.2, np.float32))])
    y, _ = sf.read(render_track(st, tmp_path / "e.wav", 16000, 16000, 1, Background("silence", -60, 0)))
    assert len(y) == 16000
