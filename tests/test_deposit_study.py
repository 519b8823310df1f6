"""End to end on real speech: the sample interview's PII never reaches a deposit.

``samples/interview.flac`` (in the repository, so a fresh clone runs this)
names Maria Gonzalez, her husband David, Saint Mary's Hospital in Leeds, a
phone number and an e-mail address.  It goes through the real ``transcript``
preset (Whisper tiny.en + redaction) via the CLI under a file name that is
itself PII, with keyed-hash ids; a broken input fails; a bundle from the
test stages needs review.  The deposited bag must validate, describe the
real bundle (language, what was removed, the models and their hashes) and
hold no PII string, input file name, key or register anywhere.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from rocrate.rocrate import ROCrate

from mediaanon import runner

import mediafactory
from _deposit_study import all_bytes, build, mark_for_review, registered_test_stages

pytestmark = pytest.mark.slow  # Whisper tiny.en and spaCy on the 37 s sample

REPO = Path(__file__).resolve().parent.parent
PII = re.compile(rb"maria|gonzalez|david|mary's|leeds|outlook|seven seven", re.I)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "mediaanon", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO)


@pytest.fixture(scope="module")
def deposited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("realstudy")
    inputs, out, study = tmp / "in", tmp / "out", tmp / "study"
    inputs.mkdir()
    named = inputs / "interview_Maria_Gonzalez.flac"
    named.write_bytes((REPO / "samples" / "interview.flac").read_bytes())
    (inputs / "David_broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    proc = run_cli("run", inputs, "-o", out, "-p", "transcript", "--names", REPO / "samples" / "names.txt",
                   "--id-from", "hash", "--key-file", study / "study.key", "--key-out", study / "reid.json", "--json")
    assert proc.returncode == 1, proc.stderr  # the broken input
    results = {r["status"]: r for r in json.loads(proc.stdout)}
    real = results["done"]["id"]
    assert results["done"]["verdict"] == "clean", results["done"]  # the real verdict of the sample
    with registered_test_stages():
        extra = runner.run([mediafactory.tone(tmp / "Leeds_followup.wav")], out, build(["test_gain"], "gain"),
                           id_from="hash", key=(study / "study.key").read_bytes().strip())
    mark_for_review(out / extra[0].id, [{"check": "transcript_confidence", "detail": "low confidence", "t0": 0.0,
                                         "t1": 1.0}])
    dest = tmp / "deposit"
    dep = run_cli("deposit", out, dest, "--contact-name", "Data Steward", "-v")
    assert dep.returncode == 0, dep.stderr
    return tmp, out, dest, real, extra[0].id, named, study, dep


def test_the_real_bundle_is_deposited_and_validates(deposited):
    _, out, dest, real, review, *_ = deposited
    bagit.Bag(str(dest)).validate()
    data = dest / "data"
    assert sorted(p.name for p in data.iterdir() if p.is_dir()) == [real]
    assert sorted(p.name for p in (data / real).iterdir()) == sorted(p.name for p in (out / real).iterdir())
    assert run_cli("verify", dest).returncode == 0
    assert run_cli("verify", out).returncode == 0


def test_no_pii_input_name_key_or_register_in_the_package(deposited):
    _, out, dest, real, _, named, study, dep = deposited
    originals = [v.encode().lower() for b in json.loads((study / "reid.json").read_text())["bundles"].values()
                 for v in b.values() if len(v) >= 3]
    assert originals, "the run redacted nothing: this test would prove nothing"
    assert not PII.search(dep.stderr.encode())
    key = (study / "study.key").read_bytes().strip()
    for path, data in all_bytes(dest):
        low = data.lower()
        assert not PII.search(low), (path.relative_to(dest), PII.search(low))
        assert not any(o in low for o in originals), path.name
        assert named.stem.lower().encode() not in low and named.name.lower().encode() not in low
        assert key not in data
        assert not PII.search(str(path.relative_to(dest)).encode())


def test_the_crate_describes_language_removals_and_models(deposited):
    _, out, dest, real, *_ = deposited
    log = json.loads((out / real / "processing_log.json").read_text())
    crate = ROCrate(str(dest / "data"))
    ds = crate.dereference(f"{real}/")
    assert ds["inLanguage"] == "en"
    assert ds["creativeWorkStatus"] == "clean"
    assert ds["duration"] == f"PT{log['input']['duration']:.3f}S"
    props = {p["name"]: p["value"] for p in ds["additionalProperty"]}
    assert props["mediaKind"] == "audio"
    assert {k: v for k, v in props.items() if k.startswith("removed:pii:")} == {
        f"removed:pii:{k}": v for k, v in log["pii"]["counts"].items()}
    assert props["removed:pii:PERSON"] >= 1
    run = crate.dereference(f"#run/{real}")
    models = {m["name"]: m["sha256"] for m in run["instrument"][1:]}
    assert models == {m["name"]: m["sha256"] for m in log["models"]}
    assert "whisper-tiny.en" in models and all(len(h) == 64 for h in models.values())
    assert run["name"] == "mediaanon pipeline transcript"
    transcript = crate.dereference(f"{real}/transcript.vtt")
    assert transcript["encodingFormat"] == "text/vtt"
    assert transcript["sha256"] == log["outputs"]["files"]["transcript.vtt"]["sha256"]
