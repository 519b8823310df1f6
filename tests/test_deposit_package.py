"""``deposit``: what goes into the package, what stays out, and that it is valid and atomic.

The study (``_deposit_study``) has two clean bundles, one to review, one
without a verdict and one failed recording, ids from a keyed hash of inputs
named after people, plus study files and a killed run's raw media.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from rocrate.rocrate import ROCrate

from mediaanon import __version__
from mediaanon.deposit import Contact, DepositError, DepositOptions
from mediaanon.deposit import bag as bagmod
from mediaanon.deposit.package import STAGING_TAG, deposit
from mediaanon.errors import UsageError

from _deposit_study import (
    PII_NAMES, all_bytes, copy_outdir, flip_byte, make_study, registered_test_stages,
)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    with registered_test_stages():
        yield make_study(tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def bag_both(study, tmp_path_factory):
    dest = tmp_path_factory.mktemp("deposit") / "study-bag"
    contact = Contact(source_organization="Example University Archive", contact_name="Data Steward",
                      contact_email="archive@example.org", external_identifier="ARCH-2026-17")
    result = deposit(study.outdir, dest, DepositOptions(contact=contact, title="Test study"))
    return result, dest


def payload_bundles(data: Path) -> set[str]:
    return {p.parent.relative_to(data).as_posix() for p in data.rglob("processing_log.json")}


def test_default_bag_is_valid_and_holds_only_clean_bundles(study, bag_both):
    result, dest = bag_both
    bag = bagit.Bag(str(dest))
    bag.validate()  # raises on any problem
    assert bag.is_valid()
    assert payload_bundles(dest / "data") == set(study.clean)
    assert sorted(result.bundles) == sorted(study.clean)
    assert result.counts == {"deposited": 2, "clean": 2, "review": 0, "unjudged": 0, "excluded_review": 1,
                             "excluded_unjudged": 1, "excluded_failed": 1}
    names = {p.name for p in dest.rglob("*")}
    assert {"manifest-sha256.txt", "tagmanifest-sha256.txt", "bag-info.txt", "bagit.txt",
            "ro-crate-metadata.json"} <= names
    # never: failure records, staging/scratch, study summary, index, register, key
    assert not any(n.endswith(".failed.json") or n.startswith(".") for n in names)
    assert not names & {"study.json", "study.csv", "index.html", "register.json", "register.csv", "reid.json", "study.key"}
    # every bundle file made it, byte for byte
    for rid in study.clean:
        for f in (study.outdir / rid).iterdir():
            assert (dest / "data" / rid / f.name).read_bytes() == f.read_bytes()


def test_bag_info_fields(bag_both):
    result, dest = bag_both
    info = bagit.Bag(str(dest)).info
    assert info["Bag-Software-Agent"] == f"mediaanon {__version__}"
    assert len(info["Bagging-Date"]) == 10 and info["Bagging-Date"][4] == "-"
    assert info["Mediaanon-Pipeline"] == "gain"
    assert info["Mediaanon-Policy"] == "none recorded"
    assert info["Mediaanon-Bundles"] == "2" and info["Mediaanon-Bundles-Clean"] == "2"
    assert info["Mediaanon-Excluded-Review"] == "2" and info["Mediaanon-Excluded-Failed"] == "1"
    assert info["Mediaanon-Id-Scheme"] == "keyed-hash"
    assert info["Source-Organization"] == "Example University Archive"
    assert info["Contact-Email"] == "archive@example.org"
    assert info["External-Identifier"] == "ARCH-2026-17"
    assert info["Payload-Oxum"] == f"{result.bytes + (dest / 'data/ro-crate-metadata.json').stat().st_size}." \
                                   f"{result.files + 1}"


def test_bagit_program_validates_the_bag_and_rejects_a_flipped_byte(bag_both, tmp_path):
    _, dest = bag_both
    prog = shutil.which("bagit.py")
    cmd = [prog] if prog else [sys.executable, "-m", "bagit"]
    ok = subprocess.run([*cmd, "--validate", str(dest)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "is valid" in ok.stderr
    damaged = Path(shutil.copytree(dest, tmp_path / "copy"))
    media = next((damaged / "data").rglob("media.mp4"))
    flip_byte(media)
    bad = subprocess.run([*cmd, "--validate", str(damaged)], capture_output=True, text=True)
    assert bad.returncode != 0
    assert "media.mp4" in bad.stderr


def test_crate_parses_with_rocrate_and_describes_each_bundle(study, bag_both):
    _, dest = bag_both
    crate = ROCrate(str(dest / "data"))
    assert crate.name == "Test study"
    datasets = {e.id.rstrip("/"): e for e in crate.data_entities if e.type == "Dataset"}
    assert set(datasets) == set(study.clean)
    files = {e.id: e for e in crate.data_entities if "File" in (e.type if isinstance(e.type, list) else [e.type])}
    for rid in study.clean:
        ds = datasets[rid]
        assert ds["creativeWorkStatus"] == "clean"
        assert ds["duration"].startswith("PT")
        props = {p["name"]: p["value"] for p in ds["additionalProperty"]}
        assert props["mediaKind"] in ("audio", "video")
        for part in ds["hasPart"]:
            path = dest / "data" / part.id
            assert files[part.id]["sha256"] == bagit.Bag(str(dest)).entries[f"data/{part.id}"]["sha256"]
            assert int(files[part.id]["contentSize"]) == path.stat().st_size
    kinds = {datasets[r]["additionalProperty"][0]["value"] for r in study.clean}
    assert kinds == {"audio", "video"}
    media = [f for f in files.values() if f.id.endswith(("media.flac", "media.mp4"))]
    assert {tuple(sorted(m.type)) for m in media} == {("AudioObject", "File"), ("File", "VideoObject")}
    runs = [e for e in crate.contextual_entities if e.type == "CreateAction"]
    assert len(runs) == 2
    software = runs[0]["instrument"][0]
    assert software["name"] == "mediaanon" and software["softwareVersion"] == __version__
    assert {r["result"].id.rstrip("/") for r in runs} == set(study.clean)
    assert "object" not in runs[0].properties()  # the original recording is neither deposited nor named


def test_no_input_name_key_or_register_anywhere_in_the_package(study, bag_both):
    _, dest = bag_both
    key = study.key
    reid = study.study / "reid.json"  # written only when something was redacted (see test_deposit_study)
    originals = [v.encode() for b in json.loads(reid.read_text())["bundles"].values() for v in b.values()
                 if len(v) >= 3] if reid.exists() else []
    for path, data in all_bytes(dest):
        low = data.lower()
        for name in PII_NAMES:
            assert name.lower().encode() not in low, (path.name, name)
        assert key not in data
        assert str(study.root).encode() not in data  # no paths of the depositor's machine
        for o in originals:
            assert o not in data, path.name
        assert not any(n.lower() in str(path).lower() for n in PII_NAMES)


def test_include_review_adds_review_and_unjudged_bundles(study, tmp_path):
    result = deposit(study.outdir, tmp_path / "all", DepositOptions(format="bagit", include_review=True))
    data = tmp_path / "all" / "data"
    assert payload_bundles(data) == set(study.clean + study.review + study.unjudged)
    assert result.counts["review"] == 1 and result.counts["unjudged"] == 1
    assert result.counts["excluded_failed"] == 1
    assert not (data / "ro-crate-metadata.json").exists()  # bagit only
    bagit.Bag(str(tmp_path / "all")).validate()
    assert bagit.Bag(str(tmp_path / "all")).info["Mediaanon-Bundles-Review"] == "1"


def test_rocrate_format_is_a_crate_folder_without_bag_files(study, tmp_path):
    deposit(study.outdir, tmp_path / "crate", DepositOptions(format="rocrate"))
    root = tmp_path / "crate"
    assert (root / "ro-crate-metadata.json").is_file() and not (root / "bagit.txt").exists()
    assert payload_bundles(root) == set(study.clean)
    crate = ROCrate(str(root))
    assert {e.id.rstrip("/") for e in crate.data_entities if e.type == "Dataset"} == set(study.clean)


def test_a_changed_or_unexpected_bundle_file_stops_the_deposit(study, tmp_path):
    out = copy_outdir(study, tmp_path)
    flip_byte(out / study.clean[0] / "media.flac")
    with pytest.raises(DepositError, match=r"changed .*media\.flac"):
        deposit(out, tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()
    assert [p.name for p in tmp_path.iterdir() if STAGING_TAG in p.name] == []
    out2 = copy_outdir(study, tmp_path / "second")
    (out2 / study.clean[1] / "notes_JaneDoe.txt").write_text("Jane Doe, 12 Elm Street")
    with pytest.raises(DepositError, match="extra"):
        deposit(out2, tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()


def test_an_interrupted_deposit_leaves_nothing_under_the_final_name(study, tmp_path, monkeypatch):
    def interrupt(p):
        if p.done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deposit(study.outdir, tmp_path / "pkg", hook=interrupt)
    assert list(tmp_path.iterdir()) == []

    def broken_bagger(folder, info, processes=1):
        (Path(folder) / "bagit.txt").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(bagmod, "make", broken_bagger)
    with pytest.raises(OSError):
        deposit(study.outdir, tmp_path / "pkg")
    assert list(tmp_path.iterdir()) == []


KILLED = """
import os, sys, time
from pathlib import Path
from mediaanon.deposit.package import deposit
def hook(p):
    if p.done >= 1:
        Path(sys.argv[3]).write_text("copying")
        time.sleep(60)
deposit(Path(sys.argv[1]), Path(sys.argv[2]), hook=hook)
"""


def test_a_killed_deposit_leaves_no_package_and_the_next_one_sweeps_it(study, tmp_path):
    dest, marker = tmp_path / "pkg", tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(study.outdir), str(dest), str(marker)],
                            env={**__import__("os").environ, "PYTHONPATH": ":".join(sys.path)})
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            __import__("time").sleep(0.05)
        assert marker.exists(), "the deposit never reached its copy step"
    finally:
        proc.kill()
        proc.wait()
    leftovers = [p for p in tmp_path.iterdir() if STAGING_TAG in p.name]
    assert not dest.exists() and len(leftovers) == 1 and leftovers[0].name.startswith(".")
    deposit(study.outdir, dest)
    assert bagit.Bag(str(dest)).is_valid()
    assert [p for p in tmp_path.iterdir() if STAGING_TAG in p.name] == []


def test_refusals_are_clear(study, tmp_path):
    (tmp_path / "exists").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        deposit(study.outdir, tmp_path / "exists")
    with pytest.raises(UsageError, match="outside OUTDIR"):
        deposit(study.outdir, study.outdir / "pkg")
    with pytest.raises(UsageError, match="OUTDIR not found"):
        deposit(tmp_path / "missing", tmp_path / "pkg")
    only_review = tmp_path / "review_only"
    shutil.copytree(study.outdir / study.review[0], only_review / study.review[0])
    with pytest.raises(DepositError, match="nothing to deposit: 1 bundle"):
        deposit(only_review, tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()


def test_nested_bundle_ids_keep_their_folders(tmp_path):
    """Stem ids mirror the input tree (``site1/a``); the package keeps that shape and stays valid."""
    import mediafactory
    from mediaanon import runner

    from _deposit_study import build

    tree = tmp_path / "in"
    (tree / "site1").mkdir(parents=True)
    (tree / "site2").mkdir()
    mediafactory.tone(tree / "site1" / "a.wav", seconds=0.5)
    mediafactory.tone(tree / "site2" / "a.wav", seconds=0.5, freq=550)
    with registered_test_stages():
        res = runner.run([tree], tmp_path / "out", build(["test_gain"]))
    assert sorted(r.id for r in res) == ["site1/a", "site2/a"]
    assert [r.verdict for r in res] == ["clean", "clean"]  # real verdicts
    result = deposit(tmp_path / "out", tmp_path / "pkg")
    assert result.bundles == ["site1/a", "site2/a"]
    assert (tmp_path / "pkg" / "data" / "site2" / "a" / "media.flac").is_file()
    bagit.Bag(str(tmp_path / "pkg")).validate()
    crate = ROCrate(str(tmp_path / "pkg" / "data"))
    assert {e.id for e in crate.data_entities if e.type == "Dataset"} == {"site1/a/", "site2/a/"}
    assert bagit.Bag(str(tmp_path / "pkg")).info["Mediaanon-Id-Scheme"] == "file-stem"
