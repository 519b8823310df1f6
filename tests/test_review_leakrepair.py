"""Leak repair: a removed string heard again outside the bleeps is bleeped and redacted, then re-checked."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from mediaanon.hooks import no_hook
from mediaanon.media.probe import probe
from mediaanon.records import PiiSpan
from mediaanon.recording import Recording
from mediaanon.stage import RunContext

pytestmark = pytest.mark.slow
SAID = ("Hello. My name is Abigail Claflin and I live in Leeds. People call me Abigail at work, "
        "and that is all.")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed")
    d = tmp_path_factory.mktemp("say")
    wav = d / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(d / "raw.wav"), SAID], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(d / "raw.wav"), "-ar", "16000", "-ac", "1", str(wav)],
                   check=True)
    return wav


def test_second_mention_missed_by_redaction_is_repaired(spoken, tmp_path, caplog):
    from mediaanon.stages.bleep_pii import BleepPii

    stage = BleepPii({}, RunContext())
    rec = Recording("say", spoken, probe(spoken), tmp_path)
    rec.transcript = stage.engine.transcribe(rec.speech())
    text = rec.transcript.text
    first = text.find("Abigail")
    second = text.find("Abigail", first + 1)
    if first < 0 or second < 0:
        pytest.skip("the recogniser did not hear the name twice")
    # the redaction found only the first mention (as a missed second mention would be)
    span = PiiSpan("PERSON", first, first + len("Abigail"), 0.9, "test", "[PERSON 1]")
    from mediaanon.redaction import wordtimes
    from mediaanon.redaction.timemap import TimeMap

    tr = TimeMap(rec.transcript).time(span.start, span.end)
    span = PiiSpan("PERSON", span.start, span.end, 0.9, "test", "[PERSON 1]", tr.t0, tr.t1)
    rec.pii = [span]
    rec.redacted_text = text[:first] + "[PERSON 1]" + text[span.end:]
    rec.redacted_segments = wordtimes.redacted_segments(rec.transcript, [span])
    rec.facts.add("pii")
    summary = stage(rec, no_hook)
    stage.close()
    check = summary["leak_check"]
    assert check["leaks"] >= 1, "the unredacted second mention must be heard"
    assert check["repair_passes"] >= 1 and check["unresolved"] == []
    assert check["words_redacted"] >= 1
    # the second mention is now redacted with the same marker, in the text and in the word list
    assert "Abigail" not in rec.redacted_text and rec.redacted_text.count("[PERSON 1]") == 2
    words = [w["word"] for s in rec.redacted_segments for w in s["words"]]
    assert "Abigail" not in " ".join(words) and words.count("[PERSON 1]") == 2
    assert any(s.recognizer == "leak_check" for s in rec.pii)
    # repaired ranges are logged with times; the name is nowhere in the summary or the log
    assert all(len(r) == 2 for rep in check["repairs"] for r in rep["ranges"])
    assert "Abigail" not in repr(summary) and "Abigail" not in caplog.text
    assert rec.audio_tracks[0].name.startswith("audio_repaired")
