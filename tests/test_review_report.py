"""report.html and index.html from a bundle folder: markers by type, review list, privacy guard."""
from __future__ import annotations

import json

import pytest

from mediaanon.errors import StageError
from mediaanon.review import evidence, index, report


def _bundle(tmp_path, verdict=None):
    b = tmp_path / "rec1"
    b.mkdir()
    segs = [{"id": 0, "start": 0.0, "end": 3.0, "text": "I met [PERSON 1] in Harrogate on the 12th.", "speaker": "S1",
             "words": [{"start": 0.0, "end": 0.2, "word": "I"}, {"start": 0.2, "end": 0.5, "word": "met"},
                       {"start": 0.5, "end": 1.2, "word": "[PERSON 1]"}, {"start": 1.2, "end": 1.4, "word": "in"},
                       {"start": 1.4, "end": 2.0, "word": "Harrogate"}, {"start": 2.0, "end": 2.2, "word": "on"},
                       {"start": 2.2, "end": 2.4, "word": "the"}, {"start": 2.4, "end": 3.0, "word": "12th."}]},
            {"id": 1, "start": 3.0, "end": 5.0, "text": "Mark my words, it was [PHONE].", "speaker": "S2",
             "words": [{"start": 3.0, "end": 3.3, "word": "Mark"}, {"start": 3.3, "end": 3.5, "word": "my"},
                       {"start": 3.5, "end": 3.9, "word": "words,"}, {"start": 3.9, "end": 4.0, "word": "it"},
                       {"start": 4.0, "end": 4.2, "word": "was"}, {"start": 4.2, "end": 5.0, "word": "[PHONE]."}]}]
    doc = {"text": " ".join(s["text"] for s in segs), "segments": segs, "redactions": []}
    (b / "transcript.json").write_text(json.dumps(doc))
    log = {"id": "rec1", "input": {"duration": 5.0, "streams": []}, "pipeline": {"name": "transcript"},
           "stages": [{"name": "transcribe", "status": "done", "seconds": 1.0, "summary": {}}],
           "pii": {"total": 2, "counts": {"PERSON": 1, "PHONE": 1}}, "models": [],
           "verdict": verdict or {"status": "clean", "reasons": []}, "outputs": {"files": {}}}
    (b / "processing_log.json").write_text(json.dumps(log))
    return b, log


def test_review_list_finds_kept_identifier_like_words_with_word_numbers():
    segs = json.loads(json.dumps([{"words": [{"start": 0, "end": 1, "word": "Yesterday"},
                                             {"start": 1, "end": 2, "word": "Harrogate"},
                                             {"start": 2, "end": 3, "word": "[PERSON 1]"},
                                             {"start": 3, "end": 4, "word": "flat"},
                                             {"start": 4, "end": 5, "word": "42."},
                                             {"start": 5, "end": 6, "word": "Then"}]}]))
    found = {r["word"]: (r["n"], r["why"]) for r in evidence.review_list(segs)}
    assert found["Harrogate"] == (1, "capitalised") and found["42"] == (4, "number")
    assert "Yesterday" not in found and "Then" not in found  # sentence starts
    assert "[PERSON 1]" not in found and "flat" not in found  # markers; common words


def test_report_marks_types_and_speakers_and_guards_against_removed_strings(tmp_path):
    b, log = _bundle(tmp_path)
    html = report.render(b, log)
    assert '<mark class="marker" data-type="PERSON"' in html and 'data-type="PHONE"' in html
    assert '<span class="spk">S1:</span>' in html and 'data-start="3.0"' in html
    assert "Harrogate" in html  # kept word: listed for review
    # "Mark" was redacted elsewhere but is an ordinary kept word here: the report is not refused for it
    assert report.write(b, log, ["Mark"])["bytes"] > 0
    # a removed string that the bundle does not show must never reach the report (e.g. through a reason)
    bad = {**log, "verdict": {"status": "review", "reasons": [{"check": "x", "detail": "Jane Doe", "t0": 1.0,
                                                               "t1": 2.0}]}}
    with pytest.raises(StageError):
        report.write(b, bad, ["Jane Doe"])


def test_index_rows_failures_then_reviews_then_clean(tmp_path):
    _bundle(tmp_path)
    b2 = tmp_path / "sub" / "rec2"
    b2.parent.mkdir()
    b2.mkdir()
    (b2 / "processing_log.json").write_text(json.dumps({"id": "rec2", "input": {"duration": 2.0}, "stages": [],
                                                        "verdict": {"status": "review", "reasons": [{}]}}))
    (tmp_path / "rec3.failed.json").write_text(json.dumps({"id": "rec3", "stage": "input", "message": "corrupt"}))
    rows = index.rows(tmp_path)
    assert [(r["id"], r["status"]) for r in rows] == [("rec3", "failed"), ("rec2", "review"), ("rec1", "clean")]
    html = index.write(tmp_path).read_text()
    assert "1 failed, 1 need review, 1 clean" in html and not (tmp_path / ".index.html.tmp").exists()
