"""``mediaanon redact-text`` as a user runs it: a subprocess reading stdin or a file.

The JSON contract is that every entity's ``start``/``end`` are character
offsets into the *input* text (not bytes, not the redacted text), so a caller
can slice the original; the plain mode prints only the redacted text; a file
that cannot be read is a usage error (exit 2) with one line on stderr.  One
Redactor (spaCy + Presidio) is built per subprocess, so each call takes a few
seconds; the texts are chosen to cover ASR-style lower case, a spoken phone
number and a spoken e-mail in one go.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Lower case and unpunctuated like ASR output, with a non-ASCII dash before the PII
# so that byte offsets and character offsets would differ.
TEXT = ("so – um – my name is abigail claflin and you can ring me on oh seven seven double oh nine "
        "double one two three four five or email me at abbie dot claflin at gmail dot com thanks\n")
PII = {
    "abigail claflin": ("PERSON", "[PERSON 1]"),
    "oh seven seven double oh nine double one two three four five": ("PHONE", "[PHONE]"),
    "abbie dot claflin at gmail dot com": ("EMAIL", "[EMAIL]"),
}


def redact_text(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "mediaanon", "redact-text", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)


@pytest.fixture(scope="module")
def json_run() -> subprocess.CompletedProcess:
    return redact_text("--json", stdin=TEXT)


def test_json_exit_code_and_shape(json_run: subprocess.CompletedProcess) -> None:
    assert json_run.returncode == 0, json_run.stderr
    out = json.loads(json_run.stdout)
    assert set(out) == {"text", "entities"}
    assert all(set(e) == {"type", "start", "end", "replacement"} for e in out["entities"])


def test_json_offsets_slice_the_input_exactly(json_run: subprocess.CompletedProcess) -> None:
    out = json.loads(json_run.stdout)
    found = {TEXT[e["start"]:e["end"]]: (e["type"], e["replacement"]) for e in out["entities"]}
    assert found == PII  # each PII string exactly, nothing else, right type and marker


def test_json_text_is_the_input_with_markers(json_run: subprocess.CompletedProcess) -> None:
    out = json.loads(json_run.stdout)
    rebuilt, pos = "", 0
    for e in sorted(out["entities"], key=lambda e: e["start"]):
        rebuilt += TEXT[pos:e["start"]] + e["replacement"]
        pos = e["end"]
    assert rebuilt + TEXT[pos:] == out["text"]
    for original in PII:
        assert original not in out["text"]
    assert "so – um – my name is [PERSON 1]" in out["text"]


def test_plain_mode_prints_the_redacted_text(tmp_path: Path) -> None:
    """From a file, with a names list: a known name inside the spoken address must not make it a [PERSON]."""
    src = tmp_path / "notes.txt"
    src.write_text(TEXT, encoding="utf-8")
    names = tmp_path / "names.txt"
    names.write_text("PERSON: Abigail Claflin | Abbie\n", encoding="utf-8")
    run = redact_text(str(src), "--names", str(names))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ("so – um – my name is [PERSON 1] and you can ring me on [PHONE] or email me at "
                          "[EMAIL] thanks\n")


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    run = redact_text(str(tmp_path / "missing.txt"))
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in run.stderr
    assert "missing.txt" not in lines[0]  # file names may themselves be personal data

