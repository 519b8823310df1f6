"""The ``redact_transcript`` stage: PII spans with times, redacted segments, key, summary.

Built once per module (the stage loads spaCy in ``__init__``).  Real
transcripts come from ../shared/media: the AMI clip's reference (all caps,
"I'M ABIGAIL CLAFLIN" / "YOU CAN CALL ME ABBIE") and pyannote's two-speaker
sample (names and US places in speech), as segment-timed transcripts.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from mediaanon.errors import ConfigError, StageError
from mediaanon.hooks import Progress
from mediaanon.recording import Recording
from mediaanon.records import Probe, Segment, Stream, Transcript, Word
from mediaanon.registry import stage_class
from mediaanon.stage import RunContext


@pytest.fixture(scope="module")
def names_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("names") / "names.txt"
    p.write_text("PERSON: Abigail Claflin | Abbie\nPLACE: Millbrook\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def stage(names_file: Path):
    return stage_class("redact_transcript")({}, RunContext(names_file=names_file))


def recording(tmp_path: Path, segments: list[Segment]) -> Recording:
    probe = Probe("wav", 30.0, (Stream(0, "audio", "pcm_s16le", 30.0, sample_rate=16000, channels=1),))
    rec = Recording(id="rec-1", source=tmp_path / "in.wav", probe=probe, scratch=tmp_path)
    rec.transcript = Transcript(segments=segments, language="en")
    rec.facts.update({"audio", "transcript"})
    return rec


def words(start: float, text: str, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(Word(round(start + i * step, 3), round(start + i * step + step * 0.8, 3), " " + w)
                 for i, w in enumerate(text.split()))


def seg(i: int, start: float, text: str, speaker: str | None = None) -> Segment:
    ws = words(start, text)
    return Segment(i, start, ws[-1].end, "".join(w.word for w in ws), ws, speaker=speaker)


def test_stage_contract(stage) -> None:
    assert stage.name == "redact_transcript"
    assert stage.requires == {"transcript"} and stage.assigns == {"pii"}
    assert stage.media_kinds == {"audio", "video"}
    assert stage.models_used and stage.models_used[0].name == "en_core_web_sm" and len(stage.models_used[0].sha256) == 64


def test_unknown_option_fails_before_media() -> None:
    with pytest.raises(ConfigError):
        stage_class("redact_transcript")({"threshold": 0.5}, RunContext())


def test_redacts_with_word_times(stage, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    segments = [
        seg(0, 0.0, "um so my name is abigail clafflin", speaker="SPEAKER_00"),
        seg(1, 4.0, "my mobile is oh seven seven double oh nine double one two three four five", speaker="SPEAKER_00"),
        seg(2, 12.0, "everyone calls me abbie and i live in millbrook", speaker="SPEAKER_01"),
    ]
    rec = recording(tmp_path, segments)
    events: list[Progress] = []
    summary = stage(rec, events.append)

    assert "pii" in rec.facts
    by_text = {rec.transcript.text[s.start:s.end]: s for s in rec.pii}
    name = by_text["abigail clafflin"]
    assert (name.t0, name.t1, name.timing) == (2.0, 2.72, "words")
    phone = by_text["oh seven seven double oh nine double one two three four five"]
    assert phone.type == "PHONE" and phone.t0 == 5.2 and phone.timing == "words"
    assert by_text["abbie"].replacement == name.replacement == "[PERSON 1]"  # known-names entry links them
    assert by_text["millbrook"].replacement == "[PLACE 1]"

    assert rec.redacted_text == "um so my name is [PERSON 1] my mobile is [PHONE] everyone calls me [PERSON 1] and i live in [PLACE 1]"
    assert [s["text"] for s in rec.redacted_segments] == [
        "um so my name is [PERSON 1]", "my mobile is [PHONE]", "everyone calls me [PERSON 1] and i live in [PLACE 1]"]
    assert rec.redacted_segments[2]["speaker"] == "SPEAKER_01" and rec.redacted_segments[1]["start"] == 4.0
    assert rec.key["[PERSON 1]"] == "abigail clafflin" and rec.key["[PLACE 1]"] == "millbrook"

    assert summary["by_type"] == {"PERSON": 2, "PHONE": 1, "PLACE": 1}
    assert summary["timing"] == {"words": 4}
    assert [r[2] for r in summary["time_ranges"]] == ["PERSON", "PHONE", "PERSON", "PLACE"]
    assert "known_names" in summary["found_by"] and "asr_rules" in summary["recognizers"]
    assert events and events[-1].stage == "redact_transcript"

    logged = json.dumps(summary).lower() + caplog.text.lower() + repr(events).lower()
    for original in ("abigail", "clafflin", "abbie", "millbrook", "seven seven"):
        assert original not in logged


def test_span_across_segments_and_untimed_words(stage, tmp_path: Path) -> None:
    a = seg(0, 0.0, "i work at st marys")
    b_words = (Word(3.0, 3.0, " hospital"), Word(3.3, 3.6, " in"), Word(3.7, 4.1, " leeds"))
    b = Segment(1, 3.0, 4.2, "".join(w.word for w in b_words), b_words)
    rec = recording(tmp_path, [a, b])
    stage(rec, lambda p: None)
    org = next(s for s in rec.pii if s.type == "ORGANIZATION")
    assert rec.transcript.text[org.start:org.end] == "st marys hospital"
    assert org.timing == "widened" and org.t0 == 1.2 and org.t1 == 3.3
    assert [s["text"] for s in rec.redacted_segments] == ["i work at [ORGANIZATION 1]", "in [PLACE 2]"]  # PLACE 1 is the known Millbrook


def test_no_transcript_is_an_error(stage, tmp_path: Path) -> None:
    rec = recording(tmp_path, [])
    rec.transcript = None
    with pytest.raises(StageError):
        stage(rec, lambda p: None)


def test_empty_transcript(stage, tmp_path: Path) -> None:
    rec = recording(tmp_path, [Segment(0, 0.0, 1.0, " ")])
    summary = stage(rec, lambda p: None)
    assert rec.pii == [] and rec.redacted_text == "" and rec.redacted_segments == [] and summary["spans"] == 0


def test_ami_reference_all_caps(stage, media, tmp_path: Path) -> None:
    cut = json.loads(media("audio/lhotse/ami_cuts.json").read_text())[0]
    segments = [Segment(i, s["start"], s["start"] + s["duration"], " " + s["text"], speaker=s["speaker"])
                for i, s in enumerate(cut["supervisions"])]
    rec = recording(tmp_path, segments)
    stage(rec, lambda p: None)
    assert [s["text"] for s in rec.redacted_segments] == ["I'M [PERSON 1]", "YOU CAN CALL ME [PERSON 1]"]
    assert [(s.t0, s.t1, s.timing) for s in rec.pii] == [(1.46, 2.82, "segment"), (3.36, 4.36, "segment")]


def test_pyannote_sample_names_and_places(stage, media, tmp_path: Path) -> None:
    segments = []
    for i, line in enumerate(media("audio/pyannote/sample.stm").read_text().splitlines()):
        _, _, speaker, t0, t1, text = line.split(" ", 5)
        segments.append(Segment(i, float(t0), float(t1), " " + text, speaker=speaker))
    rec = recording(tmp_path, segments)
    summary = stage(rec, lambda p: None)
    text = rec.redacted_text
    for original in ("Diane", "Sheila", "Chicago", "New Jersey", "Texas"):
        assert original not in text, text
    assert "Yankee" not in json.dumps(summary)
    assert summary["timing"] == {"segment": summary["spans"]}
    # "I'm Sheila in Texas, originally from Chicago." -> the speaker label survives, the words do not
    assert any(s.get("speaker") == "Sheila" and "[PERSON" in s["text"] for s in rec.redacted_segments)
