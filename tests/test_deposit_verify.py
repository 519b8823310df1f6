"""``verify``: every checksum recomputed, and each kind of damage reported as itself.

Clean inputs must verify clean (a verifier that warns on clean output gets
ignored); each damage must change the exit code.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from mediaanon.deposit import DepositOptions
from mediaanon.deposit.fixity import verify
from mediaanon.deposit.package import deposit
from mediaanon.errors import UsageError

from _deposit_study import copy_outdir, flip_byte, make_study, registered_test_stages


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    with registered_test_stages():
        yield make_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def packages(study, tmp_path_factory):
    root = tmp_path_factory.mktemp("pkgs")
    deposit(study.outdir, root / "bag", DepositOptions(format="both"))
    deposit(study.outdir, root / "crate", DepositOptions(format="rocrate"))
    return root


def kinds(report):
    return sorted((p.kind, p.path) for p in report.problems)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "mediaanon", *map(str, args)], capture_output=True, text=True)


def test_clean_bundle_outdir_bag_and_crate_verify_ok(study, packages):
    one = verify(study.outdir / study.clean[0])
    assert one.kind == "bundle" and one.ok and one.files == 3  # media, report.html, processing log
    out = verify(study.outdir)
    assert out.kind == "outdir" and out.ok and out.bundles == 4
    assert any("1 failure record" in n for n in out.notes)
    assert any(n.startswith("3 file(s) outside bundle folders") for n in out.notes)  # study.json/.csv, index
    assert one.notes == [] and verify(packages / "bag").notes == []  # clean output: nothing to warn about
    bag = verify(packages / "bag")
    assert bag.kind == "bag" and bag.ok and bag.bundles == 2 and bag.files == 7  # 2 bundles x 3 + crate
    crate = verify(packages / "crate")
    assert crate.kind == "crate" and crate.ok and crate.bundles == 2 and crate.files == 6


def test_bundle_damage_is_reported_by_kind(study, tmp_path):
    out = copy_outdir(study, tmp_path)
    a, v, r = (out / i for i in (study.clean[0], study.clean[1], study.review[0]))
    flip_byte(a / "media.flac")
    (v / "media.mp4").unlink()
    (r / "notes.txt").write_text("added by hand")
    report = verify(out)
    assert kinds(report) == sorted([("changed", f"{study.clean[0]}/media.flac"),
                                    ("missing", f"{study.clean[1]}/media.mp4"),
                                    ("extra", f"{study.review[0]}/notes.txt")])
    assert kinds(verify(a)) == [("changed", "media.flac")]


def test_an_unreadable_log_is_a_problem_not_a_crash(study, tmp_path):
    out = copy_outdir(study, tmp_path)
    (out / study.clean[0] / "processing_log.json").write_text("{ truncated")
    report = verify(out)
    assert kinds(report) == [("unreadable", f"{study.clean[0]}/processing_log.json")]


def test_bag_damage_missing_changed_extra(packages, tmp_path):
    bag = Path(shutil.copytree(packages / "bag", tmp_path / "bag"))
    medias = sorted((bag / "data").rglob("media.*"))
    flip_byte(medias[0])
    medias[1].unlink()
    (bag / "data" / "stray.txt").write_text("x")
    report = verify(bag)
    got = {(p.kind, Path(p.path).name) for p in report.problems}
    assert ("changed", medias[0].name) in got and ("extra", "stray.txt") in got
    assert ("missing", medias[1].name) in got
    assert ("invalid", "bag-info.txt") in got  # the Payload-Oxum no longer matches
    assert len(report.problems) == len(set(report.problems)) == 4


def test_a_manifest_rewritten_after_tampering_still_fails(study, packages, tmp_path):
    """Someone edits a media file and regenerates the manifests with bagit: the bag is valid again,
    but the deposited processing log still holds the hash mediaanon wrote."""
    bag_dir = Path(shutil.copytree(packages / "bag", tmp_path / "bag"))
    media = bag_dir / "data" / study.clean[0] / "media.flac"
    flip_byte(media)
    b = bagit.Bag(str(bag_dir))
    b.save(manifests=True)
    assert bagit.Bag(str(bag_dir)).is_valid()  # bagit alone is satisfied
    report = verify(bag_dir)
    assert [(p.kind, p.path) for p in report.problems] == [("changed", f"data/{study.clean[0]}/media.flac")]
    assert "disagrees with the log" in report.problems[0].detail


def test_crate_damage(study, packages, tmp_path):
    crate = Path(shutil.copytree(packages / "crate", tmp_path / "crate"))
    flip_byte(crate / study.clean[1] / "media.mp4")
    (crate / "extra.bin").write_bytes(b"\0")
    (crate / study.clean[0] / "media.flac").unlink()
    report = verify(crate)
    assert kinds(report) == sorted([("changed", f"{study.clean[1]}/media.mp4"), ("extra", "extra.bin"),
                                    ("missing", f"{study.clean[0]}/media.flac")])
    (crate / "ro-crate-metadata.json").write_text("not json")
    assert [p.kind for p in verify(crate).problems] == ["invalid"]


def test_not_a_verifiable_folder(tmp_path):
    with pytest.raises(UsageError):
        verify(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError):
        verify(tmp_path / "empty")


def test_cli_deposit_and_verify_exit_codes(study, tmp_path):
    dest = tmp_path / "pkg"
    dep = run_cli("deposit", study.outdir, dest, "--contact-name", "Data Steward", "--json")
    assert dep.returncode == 0, dep.stderr
    assert json.loads(dep.stdout)["counts"]["deposited"] == 2
    assert "left out 1 needing review, 1 without verdict" in dep.stderr
    ok = run_cli("verify", dest)
    assert ok.returncode == 0 and ok.stdout == "" and ": ok" in ok.stderr
    flip_byte(next((dest / "data").rglob("media.mp4")))
    bad = run_cli("verify", dest)
    assert bad.returncode == 1
    kind, path, _ = bad.stdout.strip().split("\t")
    assert kind == "changed" and path.startswith("data/") and path.endswith("media.mp4")
    as_json = json.loads(run_cli("verify", dest, "--json").stdout)
    assert as_json["ok"] is False and as_json["problems"][0]["kind"] == "changed"
    assert run_cli("verify", tmp_path / "nowhere").returncode == 2
    again = run_cli("deposit", study.outdir, dest)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    empty = tmp_path / "empty_out"
    (empty / study.review[0]).mkdir(parents=True)
    shutil.copy(study.outdir / study.review[0] / "processing_log.json", empty / study.review[0])
    shutil.copy(study.outdir / study.review[0] / "media.flac", empty / study.review[0])
    nothing = run_cli("deposit", empty, tmp_path / "pkg2")
    assert nothing.returncode == 1 and "nothing to deposit" in nothing.stderr
    assert not (tmp_path / "pkg2").exists()
