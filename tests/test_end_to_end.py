"""End to end on real speech: the CLI, every transcript format redacted, no PII anywhere else.

The AMI clip says "I'm Abigail Claflin … you can call me Abbie".  After a run,
the name must be gone from every transcript format, and no log, failure
record, progress line or result line may contain it.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

NAME_PARTS = re.compile(r"abigail|claflin|clafflin|abbie|abby", re.I)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "mediaanon", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def ami_run(tmp_path_factory, shared_media):
    src = shared_media / "audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav"
    if not src.exists():
        pytest.skip("AMI clip missing")
    tmp = tmp_path_factory.mktemp("e2e")
    inputs = tmp / "in"
    inputs.mkdir()
    # the file name itself is PII: the hash id must hide it
    named = inputs / "interview_Abigail_Claflin.wav"
    named.write_bytes(src.read_bytes())
    broken = inputs / "Abbie_broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    out = tmp / "out"
    keyfile = tmp / "secrets" / "study.key"
    reid = tmp / "secrets" / "reid.json"
    proc = run_cli("run", inputs, "-o", out, "-p", "transcript", "--id-from", "hash", "--key-file", keyfile,
                   "--key-out", reid, "-v", "--json")
    return proc, out, reid, named


def test_exit_code_and_results(ami_run):
    proc, out, _, _ = ami_run
    assert proc.returncode == 1, proc.stderr  # one input is broken
    results = json.loads(proc.stdout)
    assert sorted(r["status"] for r in results) == ["done", "failed"]


def test_name_redacted_in_every_transcript_format(ami_run):
    _, out, _, _ = ami_run
    bundles = [p for p in out.iterdir() if p.is_dir()]
    assert len(bundles) == 1
    b = bundles[0]
    for fmt in ("json", "txt", "srt", "vtt"):
        text = (b / f"transcript.{fmt}").read_text()
        assert not NAME_PARTS.search(text), fmt
        assert "[PERSON" in text, fmt
    doc = json.loads((b / "transcript.json").read_text())
    persons = [r for r in doc["redactions"] if r["type"] == "PERSON"]
    assert persons and all(0.5 <= r["t0"] < r["t1"] <= 6.0 for r in persons)


def test_no_pii_in_logs_records_or_output(ami_run):
    proc, out, reid, named = ami_run
    assert not NAME_PARTS.search(proc.stderr)
    assert not NAME_PARTS.search(proc.stdout)
    for p in out.rglob("*"):
        if p.is_file() and not p.name.startswith("transcript."):
            assert not NAME_PARTS.search(p.read_text(errors="replace")), p.name
        assert not NAME_PARTS.search(p.name)
    failed = list(out.glob("*.failed.json"))
    assert len(failed) == 1
    rec = json.loads(failed[0].read_text())
    assert rec["stage"] == "input" and "Traceback" not in rec["message"]


def test_processing_log_contents(ami_run):
    _, out, _, _ = ami_run
    b = next(p for p in out.iterdir() if p.is_dir())
    log = json.loads((b / "processing_log.json").read_text())
    assert log["schema"] == "mediaanon.processing_log/1"
    names = [s["name"] for s in log["stages"]]
    assert names == ["transcribe", "diarize_speakers", "redact_transcript"]
    assert log["pii"]["counts"].get("PERSON", 0) >= 1
    assert {m["name"] for m in log["models"]} >= {"whisper-tiny.en", "en_core_web_sm"}
    assert all(len(m["sha256"]) == 64 for m in log["models"])
    assert log["input"]["streams"][0]["kind"] == "audio"
    assert "transcribe" in log["pipeline"]["stages"][0]


def test_reidentification_key_kept_apart(ami_run):
    _, out, reid, named = ami_run
    key = json.loads(reid.read_text())
    originals = " ".join(v for b in key["bundles"].values() for v in b.values())
    assert NAME_PARTS.search(originals)
    assert not any(p.name == reid.name for p in out.rglob("*"))
    assert named.exists() and named.stat().st_size > 1000  # input untouched
