"""The runner and bundle writer: atomic bundles, fail-closed records, stripped metadata."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaanon import pipeline as pl
from mediaanon import registry, runner
from mediaanon.errors import ConfigError
from mediaanon.media.output import metadata_tags
from mediaanon.media.probe import probe
from mediaanon.stage import RunContext

import mediafactory
from _stages import TEST_STAGES


@pytest.fixture(autouse=True)
def test_stages(monkeypatch):
    for k, v in TEST_STAGES.items():
        monkeypatch.setitem(registry.STAGES, k, v)


def build(stages, output=None):
    spec = pl.parse_spec({"stages": stages, "output": output or {}}, "test")
    return pl.build(spec, RunContext())


def test_audio_bundle_is_complete_and_metadata_free(tmp_path):
    src = mediafactory.tone(tmp_path / "in.wav", seconds=1.5, channels=2)
    out = tmp_path / "out"
    results = runner.run([src], out, build([{"test_gain": {"gain": 0.5}}], {"audio_format": "flac"}))
    assert [r.status for r in results] == ["done"]
    bundle = out / "in"
    assert sorted(p.name for p in bundle.iterdir()) == ["media.flac", "processing_log.json", "report.html"]
    got = probe(bundle / "media.flac")
    assert got.audio_streams[0].channels == 2 and abs(got.duration - 1.5) < 0.05
    assert metadata_tags(bundle / "media.flac") == set()
    logdoc = json.loads((bundle / "processing_log.json").read_text())
    assert logdoc["schema"] == "mediaanon.processing_log/1"
    assert logdoc["pipeline"]["stages"] == [{"test_gain": {"gain": 0.5}}]
    assert logdoc["stages"][0]["status"] == "done"
    assert logdoc["outputs"]["files"]["media.flac"]["bytes"] > 0
    # nothing but the bundle is left in OUTDIR (no staging, no scratch)
    assert sorted(p.name for p in out.iterdir()) == ["in"]


def test_video_keeps_every_audio_stream_and_strips_tags(tmp_path):
    src = mediafactory.video(tmp_path / "talk.mp4", seconds=1.0, audio_streams=2)
    assert probe(src).has_metadata_tags
    out = tmp_path / "out"
    results = runner.run([src], out, build(["test_gain"]))
    assert results[0].status == "done", results[0].message
    media = out / "talk" / "media.mp4"
    got = probe(media)
    assert len(got.video_streams) == 1 and len(got.audio_streams) == 2
    assert metadata_tags(media) == set()
    assert b"Jane" not in media.read_bytes()


def test_failing_stage_leaves_only_a_failure_record(tmp_path):
    src = mediafactory.tone(tmp_path / "interview_JaneDoe.wav")
    out = tmp_path / "out"
    results = runner.run([src], out, build([{"test_fail": {"message": "decoder exploded"}}]))
    assert results[0].status == "failed" and results[0].exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["interview_JaneDoe.failed.json"]
    rec = json.loads((out / "interview_JaneDoe.failed.json").read_text())
    assert rec["stage"] == "test_fail" and rec["error"] == "RuntimeError"
    assert "\n" not in rec["message"] and "Traceback" not in rec["message"]
    assert str(tmp_path) not in rec["message"] and "JaneDoe" not in rec["message"].replace(rec["id"], "")
    assert runner.exit_code(results) == 1


def test_failure_then_success_replaces_record_and_existing_bundle_is_skipped(tmp_path):
    src = mediafactory.tone(tmp_path / "a.wav")
    out = tmp_path / "out"
    runner.run([src], out, build(["test_fail"]))
    assert (out / "a.failed.json").exists()
    res = runner.run([src], out, build(["test_gain"]))
    assert res[0].status == "done" and not (out / "a.failed.json").exists()
    before = (out / "a" / "processing_log.json").read_bytes()
    again = runner.run([src], out, build([{"test_gain": {"gain": 0.25}}]))
    assert again[0].status == "skipped" and runner.exit_code(again) == 0
    assert (out / "a" / "processing_log.json").read_bytes() == before
    over = runner.run([src], out, build([{"test_gain": {"gain": 0.25}}]), overwrite=True)
    assert over[0].status == "done"
    assert json.loads((out / "a" / "processing_log.json").read_text())["pipeline"]["stages"] == [{"test_gain": {"gain": 0.25}}]


def test_batch_goes_on_after_bad_inputs(tmp_path):
    good = mediafactory.tone(tmp_path / "good.wav")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    emptydir = tmp_path / "nothing_here"
    emptydir.mkdir()
    out = tmp_path / "out"
    results = runner.run([corrupt, text, empty, good, tmp_path / "missing.wav", emptydir], out,
                         build(["test_gain"]))
    status = {r.id: (r.status, r.message) for r in results}
    assert status["good"][0] == "done"
    assert status["corrupt"] == ("failed", "cannot read this file as media (ffprobe failed; corrupt or unsupported?)")
    assert status["notes"][0] == "failed"
    assert status["empty"] == ("failed", "input is an empty file")
    assert status["missing.wav"] == ("failed", "input not found")
    assert status["nothing_here"] == ("failed", "directory contains no media files")
    assert runner.exit_code(results) == 1
    assert (out / "good" / "media.flac").exists()
    assert not any(p.name.startswith(".mediaanon") for p in out.rglob("*"))


def test_video_without_audio_fails_clearly_for_an_audio_stage(tmp_path):
    src = mediafactory.video(tmp_path / "silent.mp4", audio_streams=0)
    results = runner.run([src], tmp_path / "out", build(["test_gain"]))
    assert results[0].status == "failed"
    assert "has no audio stream" in results[0].message


def test_folder_input_is_mirrored(tmp_path):
    root = tmp_path / "study"
    (root / "site1").mkdir(parents=True)
    mediafactory.tone(root / "site1" / "p01.wav")
    mediafactory.tone(root / "p02.wav")
    out = tmp_path / "out"
    results = runner.run([root], out, build(["test_gain"]))
    assert sorted(r.id for r in results) == ["p02", "site1/p01"]
    assert (out / "site1" / "p01" / "processing_log.json").exists()


def test_hash_ids_hide_file_names_and_are_keyed(tmp_path):
    src = mediafactory.tone(tmp_path / "interview_JaneDoe.wav")
    out = tmp_path / "out"
    r1 = runner.run([src], out, build(["test_gain"]), id_from="hash", key=b"k" * 32)
    r2 = runner.run([src], tmp_path / "out2", build(["test_gain"]), id_from="hash", key=b"z" * 32)
    assert r1[0].id.startswith("rec-") and "Jane" not in r1[0].id
    assert r1[0].id != r2[0].id
    assert "Jane" not in (out / r1[0].id / "processing_log.json").read_text()


def test_key_out_inside_outdir_is_refused(tmp_path):
    from mediaanon.errors import UsageError

    with pytest.raises(UsageError):
        runner.run([], tmp_path / "out", build(["test_gain"]), key_out=tmp_path / "out" / "key.json")


def test_transcript_without_redaction_is_refused_at_load():
    with pytest.raises(ConfigError, match="unredacted"):
        build(["test_transcript"])


def test_stale_staging_of_dead_process_is_swept(tmp_path):
    out = tmp_path / "out"
    stale = out / ".mediaanon-staging-999999999-abc"
    stale.mkdir(parents=True)
    (stale / "raw.wav").write_bytes(b"x")
    src = mediafactory.tone(tmp_path / "a.wav")
    runner.run([src], out, build(["test_gain"]))
    assert not stale.exists()


@pytest.mark.parametrize("name, expected", [
    ("interview #2 Ääkkönen Ødegård.mp4", "interview_2_Ääkkönen_Ødegård"),
    ("A\u0308a\u0308kko\u0308nen.wav", "Ääkkönen"),  # macOS stores names decomposed (NFD): same id as NFC
    ("日本語 インタビュー.mp3", "日本語_インタビュー"),
    ("...wav", "recording"),
    ("take 1 (final).mov", "take_1_final"),
])
def test_stem_ids_keep_letters_of_every_script(name, expected):
    from mediaanon.bundle import stem_id

    assert stem_id(Path(name)) == expected
