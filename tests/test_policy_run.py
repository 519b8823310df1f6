"""Policies and languages in a run: the stage picks the transcript's language, logs language, pipeline and
policy, warns on a model that transcribes the language poorly; bad policies are usage errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mediaanon.errors import ConfigError
from mediaanon.recording import Recording
from mediaanon.records import Probe, Segment, Stream, Transcript, Word
from mediaanon.redaction.options import RedactionOptions
from mediaanon.redaction import policy as pol
from mediaanon.registry import stage_class
from mediaanon.stage import RunContext


def test_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: fsd, hipaa, strict, ukds"):
        pol.load("gdpr-ish")


@pytest.mark.parametrize("body,match", [
    ("options: {keep_years: maybe}\n", "keep_years"),
    ("options: {colour: red}\n", "unknown option"),
    ("ages: round\n", "ages must be one of"),
    ("wat: 1\n", "unknown key"),
    ("options: [\n", "does not parse"),
])
def test_broken_policy_files_are_config_errors(tmp_path: Path, body: str, match: str) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        pol.load(f)


def test_a_policy_file_of_ones_own(tmp_path: Path) -> None:
    f = tmp_path / "archive.yaml"
    f.write_text("description: ours\nremoves: [names]\noptions: {keep_years: false}\nages: bands\n", encoding="utf-8")
    p = pol.load(f)
    assert p.name == "archive" and p.apply(RedactionOptions()).keep_years is False
    assert p.marker("AGE", "forty seven", "[AGE]") == "[AGE: 40-49]"
    assert p.marker("AGE", "unclear", "[AGE]") == "[AGE]"  # not readable: fully removed, never guessed


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mediaanon", *args], capture_output=True, text=True, timeout=300)


def test_run_policy_unknown_is_exit_2_before_any_media(tmp_path: Path) -> None:
    src = tmp_path / "in.wav"
    src.write_bytes(b"not audio")
    run = cli("run", str(src), "-o", str(tmp_path / "out"), "--policy", "nope")
    assert run.returncode == 2 and "unknown policy" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_run_policy_needs_a_redaction_stage(tmp_path: Path) -> None:
    src = tmp_path / "in.wav"
    src.write_bytes(b"x")
    run = cli("run", str(src), "-o", str(tmp_path / "out"), "-p", "faces", "--policy", "hipaa")
    assert run.returncode == 2 and "redact_transcript" in run.stderr


def recording(tmp_path: Path, text: str, language: str, model: str) -> Recording:
    probe = Probe("wav", 30.0, (Stream(0, "audio", "pcm_s16le", 30.0, sample_rate=16000, channels=1),))
    rec = Recording(id="rec-1", source=tmp_path / "in.wav", probe=probe, scratch=tmp_path)
    ws = tuple(Word(round(i * 0.4, 3), round(i * 0.4 + 0.3, 3), " " + w) for i, w in enumerate(text.split()))
    rec.transcript = Transcript(segments=[Segment(0, 0.0, ws[-1].end, "".join(w.word for w in ws), ws)],
                                language=language, model=model)
    rec.facts.update({"audio", "transcript"})
    return rec


@pytest.mark.slow
def test_stage_uses_the_transcript_language_and_logs_policy_and_pipeline(tmp_path: Path) -> None:
    pytest.importorskip("spacy_fi_experimental_web_md", reason="install mediaanon[fi]")
    stage = stage_class("redact_transcript")({"policy": "fsd"}, RunContext())
    rec = recording(tmp_path, "Mä oon Mikko Virtanen ja asun Tampereella, oon 47-vuotias.", "fi", "whisper-base")
    summary = stage(rec, lambda event: None)
    assert summary["language"] == "fi" and summary["policy"] == "fsd"
    assert summary["pipeline"]["name"] == "spacy_fi_experimental_web_md" and len(summary["pipeline"]["sha256"]) == 64
    assert "55 %" in summary["transcription_warning"]
    assert "Virtanen" not in rec.redacted_text and "[AGE: 40-49]" in rec.redacted_text
    assert any(m.name == "spacy_fi_experimental_web_md" for m in stage.models_used)
    assert stage.options.keep_months is True  # fsd's value: the processing log's filled options are the effective ones


@pytest.mark.slow
def test_stage_fails_the_recording_closed_for_a_language_without_pipeline(tmp_path: Path) -> None:
    stage = stage_class("redact_transcript")({}, RunContext())
    rec = recording(tmp_path, "Jeg hedder Mette og bor i Aarhus.", "da", "whisper-base")
    with pytest.raises(Exception, match="rules-only"):
        stage(rec, lambda event: None)
    assert rec.redacted_text is None and "pii" not in rec.facts  # nothing half-redacted is left on it
