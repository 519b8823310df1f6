"""The study register: one marker per entity across recordings, processes and shards."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mediaanon.redaction.markers import MarkerBook, related
from mediaanon.redaction.names import KnownNames
from mediaanon.redaction.options import RedactionOptions
from mediaanon.study.folder import init, open_study
from mediaanon.study.register import StudyRegister
from mediaanon.study.shard import shard_of

REPO = Path(__file__).resolve().parent.parent
NAMES = ["Abigail Claflin", "Tom Okonkwo", "Millbrook", "Siobhan McGrath", "Acme Corp", "Rafael Nadal"]


def _allocate(folder: str, names: list[str], out) -> None:
    reg = StudyRegister(Path(folder))
    out.put({n: reg.number("PERSON", tuple(n.lower().split()), n, 0, related) for n in names})


def test_study_init_makes_a_private_key_and_register(tmp_path):
    folder = init(tmp_path / "study")
    assert stat.S_IMODE(os.stat(folder / "study.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder / "register.json").st_mode) == 0o600
    key = (folder / "study.key").read_bytes()
    init(folder)  # idempotent: the key is never replaced
    assert (folder / "study.key").read_bytes() == key
    with pytest.raises(Exception, match="must not contain each other"):
        open_study(folder, folder / "out")


def test_variants_share_a_number(tmp_path):
    reg = StudyRegister(init(tmp_path / "s"))
    a = reg.number("PERSON", ("abigail", "claflin"), "Abigail Claflin", 0, related)
    assert reg.number("PERSON", ("claflin",), "Claflin", 0, related) == a
    assert reg.number("PERSON", ("abbie",), "Abbie", 0, related) == a  # nickname
    assert reg.number("PERSON", ("tom", "okonkwo"), "Tom Okonkwo", 0, related) != a
    assert reg.number("PLACE", ("millbrook",), "Millbrook", 3, related) == 4  # above the names file's entries
    assert reg.originals()["PERSON"][a] == "Abigail Claflin"


def test_two_processes_racing_agree(tmp_path):
    folder = init(tmp_path / "s")
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_allocate, args=(str(folder), order * 3, q)) for order in (NAMES, NAMES[::-1])]
    for p in procs:
        p.start()
    got = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert got[0] == got[1], "both processes must see the same number for each person"
    assert sorted(got[0].values()) == list(range(1, len(NAMES) + 1)), "no number handed out twice"


def test_marker_books_of_two_recordings_share_markers(tmp_path):
    reg = StudyRegister(init(tmp_path / "s"))
    opts = RedactionOptions()
    names = KnownNames.parse("PERSON: Jane Doe\n")
    one, two = MarkerBook(opts, names, reg), MarkerBook(opts, names, reg)
    m1 = [one.marker("PERSON", t) for t in ("Tom Okonkwo", "Siobhan", "Jane Doe")]
    m2 = [two.marker("PERSON", t) for t in ("Siobhan McGrath", "Okonkwo", "Jane")]
    assert m1 == ["[PERSON 2]", "[PERSON 3]", "[PERSON 1]"]  # Jane Doe keeps her names-file number
    assert m2 == ["[PERSON 3]", "[PERSON 2]", "[PERSON 1]"]
    assert MarkerBook(opts, names).marker("PERSON", "Siobhan") == "[PERSON 2]"  # without a register: per recording


@pytest.mark.slow
def test_two_shards_racing_give_one_person_one_marker_and_reidentify(tmp_path, media):
    """Two copies of an AMI clip ("I'm Abigail Claflin … call me Abbie") in two shards run at once."""
    src = media("audio/lhotse/ami_ES2011a.Headset-0-40s-46s.wav")
    inp = tmp_path / "in"
    inp.mkdir()
    stems = []
    for cand in (f"interview{i}" for i in range(50)):  # one recording in each of 2 shards
        if shard_of(cand, 2) not in [shard_of(s, 2) for s in stems]:
            stems.append(cand)
        if len(stems) == 2:
            break
    for s in stems:
        (inp / f"{s}.wav").write_bytes(src.read_bytes())
    study, out = tmp_path / "study", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-m", "mediaanon", "study", "init", str(study)], env=env).returncode == 0
    cmd = [sys.executable, "-m", "mediaanon", "run", str(inp), "-o", str(out), "-p", "transcript", "--study",
           str(study), "-q"]
    procs = [subprocess.Popen(cmd + ["--shard", f"{k}/2"], env=env) for k in (1, 2)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    texts = [(out / s / "transcript.txt").read_text() for s in stems]
    markers = [sorted(set(__import__("re").findall(r"\[PERSON \d+\]", t))) for t in texts]
    assert markers[0] and markers[0] == markers[1], texts
    assert "abigail" not in " ".join(texts).lower()  # ASR spells the surname "Klafflin" or "Claflin"
    reg = json.loads((study / "register.json").read_text())
    assert len(reg["entries"]["PERSON"]) == len(markers[0])
    back = subprocess.run([sys.executable, "-m", "mediaanon", "reidentify", "--study", str(study), str(out / stems[1])],
                          env=env, capture_output=True, text=True)
    assert back.returncode == 0 and "abigail" in back.stdout.lower() and "[PERSON" not in back.stdout
    assert not any(study.resolve() == p.resolve() for p in out.rglob("*"))
    assert not list(out.rglob("*.key")) and not list(out.rglob("register.json"))


def test_hash_ids_are_keyed_by_the_study_key(tmp_path):
    from mediaanon.bundle import hash_id
    from mediaanon.study import plan as planner

    rec = tmp_path / "in" / "interview_JaneDoe.wav"
    rec.parent.mkdir()
    rec.write_bytes(b"RIFF" + bytes(64))
    ids = []
    for name in ("a", "b"):
        folder, key = open_study(init(tmp_path / name), tmp_path / "out")
        assert key == (folder / "study.key").read_bytes().strip()
        ids.append(planner.make([rec.parent], tmp_path / "out", id_from="hash", key=key).tasks[0].id)
        assert ids[-1] == hash_id(rec, key) and "jane" not in ids[-1].lower()
    assert ids[0] != ids[1], "another study's key gives other ids"
