"""Silero once per recording: regions derived from stored probabilities equal faster-whisper's own."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mediaanon.audio import wavio
from mediaanon.records import Segment, SpeechProbs, Transcript, Word
from mediaanon.speakers import regions
from mediaanon.transcription import vad

RATE = 16000
# (threshold, min silence ms, padding ms): the transcription defaults and the diarization's own
PARAMETER_SETS = [(0.5, 2000, 400), (0.5, 500, 200), (regions.VAD_THRESHOLD, regions.VAD_MIN_SILENCE_MS, regions.VAD_PAD_MS)]


def load(path) -> np.ndarray:
    x, r = sf.read(str(path), dtype="float32", always_2d=True)
    return wavio.resample(x.mean(1), r, RATE).astype(np.float32)


@pytest.fixture(scope="module")
def recordings(media):
    return [load(media("audio/pyannote/sample.wav")), load(media("audio/pyannote/tests_dev00.wav"))]


@pytest.mark.parametrize("threshold,min_silence_ms,pad_ms", PARAMETER_SETS)
def test_regions_from_probabilities_equal_get_speech_timestamps(recordings, threshold, min_silence_ms, pad_ms):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    total = 0
    for audio in recordings:
        theirs = get_speech_timestamps(audio, VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms,
                                                         speech_pad_ms=pad_ms))
        probs = vad.speech_probs(audio)
        ours = vad.regions_from_probs(probs, threshold, min_silence_ms, pad_ms)
        assert theirs  # real speech found, not a trivial match of two empty lists
        assert [(c.start, c.end) for c in ours] == [(c["start"], c["end"]) for c in theirs]
        total += len(theirs)
    assert total >= 2


def test_max_speech_split_and_min_speech_follow_their_rule(recordings):
    """The branches the defaults never take (long-region splitting, short-region dropping) are ported too."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    audio = recordings[1]
    opts = dict(threshold=0.3, min_silence_duration_ms=300, speech_pad_ms=100)
    theirs = get_speech_timestamps(audio, VadOptions(min_speech_duration_ms=400, max_speech_duration_s=4.0, **opts))
    ours = vad.regions_from_probs(vad.speech_probs(audio), 0.3, 300, 100, min_speech_ms=400, max_speech_s=4.0)
    assert [(c.start, c.end) for c in ours] == [(c["start"], c["end"]) for c in theirs]


def test_frame_aligned_audio_and_silence():
    aligned = np.zeros(vad.FRAME * 20, np.float32)
    p = vad.speech_probs(aligned)
    assert p.samples == len(aligned) and len(p.probs) == 21  # like theirs: a whole padding frame when aligned
    assert vad.regions_from_probs(p, 0.5, 2000, 400) == []


def test_detect_speech_recomputes_when_the_probabilities_are_for_other_audio(recordings):
    audio = recordings[0]
    stale = SpeechProbs(np.ones(10, np.float32), 10 * vad.FRAME)  # "speech everywhere" for a 10-frame clip
    assert vad.detect_speech(audio, 0.5, 2000, 400, stale) == vad.detect_speech(audio, 0.5, 2000, 400)


def test_diarization_regions_from_the_transcripts_probabilities_equal_a_fresh_run(recordings):
    audio = recordings[0]
    with_probs = Transcript([], "en", speech_probs=vad.speech_probs(audio))
    assert regions.speech_regions(audio, with_probs) == regions.speech_regions(audio, Transcript([], "en"))


def test_probabilities_never_reach_the_serialised_transcript():
    words = (Word(0.0, 0.5, " hi"),)
    t = Transcript([Segment(0, 0.0, 0.5, " hi", words)], "en", speech_probs=SpeechProbs(np.ones(3, np.float32), 1536))
    out = t.to_dict()
    assert "speech_probs" not in out and out["segments"][0]["text"] == " hi"
    assert t.speech_probs is not None  # to_dict did not strip the live record
    assert "speech_probs" not in repr(t)


def test_diarization_does_not_rerun_silero_when_the_transcript_has_probabilities(recordings, monkeypatch):
    audio = recordings[0]
    t = Transcript([], "en", speech_probs=vad.speech_probs(audio))
    expected = regions.speech_regions(audio, t)

    def no_second_run(_audio):
        raise AssertionError("Silero ran again")

    monkeypatch.setattr(vad, "speech_probs", no_second_run)
    assert regions.speech_regions(audio, t) == expected and expected
    with pytest.raises(AssertionError, match="Silero ran again"):  # and without them it does run
        regions.speech_regions(audio, Transcript([], "en"))


@pytest.mark.parametrize("extra", [0, 470])  # aligned; the zeroed 64-sample tail reaching into speech
def test_probabilities_built_batch_by_batch_equal_theirs_bit_for_bit(recordings, extra):
    """Over 10,000 frames (more than one network batch) and every way the end can fall in a frame:
    the batch-at-a-time build holds a batch, not two copies of the hour, and changes no bit."""
    from faster_whisper.vad import get_vad_model

    speech = np.tile(np.concatenate(recordings), 12)
    audio = np.concatenate([speech, speech[: vad.FRAME * 700 + extra]])  # 2 batches and a part (or aligned)
    assert len(audio) // vad.FRAME > 2 * vad.BATCH
    padded = np.pad(audio, (0, vad.FRAME - len(audio) % vad.FRAME))
    theirs = np.asarray(get_vad_model()(padded.copy()), np.float32).reshape(-1)
    ours = vad.speech_probs(audio)
    assert ours.samples == len(audio) and ours.probs.dtype == np.float32
    assert np.array_equal(ours.probs, theirs)
    assert (theirs > 0.5).mean() > 0.3  # real speech, not silence matched to silence


def test_spliced_speech_slices_equal_slices_of_the_concatenation():
    """The decoder's pieces come from the spliced view; every slice must be the concatenation's."""
    rng = np.random.default_rng(7)
    audio = rng.standard_normal(50_000).astype(np.float32)
    chunks = [vad.SpeechChunk(100, 2_000), vad.SpeechChunk(2_000, 2_000), vad.SpeechChunk(2_500, 9_000),
              vad.SpeechChunk(9_001, 9_002), vad.SpeechChunk(30_000, 50_000)]
    whole = np.concatenate([audio[c.start:c.end] for c in chunks])
    spliced = vad.cut(audio, chunks)
    assert len(spliced) == len(whole)
    cuts = [0, 1, 1_899, 1_900, 1_901, 8_400, 8_401, 8_402, len(whole) - 1, len(whole)]
    for lo in cuts:
        for hi in cuts:
            got = spliced[lo:hi]
            assert got.dtype == np.float32 and np.array_equal(got, whole[lo:hi]), (lo, hi)
    assert np.array_equal(spliced[:], whole) and len(vad.cut(audio, [])) == 0 and len(vad.cut(audio, [])[0:5]) == 0


def test_energy_levels_built_by_the_minute_cut_regions_as_the_whole_array_did(monkeypatch):
    """refine_by_energy computes its 10-ms levels a minute at a time (an hour's float64 copy and its
    square were +920 MB at the start of diarization); the regions must be the same as in one block."""
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal(16000 * 150) * np.repeat(rng.uniform(0.0, 1.0, 1500), 1600)).astype(np.float32)
    spans = [(0.5, 40.0), (59.9, 61.2), (70.0, 149.99)]
    blocked = regions.refine_by_energy(audio, spans)
    monkeypatch.setattr(regions, "LEVEL_BLOCK", 10 ** 9)
    assert blocked and regions.refine_by_energy(audio, spans) == blocked
