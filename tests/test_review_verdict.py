"""Verdicts: clean when every check passed (possibly after repair), review with reasons otherwise;
exit code 4 for "done, but review", and a failure wins over it."""
from __future__ import annotations

import json

from mediaanon.errors import EXIT_FAILED, EXIT_OK, EXIT_REVIEW
from mediaanon.records import Segment, Transcript
from mediaanon.review import verdict
from mediaanon.runner import Result, exit_code, results_json, summary_line


def _faces(unresolved=(), repairs=(), gaps=()):
    return {"name": "blur_faces", "status": "done", "summary": {
        "gap_ranges": list(gaps), "verify": {"unresolved_ranges": list(unresolved), "repairs": list(repairs),
                                             "repair_passes": len(repairs)}}}


def test_repaired_checks_are_clean():
    logs = [_faces(repairs=[{"pass": 1, "frames": 3, "ranges": [[1.0, 1.1, 3]]}]),
            {"name": "bleep_pii", "status": "done", "summary": {"leak_check": {
                "leaks": 2, "repairs": [{"pass": 1}], "repair_passes": 1, "unresolved": []}}}]
    v = verdict.judge(logs, Transcript([Segment(0, 0.0, 2.0, " fine", avg_logprob=-0.3)], "en"))
    assert v.status == "clean" and v.reasons == []


def test_each_kind_of_problem_gives_review_with_times_and_no_text():
    logs = [_faces(unresolved=[[4.2, 4.5, 9]], gaps=[[10.0, 10.4], [20.0, 22.5]]),
            {"name": "transcribe", "status": "done", "summary": {
                "dropped_ranges": [{"start": 30.0, "end": 31.0, "reason": "repetition_loop", "words": 12}]}},
            {"name": "bleep_pii", "status": "done", "summary": {"leak_check": {"repair_passes": 2, "unresolved": [
                {"type": "PERSON", "t0": 12.0, "t1": 12.4, "score": 91.0, "part": False, "in_bleep": False}]}}},
            {"name": "anonymize_voice", "status": "not_applicable"}]
    tr = Transcript([Segment(0, 40.0, 42.0, " Abigail mumbled", avg_logprob=-1.4),
                     Segment(1, 42.0, 44.0, " clear speech", avg_logprob=-0.2)], "en")
    d = verdict.judge(logs, tr).to_dict()
    assert d["status"] == "review"
    checks = [(r["check"], r["t0"]) for r in d["reasons"]]
    assert checks == [("faces", 4.2), ("spoken_pii", 12.0), ("face_tracking_gap", 20.0), ("asr_guard", 30.0),
                      ("transcript_confidence", 40.0)]  # the 0.4-s gap is not worth a look
    assert "Abigail" not in json.dumps(d) and "mumbled" not in json.dumps(d)


def test_a_tracking_gap_that_the_second_detector_checked_frame_by_frame_is_no_reason():
    checked = _faces(gaps=[[20.0, 22.5]])
    checked["summary"]["verify"].update({"every": 1, "frames_scanned": 900})
    assert verdict.judge([checked]).status == "clean"
    sampled = _faces(gaps=[[20.0, 22.5]])
    sampled["summary"]["verify"].update({"every": 3, "frames_scanned": 300})
    assert [r.check for r in verdict.judge([sampled]).reasons] == ["face_tracking_gap"]
    unchecked = {"name": "blur_faces", "status": "done", "summary": {"gap_ranges": [[20.0, 22.5]]}}  # verify: false
    assert verdict.judge([unchecked]).status == "review"


def test_exit_codes_failure_wins_over_review():
    clean = Result("a", "done", verdict="clean")
    review = Result("b", "done", verdict="review", exit_code=EXIT_REVIEW)
    failed = Result("c", "failed", exit_code=EXIT_FAILED)
    skipped = Result("d", "skipped")
    assert exit_code([clean, skipped]) == EXIT_OK
    assert exit_code([clean, review]) == EXIT_REVIEW
    assert exit_code([review, failed, clean]) == EXIT_FAILED
    assert exit_code([]) == EXIT_OK
    assert summary_line([clean, review, failed, skipped]) == "2 done (1 need review), 1 failed, 1 skipped"
    assert [r["verdict"] for r in json.loads(results_json([review, failed]))] == ["review", None]
