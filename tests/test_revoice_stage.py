"""anonymize_voice method=revoice with the real voice: timing, layouts, markers, speakers,
the English-only refusal, the load-time refusal, and a CLI run on real audio and video."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

import mediafactory
from mediaanon import pipeline as pl
from mediaanon.errors import ConfigError, StageError
from mediaanon.hooks import no_hook
from mediaanon.media.probe import probe
from mediaanon.recording import Recording
from mediaanon.records import Segment, Transcript, Word
from mediaanon.stage import RunContext

SLOTS = [(0.4, 2.6, "Good morning and welcome to the archive."),
         (3.1, 5.6, "We recorded this talk on a rainy day."),
         (6.3, 8.6, "Thank you for listening to the end.")]


@pytest.fixture(scope="module")
def stage():
    from mediaanon.stages.anonymize_voice import AnonymizeVoice

    s = AnonymizeVoice({"method": "revoice", "revoice_background": "silence", "similarity": False}, RunContext())
    yield s
    s.close()


def two_tracks(tmp_path, seconds=9.5):
    """mono 16 kHz + stereo 48 kHz streams of loud tones: the original that must never come back."""
    dst = tmp_path / "two.mka"
    return mediafactory.make(
        dst, "-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate=16000:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=700:sample_rate=48000:duration={seconds}",
        "-filter_complex", "[1:a]aformat=channel_layouts=stereo[st]", "-map", "0:a", "-map", "[st]", "-c:a", "flac")


def recording(tmp_path, src, slots=SLOTS, language="en", speakers=None):
    rec = Recording("rv", src, probe(src), tmp_path)
    segs = []
    for i, (a, b, text) in enumerate(slots):
        words = text.split()
        step = (b - a - 0.2) / len(words)
        ws = tuple(Word(a + k * step, a + (k + 1) * step, " " + w) for k, w in enumerate(words))
        segs.append(Segment(i, a, b, text, ws, speaker=speakers[i] if speakers else None))
    rec.transcript = Transcript(segs, language)
    rec.redacted_segments = [{"id": s.id, "start": s.start, "end": s.end, "text": s.text,
                              **({"speaker": s.speaker} if s.speaker else {})} for s in segs]
    rec.facts |= {"transcript", "pii"}
    return rec


def onsets(x: np.ndarray, rate: int, gap_s: float = 0.3) -> list[float]:
    hop = rate // 100
    env = np.abs(x[: len(x) // hop * hop]).reshape(-1, hop).max(axis=1)
    loud = np.flatnonzero(env > 0.02)
    if loud.size == 0:
        return []
    out = [loud[0]] + [loud[i] for i in range(1, len(loud)) if loud[i] - loud[i - 1] > gap_s * 100]
    return [k / 100 for k in out]


def test_every_track_and_layout_is_revoiced_on_the_original_timeline(stage, tmp_path):
    src = two_tracks(tmp_path)
    rec = recording(tmp_path, src)
    originals = rec.original_audio_tracks()
    summary = stage(rec, no_hook)
    assert summary["method"] == "revoice" and summary["spoken_utterances"] == 3 and summary["tracks"] == 2
    assert {"audio_edited", "voice_transformed"} <= rec.facts
    for orig, new in zip(originals, rec.audio_tracks):
        a, ra = sf.read(orig, dtype="float32", always_2d=True)
        b, rb = sf.read(new, dtype="float32", always_2d=True)
        assert (rb, b.shape) == (ra, a.shape)  # rate, frames and channels kept
        assert np.array_equal(b[:, 0], b[:, -1])
        starts = onsets(b[:, 0], rb)
        # each utterance starts within 0.1 s of its original slot; nothing is said before or between
        assert len(starts) >= 3
        for slot_start, _end, _t in SLOTS:
            assert min(abs(s - slot_start) for s in starts) <= 0.1
        assert starts[0] >= SLOTS[0][0] - 0.1
        # between utterances: digital silence, never the original tone
        assert not b[: int((SLOTS[0][0] - 0.05) * rb)].any()
        spec = np.abs(np.fft.rfft(b[:, 0]))
        tone_hz = 1000 if ra == 16000 else 700
        k = int(tone_hz * len(b) / rb)
        assert spec[k - 2:k + 3].max() < 0.05 * np.abs(np.fft.rfft(a[:, 0]))[k - 2:k + 3].max()


def test_marker_only_phrase_is_spoken_or_silent(tmp_path):
    from mediaanon.stages.anonymize_voice import AnonymizeVoice

    src = mediafactory.tone(tmp_path / "t.wav", seconds=4.0)
    for markers, expect_speech in (("spoken", True), ("silent", False)):
        s = AnonymizeVoice({"method": "revoice", "revoice_markers": markers, "revoice_background": "silence",
                            "similarity": False}, RunContext())
        scratch = tmp_path / markers
        scratch.mkdir()
        rec = recording(scratch, src, slots=[(1.0, 2.5, "[PERSON 1]")])
        summary = s(rec, no_hook)
        y, rate = sf.read(rec.audio_tracks[0], dtype="float32")
        assert summary["markers"] == 1
        assert bool(np.abs(y).max() > 0.05) is expect_speech
        if expect_speech:
            assert onsets(y, rate)[0] == pytest.approx(1.0, abs=0.1)
        s.close()


def test_each_speaker_gets_a_distinct_voice(stage, tmp_path):
    import pyworld

    src = mediafactory.tone(tmp_path / "t.wav", seconds=6.0, rate=22050)
    text = "Now we can talk about the weather."
    rec = recording(tmp_path, src, slots=[(0.5, 2.7, text), (3.2, 5.5, text)], speakers=["S1", "S2"])
    summary = stage(rec, no_hook)
    assert summary["speakers"] == 2
    y, rate = sf.read(rec.audio_tracks[0])
    f0s = []
    for a, b in ((0.5, 2.9), (3.2, 5.9)):
        # harvest, not dio: dio jumps an octave on this voice now and then, which made the check flaky
        f0, _ = pyworld.harvest(np.ascontiguousarray(y[int(a * rate):int(b * rate)]), rate)
        f0s.append(np.median(f0[f0 > 0]))
    assert 12 * np.log2(f0s[1] / f0s[0]) > 3.0  # S2 speaks about 5 semitones higher


def test_other_languages_fail_closed_or_take_the_requested_dsp_method(stage, tmp_path):
    from mediaanon.stages.anonymize_voice import AnonymizeVoice

    src = mediafactory.tone(tmp_path / "t.wav", seconds=3.0)
    rec = recording(tmp_path, src, slots=[(0.5, 2.0, "Hyvää huomenta")], language="fi")
    with pytest.raises(StageError, match="English only.*'fi'"):
        stage(rec, no_hook)
    assert rec.audio_tracks[0].name == "audio_in_0.wav"  # nothing replaced
    dsp = AnonymizeVoice({"method": "revoice", "revoice_fallback": "mcadams", "similarity": False, "seed": 1},
                         RunContext(study_key=b"k"))
    summary = dsp(rec, no_hook)
    assert summary["method"] == "mcadams" and summary["instead_of"] == "revoice" and "alpha" in summary
    dsp.close()


def test_revoice_without_a_redacted_transcript_is_refused_at_load_time():
    for stages in ([{"anonymize_voice": {"method": "revoice"}}],
                   [{"transcribe": {}}, {"anonymize_voice": {"method": "revoice"}}]):
        spec = pl.parse_spec({"stages": stages}, "x")
        with pytest.raises(ConfigError, match=r"anonymize_voice \(with method=revoice\) requires .*pii"):
            pl.build(spec, RunContext())  # refused before any model is loaded
    # the DSP methods need no transcript; revoice after redact_transcript passes the dataflow check
    pl.check_dataflow([pl.stage_class("anonymize_voice")], [{}])
    spec = pl.apply_overrides(pl.load_spec("interview-voice"), ["anonymize_voice.method=revoice"])
    pl.check_dataflow([pl.stage_class(n) for n, _ in spec.stages], [o for _, o in spec.stages])


def test_cli_revoices_audio_and_video(media, tmp_path, repo):
    jfk = media("audio/whisper_jfk.flac")
    clip = media("video/sadtalker/WDA_AlexandriaOcasioCortez_000.mp4")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "mediaanon", "run", str(jfk), str(clip), "-o", str(out),
                           "-p", "interview-voice", "--set", "anonymize_voice.method=revoice",
                           "--set", "anonymize_voice.similarity=false"],
                          capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for bundle, media_file in (("whisper_jfk", "media.flac"), ("WDA_AlexandriaOcasioCortez_000", "media.mp4")):
        log = json.loads((out / bundle / "processing_log.json").read_text())
        (voice,) = [s for s in log["stages"] if s["name"] == "anonymize_voice"]
        assert voice["summary"]["method"] == "revoice" and voice["summary"]["spoken_utterances"] >= 1
        assert (out / bundle / media_file).is_file()
    # the re-voiced JFK clip still says what the transcript says
    from faster_whisper import WhisperModel

    from mediaanon.models import resolve

    model = WhisperModel(str(resolve("whisper-tiny.en").path), compute_type="int8", cpu_threads=2)
    segs, _ = model.transcribe(str(out / "whisper_jfk" / "media.flac"), language="en")
    heard = " ".join(s.text for s in segs).lower()
    assert "country" in heard and "ask" in heard
