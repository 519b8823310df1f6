"""Speech regions: VAD regions cut to their audible parts, word stretches VAD missed added."""
from __future__ import annotations

import numpy as np

from mediaanon.records import Segment, Transcript, Word
from mediaanon.speakers import regions

RATE = 16000


def burst(seconds: float, level: float, rng: np.random.Generator) -> np.ndarray:
    """Noise shaped like speech energy (amplitude-modulated), ``level`` RMS."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (rng.standard_normal(len(t)) * level * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def test_a_region_through_a_silent_pause_is_cut_there_and_trimmed_to_sound():
    rng = np.random.default_rng(0)
    quiet = np.zeros(int(0.4 * RATE), np.float32)
    audio = np.concatenate([burst(1.0, 0.1, rng), quiet, burst(0.8, 0.05, rng)])
    # a VAD region that starts early, ends late and runs through the 0.4 s pause
    out = regions.refine_by_energy(np.concatenate([np.zeros(RATE // 2, np.float32), audio,
                                                   np.zeros(RATE // 2, np.float32)]), [(0.2, 3.0)])
    assert len(out) == 2
    (a0, b0), (a1, b1) = out
    assert abs(a0 - 0.5) <= 0.02 and abs(b0 - 1.5) <= 0.02
    assert abs(a1 - 1.9) <= 0.02 and abs(b1 - 2.7) <= 0.02


def test_short_quiet_gaps_stay_inside_and_noisy_regions_are_kept_whole():
    rng = np.random.default_rng(1)
    gap = np.zeros(int(0.15 * RATE), np.float32)  # a stop between words, shorter than the bridge
    audio = np.concatenate([burst(1.0, 0.1, rng), gap, burst(1.0, 0.1, rng)])
    assert regions.refine_by_energy(audio, [(0.0, 2.15)]) == [(0.0, 2.15)]
    noisy = audio + (rng.standard_normal(len(audio)) * 0.01).astype(np.float32)  # noise floor -20 dB: nothing that quiet
    assert regions.refine_by_energy(noisy, [(0.0, 2.15)]) == [(0.0, 2.15)]


def test_silence_and_empty_audio_give_no_speech():
    assert regions.speech_regions(np.zeros(0, np.float32), None) == []
    silent = np.zeros(3 * RATE, np.float32)
    assert regions.speech_regions(silent, None) == []


def test_words_vad_missed_are_added_only_as_long_stretches():
    silent = np.zeros(6 * RATE, np.float32)
    words = (Word(1.0, 1.4, " long"), Word(1.4, 1.9, " stretch"), Word(4.0, 4.2, " blip"))
    t = Transcript([Segment(0, 1.0, 4.2, " long stretch blip", words)], "en")
    # VAD hears nothing; the 0.9 s stretch Whisper transcribed is kept (speech VAD missed comes in
    # long stretches), the lone 0.2 s word is not (Whisper's word ends overshoot by that much)
    assert [(float(a), float(b)) for a, b in regions.speech_regions(silent, t)] == [(1.0, 1.9)]


def test_pauses_at_the_recordings_noise_floor_are_cut_even_within_40_db_of_a_quiet_voice():
    """A quiet voice 36 dB over the room's hiss: the region-relative floor alone kept the pause."""
    rng = np.random.default_rng(4)
    speech = np.concatenate([burst(1.0, 0.05, rng), np.zeros(int(0.4 * RATE), np.float32), burst(0.8, 0.05, rng)])
    room = (rng.standard_normal(len(speech) + RATE) * 0.05 * 10 ** (-36 / 20)).astype(np.float32)
    audio = room.copy()
    audio[RATE // 2:RATE // 2 + len(speech)] += speech
    assert regions.refine_by_energy(audio, [(0.3, 2.9)], noise_margin=None) == [(0.3, 2.9)]
    out = regions.refine_by_energy(audio, [(0.3, 2.9)])
    assert len(out) == 2
    (a0, b0), (a1, b1) = out
    assert abs(a0 - 0.5) <= 0.03 and abs(b0 - 1.5) <= 0.03 and abs(a1 - 1.9) <= 0.03 and abs(b1 - 2.7) <= 0.03


def test_diarization_embeds_the_ungated_regions_and_labels_only_the_gated_speech(monkeypatch):
    """The gate decides where speech is, never which windows are embedded (so never who spoke)."""
    rng = np.random.default_rng(4)
    speech = np.concatenate([burst(1.0, 0.05, rng), np.zeros(int(0.4 * RATE), np.float32), burst(0.8, 0.05, rng)])
    audio = (rng.standard_normal(len(speech) + RATE) * 0.05 * 10 ** (-36 / 20)).astype(np.float32)
    audio[RATE // 2:RATE // 2 + len(speech)] += speech
    monkeypatch.setattr(regions, "candidate_regions", lambda *a, **k: [(0.3, 2.9)])
    speech_at, voiced = regions.diarization_regions(audio, None)
    assert voiced == [(0.3, 2.9)] == regions.speech_regions(audio, None, noise_margin=None)
    assert len(speech_at) == 2 and speech_at == regions.speech_regions(audio, None)
    assert all(any(a >= c and b <= d for c, d in voiced) for a, b in speech_at)


def test_the_noise_floor_ignores_digital_silence():
    level = np.concatenate([np.full(500, -120.0), np.full(1000, -60.0), np.full(500, -20.0)])
    assert regions.noise_floor(level) == -60.0
    assert regions.noise_floor(np.full(10, -120.0)) == -np.inf
