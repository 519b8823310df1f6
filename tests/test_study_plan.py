"""Plan before loading, manifests, shards, events and worker settings (no models loaded)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaanon import registry
from mediaanon.errors import UsageError
from mediaanon.study import manifest, plan as planner, session
from mediaanon.study.pool import device_for, parse_devices, threads_per_worker
from mediaanon.study.shard import parse as parse_shard, shard_of

import mediafactory
from _stages import Gain

BUILT: list[str] = []


class Counted(Gain):
    """The spine's gain stage, counting constructions (a real stage would load its models here)."""

    def __init__(self, options, context):
        BUILT.append(self.name)
        super().__init__(options, context)


@pytest.fixture(autouse=True)
def counted_stages(monkeypatch):
    BUILT.clear()
    monkeypatch.setitem(registry.STAGES, "test_gain", (__name__, "Counted"))


def _pipeline(tmp_path: Path) -> str:
    p = tmp_path / "gain.yaml"
    p.write_text("stages:\n  - test_gain: {gain: 0.5}\noutput: {audio_format: flac}\n")
    return str(p)


def _study(tmp_path: Path, n: int = 3) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(n):
        mediafactory.tone(src / f"rec{i}.wav", seconds=0.5, freq=300 + 50 * i)
    return src


# -- shards ------------------------------------------------------------------
def test_shards_partition_and_are_stable_when_inputs_are_added():
    ids = [f"interview-{i:03d}" for i in range(200)]
    for n in (1, 2, 3, 7):
        parts = [{i for i in ids if parse_shard(f"{k}/{n}").takes(i)} for k in range(1, n + 1)]
        assert set().union(*parts) == set(ids)
        assert sum(len(p) for p in parts) == len(ids)  # no overlap
        if n > 1:
            assert all(parts), "every shard gets some of 200 ids"
    before = {i: shard_of(i, 4) for i in ids}
    more = ids + [f"late-{i}" for i in range(50)]
    assert all(shard_of(i, 4) == before[i] for i in more if i in before)


@pytest.mark.parametrize("bad", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_bad_shard_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        parse_shard(bad)


def test_plan_shards_of_a_folder_partition_it(tmp_path):
    src = _study(tmp_path, 6)
    ids = [t.id for t in planner.make([src], tmp_path / "out").tasks]
    shards = [[t.id for t in planner.make([src], tmp_path / "out", shard=parse_shard(f"{k}/3")).tasks]
              for k in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(ids) and len(ids) == 6


# -- manifest ----------------------------------------------------------------
def _manifest(tmp_path: Path, text: str) -> Path:
    m = tmp_path / "study.csv"
    m.write_text(text)
    return m


def test_manifest_rows_and_ids(tmp_path):
    _study(tmp_path, 2)
    (tmp_path / "names.txt").write_text("PERSON: Jane Doe\n")
    m = _manifest(tmp_path, "path,id,language,names,speakers\nin/rec0.wav,p01,en,names.txt,2\nin/rec1.wav,,,,\n")
    rows = manifest.read(m)
    assert [r.id for r in rows] == ["p01", ""] and rows[0].speakers == 2 and rows[0].language == "en"
    tasks = planner.make([], tmp_path / "out", rows=rows).tasks
    assert [t.id for t in tasks] == ["p01", "rec1"]


def test_manifest_speaker_names_column_with_either_separator(tmp_path):
    _study(tmp_path, 3)
    m = _manifest(tmp_path, 'path,speaker_names\nin/rec0.wav,Interviewer;Participant\n'
                            'in/rec1.wav,"Interviewer, Participant, Observer"\nin/rec2.wav,\n')
    rows = manifest.read(m)
    assert [r.speaker_names for r in rows] == [("Interviewer", "Participant"),
                                               ("Interviewer", "Participant", "Observer"), ()]


@pytest.mark.parametrize("text, message", [
    ("path,speaker_names\nin/rec0.wav,Interviewer;;Participant\n", "line 2: speaker names: empty name"),
    ("path,speaker_names\nin/rec0.wav,Ann;Ann\n", "line 2: speaker names must differ"),
    ("path,speaker_names\nin/rec0.wav,<b>Ann</b>;Bo\n", "line 2: speaker names: at most"),
])
def test_manifest_bad_speaker_names_name_the_row_not_the_names(tmp_path, text, message):
    _study(tmp_path, 1)
    with pytest.raises(UsageError) as exc:
        manifest.read(_manifest(tmp_path, text))
    assert message in str(exc.value) and "Ann" not in str(exc.value)


@pytest.mark.parametrize("text, message", [
    ("path,id\nin/rec0.wav,a\nin/missing.wav,b\n", "line 3: file not found"),
    ("path,colour\nin/rec0.wav,red\n", "line 1: unknown column(s) colour"),
    ("path,id\nin/rec0.wav,same\nin/rec1.wav,same\n", "line 3: duplicate id (also on line 2)"),
    ("id\nx\n", "'path' column"),
    ("path,speakers\nin/rec0.wav,two\n", "line 2: speakers"),
    ("path,preset\nin/rec0.wav,no-such-preset\n", "line 2: unknown preset"),
])
def test_manifest_errors_name_the_row(tmp_path, text, message):
    _study(tmp_path, 2)
    with pytest.raises(UsageError) as exc:
        manifest.read(_manifest(tmp_path, text))
    assert message in str(exc.value)
    assert "rec0" not in str(exc.value) and "missing" not in str(exc.value)  # cell contents can be PII


def test_bad_manifest_stops_the_cli_before_anything_runs(tmp_path, capsys):
    from mediaanon.cli import main

    _study(tmp_path, 1)
    m = _manifest(tmp_path, "path\nin/rec0.wav\nin/gone.wav\n")
    assert main(["run", "--manifest", str(m), "-o", str(tmp_path / "out"), "-p", _pipeline(tmp_path), "-q"]) == 2
    assert "line 3" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and BUILT == []


# -- plan, then load -----------------------------------------------------------
def test_rerun_with_everything_done_loads_no_model(tmp_path):
    src, out = _study(tmp_path), tmp_path / "out"
    opts = session.RunOptions(inputs=[src], outdir=out, pipeline=_pipeline(tmp_path), events=tmp_path / "ev.jsonl")
    first = session.run(opts)
    assert [r.status for r in first.results] == ["done"] * 3 and first.loaded and BUILT == ["test_gain"]
    again = session.run(opts)
    assert [r.status for r in again.results] == ["skipped"] * 3
    assert not again.loaded and BUILT == ["test_gain"], "no stage may be constructed when nothing is to do"
    kinds = [json.loads(line)["event"] for line in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert kinds.count("run_started") == 2 and kinds.count("recording_done") == 3
    assert kinds.count("recording_skipped") == 3 and kinds.count("stage_done") == 3 and kinds[-1] == "run_done"


def test_corrupt_bundle_is_reported_and_redone_with_overwrite(tmp_path):
    src, out = _study(tmp_path), tmp_path / "out"
    opts = session.RunOptions(inputs=[src], outdir=out, pipeline=_pipeline(tmp_path))
    session.run(opts)
    media = out / "rec1" / "media.flac"
    media.write_bytes(media.read_bytes()[:-100])  # a truncated copy, as a failed sync leaves it
    plan = planner.make([src], out)
    assert {t.id: t.action for t in plan.tasks} == {"rec0": "done", "rec1": "corrupt", "rec2": "done"}
    rep = session.run(opts)
    bad = [r for r in rep.results if r.status == "failed"]
    assert [r.id for r in bad] == ["rec1"] and "does not verify" in bad[0].message and "--overwrite" in bad[0].message
    assert not rep.loaded and media.exists(), "a corrupt bundle is reported, never silently replaced"
    opts.overwrite = True
    rep = session.run(opts)
    assert {r.status for r in rep.results} == {"done"} and planner.verify(out / "rec1") == ""


def test_events_have_no_paths(tmp_path):
    src, out = _study(tmp_path, 2), tmp_path / "out"
    (src / "broken.wav").write_text("not audio")
    opts = session.RunOptions(inputs=[src], outdir=out, pipeline=_pipeline(tmp_path), events=tmp_path / "ev.jsonl")
    session.run(opts)
    text = (tmp_path / "ev.jsonl").read_text()
    assert str(tmp_path) not in text and "broken.wav" not in text
    failed = [json.loads(x) for x in text.splitlines() if '"recording_failed"' in x]
    assert [(e["id"], e["stage"]) for e in failed] == [("broken", "input")]


# -- worker settings -------------------------------------------------------------
def test_threads_are_shared_between_workers():
    assert threads_per_worker(1, 8) == 0  # one job: every library decides, as before
    assert threads_per_worker(2, 8) == 4 and threads_per_worker(3, 8) == 2 and threads_per_worker(4, 2) == 1


def test_devices_are_assigned_round_robin():
    devs = parse_devices("cuda:0,cuda:1")
    assert [device_for(i, devs, "auto") for i in range(3)] == [
        ("cuda", {"CUDA_VISIBLE_DEVICES": "0"}), ("cuda", {"CUDA_VISIBLE_DEVICES": "1"}),
        ("cuda", {"CUDA_VISIBLE_DEVICES": "0"})]
    assert device_for(0, (), "cpu") == ("cpu", {})
    with pytest.raises(UsageError):
        parse_devices("gpu0")


def test_manifest_row_settings_reach_the_stages(tmp_path):
    from mediaanon.study.manifest import Row
    from mediaanon.study.plan import Task
    from mediaanon.study.pool import Setup, Worker

    (tmp_path / "all.txt").write_text("PERSON: Jane Doe\n")
    (tmp_path / "p7.txt").write_text("PLACE: Millbrook\n")
    setup = Setup(outdir=tmp_path / "out", pipeline=_pipeline(tmp_path), names_file=tmp_path / "all.txt", jobs=2)
    w = Worker(setup, 1, own_process=False)
    try:
        plain = w.pipeline_for(Task("a", "run"))
        row = Row(2, tmp_path / "x.wav", "p7", "", tmp_path / "p7.txt", 3, "")
        special = w.pipeline_for(Task("p7", "run", row=row))
        assert w.pipeline_for(Task("p7", "run", row=row)) is special and special is not plain  # built once each
        ctx = special.stages[0].context
        assert ctx.extra == {"speakers": 3} and ctx.threads == w.threads >= 1
        assert ctx.names_file.read_text().splitlines() == ["PERSON: Jane Doe", "", "PLACE: Millbrook"]
        assert plain.stages[0].context.names_file == tmp_path / "all.txt"
        merged = ctx.names_file
    finally:
        w.close()
    assert not merged.exists(), "the merged names copy is removed with the worker"


def test_manifest_speaker_names_reach_the_stages_and_win_over_the_cli(tmp_path):
    from mediaanon.study.manifest import Row
    from mediaanon.study.plan import Task
    from mediaanon.study.pool import Setup, Worker

    setup = Setup(outdir=tmp_path / "out", pipeline=_pipeline(tmp_path), jobs=1,
                  extra=(("speaker_names", ["A", "B"]),))
    w = Worker(setup, 1, own_process=False)
    try:
        plain = w.pipeline_for(Task("a", "run"))
        row = Row(2, tmp_path / "x.wav", "p7", speaker_names=("Interviewer", "Participant"))
        named = w.pipeline_for(Task("p7", "run", row=row))
        assert named.stages[0].context.extra["speaker_names"] == ["Interviewer", "Participant"]
        assert plain.stages[0].context.extra["speaker_names"] == ["A", "B"]
    finally:
        w.close()
    assert BUILT == ["test_gain", "test_gain"]
