"""Diarization on real speech (Resemblyzer + Silero, offline): stereo recorders, one speaker, two.

Recordings are built from the shared LibriSpeech test-other set (skipped on a
fresh clone); the full figures are in ``bench/diarize.py``.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from mediaanon.speakers import der, stereo
from mediaanon.speakers.records import Turn

pytestmark = pytest.mark.slow
RATE = 16000


@pytest.fixture(scope="module")
def diarizer():
    from mediaanon.speakers.diarize import Diarizer

    return Diarizer()


def utterances(media, speaker, n):
    folder = media(f"audio/librispeech_test-other/{speaker}")
    return [sf.read(str(f), dtype="float32")[0] for f in sorted(folder.glob("*.flac"))[:n]]


def alternate(parts, pause=0.5):
    """[(speaker, audio)] joined with pauses; the exact reference turns."""
    audio, turns, t = [], [], 0.0
    for spk, x in parts:
        audio += [x, np.zeros(int(pause * RATE), np.float32)]
        turns.append(Turn(t, t + len(x) / RATE, spk))
        t += len(x) / RATE + pause
    return np.concatenate(audio), turns


def test_stereo_recorder_is_detected_and_split_by_channel(diarizer, media):
    x, rate = sf.read(str(media("audio/fasterwhisper_stereo_diarization.wav")), dtype="float32", always_2d=True)
    assert rate == RATE and x.shape[1] == 2
    d = diarizer.diarize(x.mean(1), channels=(x[:, 0], x[:, 1]))
    assert d.method == "stereo" and d.speakers == ["S1", "S2"]
    left = [t for t in d.turns if t.speaker == "S1"]
    right = [t for t in d.turns if t.speaker == "S2"]
    assert left[0].start < 0.5 and left[-1].end > 4.5  # the left voice talks to the end
    assert 2.0 < right[-1].end < 3.0  # the right voice stops after ~2.4 s
    assert d.overlaps and d.overlaps[0][1] - d.overlaps[0][0] > 1.5  # both talk at once: marked, not hidden


def test_stereo_copies_and_room_stereo_are_not_taken_for_two_recorders(media):
    a = np.concatenate(utterances(media, "1688", 2))
    assert stereo.detect(a, a.copy()) is None  # mono in both channels
    assert stereo.detect(a, 0.5 * a + 0.01 * np.random.default_rng(0).standard_normal(len(a)).astype(np.float32)) is None


def test_one_speaker_recording_gets_one_label(diarizer, media):
    audio, ref = alternate([("a", x) for x in utterances(media, "3080", 5)])
    d = diarizer.diarize(audio)
    assert d.speakers == ["S1"] and d.method == "single"
    score = der.der(ref, d.turns)  # the reference counts whole utterances, pauses included: only misses remain
    assert score.confusion == 0 and score.false_alarm < 0.5 and score.der < 0.25


def test_two_speakers_with_short_answers(diarizer, media):
    q, a = utterances(media, "2414", 5), utterances(media, "367", 5)
    parts = [("q", q[0]), ("a", a[0][: RATE]), ("q", q[1]), ("a", a[1]), ("q", q[2]), ("a", a[2][: RATE]),
             ("q", q[3]), ("a", a[3])]
    audio, ref = alternate(parts, pause=0.4)
    d = diarizer.diarize(audio)
    assert d.speakers == ["S1", "S2"]
    assert d.turns[0].speaker == "S1"  # the first voice is S1
    score = der.der(ref, d.turns)
    assert score.confusion / score.total < 0.05 and score.der < 0.25, score
    fixed = diarizer.diarize(audio, speakers="2")
    assert fixed.speakers == ["S1", "S2"]
    for field in dataclasses.fields(d):  # embeddings never leave the speakers package
        assert not isinstance(getattr(d, field.name), np.ndarray)
    assert all(isinstance(t, Turn) for t in d.turns)


def _numeric_runs(value, found):
    """Longest lists of numbers anywhere in a JSON value (an embedding would be 256 floats)."""
    if isinstance(value, list):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            found.append(len(value))
        for v in value:
            _numeric_runs(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _numeric_runs(v, found)
    return found


def test_bundle_has_speakers_everywhere_and_no_embeddings(media, tmp_path):
    q, a = utterances(media, "1688", 3), utterances(media, "533", 3)
    audio, _ = alternate([("q", q[0]), ("a", a[0]), ("q", q[1]), ("a", a[1])])
    src = tmp_path / "talk.wav"
    sf.write(str(src), audio, RATE)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "mediaanon", "run", str(src), "-o", str(out), "-p", "transcript",
                           "--speaker-names", "Interviewer,Participant", "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    bundle = out / "talk"
    rttm_lines = (bundle / "speakers.rttm").read_text().splitlines()
    assert {line.split()[7] for line in rttm_lines} == {"Interviewer", "Participant"}
    doc = json.loads((bundle / "transcript.json").read_text())
    assert doc["speakers"]["labels"] == ["Interviewer", "Participant"]
    assert {s["speaker"] for s in doc["segments"]} == {"Interviewer", "Participant"}
    assert (bundle / "transcript.txt").read_text().startswith("Interviewer: ")
    assert "<v Participant>" in (bundle / "transcript.vtt").read_text()
    log = json.loads((bundle / "processing_log.json").read_text())
    stage = next(s for s in log["stages"] if s["name"] == "diarize_speakers")
    assert set(stage["summary"]["per_speaker"]) == {"Interviewer", "Participant"}
    assert all(v["turns"] >= 2 for v in stage["summary"]["per_speaker"].values())
    for name in ("processing_log.json", "transcript.json"):
        runs = _numeric_runs(json.loads((bundle / name).read_text()), [])
        assert max(runs, default=0) < 32, name  # no vector of floats anywhere
    assert not any(p.suffix in (".npy", ".npz", ".pt") for p in bundle.rglob("*"))


def test_one_blas_thread_changes_no_turn_and_is_undone_after(diarizer, media):
    """``diarize`` holds numpy's BLAS to one thread (CPU on shared cores); the turns are the same."""
    from threadpoolctl import threadpool_info

    before = [i["num_threads"] for i in threadpool_info()]
    parts = utterances(media, "1688", 3) + utterances(media, "2033", 3)
    audio, _ = alternate([("a", parts[0]), ("b", parts[3]), ("a", parts[1]), ("b", parts[4])])
    limited = diarizer.diarize(audio, None, "auto")
    assert limited.turns == diarizer._diarize(audio, None, "auto", None, True).turns
    assert len(limited.speakers) == 2
    assert [i["num_threads"] for i in threadpool_info()] == before
