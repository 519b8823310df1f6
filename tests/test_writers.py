"""Transcript writers: exact SRT/VTT/TXT/JSON text for known segments."""
from __future__ import annotations

import json

from mediaanon import writers

SEGMENTS = [
    {"id": 0, "start": 0.0, "end": 2.5, "text": " My name is [PERSON 1]."},
    {"id": 1, "start": 2.5, "end": 3661.042, "text": "Call me on [PHONE].", "speaker": "SPEAKER_1"},
    {"id": 2, "start": 4000.0, "end": 4001.0, "text": "   "},
]


def test_timestamps():
    assert writers.timestamp(3661.042, ",") == "01:01:01,042"
    assert writers.timestamp(0.0006, ".") == "00:00:00.001"
    assert writers.timestamp(-1, ".") == "00:00:00.000"


def test_srt():
    assert writers.to_srt(SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:02,500\nMy name is [PERSON 1].\n\n"
        "2\n00:00:02,500 --> 01:01:01,042\nSPEAKER_1: Call me on [PHONE].\n"
    )


def test_vtt_and_txt():
    assert writers.to_vtt(SEGMENTS).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nMy name is [PERSON 1].\n")
    assert writers.to_txt(SEGMENTS) == "My name is [PERSON 1].\nSPEAKER_1: Call me on [PHONE].\n"


def test_write_all(tmp_path):
    doc = writers.transcript_document("en", "My name is [PERSON 1].", SEGMENTS, [
        {"type": "PERSON", "replacement": "[PERSON 1]", "t0": 1.0, "t1": 2.0}])
    paths = writers.write_all(tmp_path, ["json", "txt", "srt", "vtt"], doc)
    assert [p.name for p in paths] == ["transcript.json", "transcript.txt", "transcript.srt", "transcript.vtt"]
    assert json.loads((tmp_path / "transcript.json").read_text())["redactions"][0]["replacement"] == "[PERSON 1]"
