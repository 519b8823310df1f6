"""A small real study for the deposit tests: real bundles from the real runner.

Bundles are made by :mod:`mediaanon.runner` with the small real test stages of
``_stages`` on media made by ffmpeg (``mediafactory``), with ids from a keyed
hash; one recording fails for real.  What is *not* real yet:

- verdicts: the runner writes real ones (``mediaanon.review``), and the gain
  stage gives nothing to review, so every bundle comes out ``clean``.  Two
  bundles are then changed by hand, each to stand for a case the selection
  must handle: :func:`mark_for_review` gives one the verdict a real problem
  would (``review``; ``tests/test_review_*`` make such verdicts for real), and
  :func:`drop_verdict` makes one look like a bundle written before verdicts
  existed.
- the study's own files (``study.json``/``study.csv``/``index.html`` in
  OUTDIR, the register and key in ``study/`` beside it) come from another
  issue; :func:`add_study_files` writes look-alikes with PII in them so the
  tests can prove none of them reaches a package.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mediaanon import pipeline as pl
from mediaanon import registry, runner
from mediaanon.bundle import load_or_create_key
from mediaanon.stage import RunContext

import mediafactory
from _stages import TEST_STAGES

# strings that stand for PII of the study: the inputs' file names carry them
PII_NAMES = ("JaneDoe", "John_Smith", "Maria_Gonzalez", "Jane Doe")


@contextmanager
def registered_test_stages():
    """The ``_stages`` test stages in the registry, for a module-scoped fixture."""
    saved = dict(registry.STAGES)
    registry.STAGES.update(TEST_STAGES)
    try:
        yield
    finally:
        registry.STAGES.clear()
        registry.STAGES.update(saved)


def mark_for_review(bundle: Path, reasons: list[dict]) -> None:
    """Give a bundle the verdict a real residual face would (``{"status": "review", "reasons": [...]}``)."""
    path = bundle / "processing_log.json"
    doc = json.loads(path.read_text())
    doc["verdict"] = {"status": "review", "reasons": list(reasons)}
    path.write_text(json.dumps(doc, indent=2) + "\n")


def drop_verdict(bundle: Path) -> None:
    """Make a bundle look like one written before verdicts existed (no ``verdict`` in its log)."""
    path = bundle / "processing_log.json"
    doc = json.loads(path.read_text())
    doc.pop("verdict", None)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def add_study_files(outdir: Path, study: Path) -> list[Path]:
    """Look-alikes of the study issue's files; every one mentions a participant."""
    files = [outdir / "study.json", outdir / "study.csv", outdir / "index.html",
             study / "register.json", study / "register.csv"]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"interview_JaneDoe.wav -> {f.name}\n")
    return files


@dataclass
class Study:
    root: Path
    outdir: Path
    study: Path  # register, key, re-identification key: outside OUTDIR
    key: bytes
    clean: list[str]  # bundle ids
    review: list[str]
    unjudged: list[str]
    failed: list[str]


def build(stages: list, name: str = "test"):
    return pl.build(pl.parse_spec({"stages": stages, "output": {}}, name), RunContext())


def make_study(root: Path) -> Study:
    """Two clean bundles (audio, video), one review, one without verdict, one failure, study files,
    and the hidden leftovers of a killed run (raw media in a staging folder)."""
    inputs, outdir, study = root / "inputs", root / "out", root / "study"
    inputs.mkdir(parents=True)
    key = load_or_create_key(study / "study.key")
    clean_a = mediafactory.tone(inputs / "interview_JaneDoe.wav", seconds=1.5, channels=2)
    clean_v = mediafactory.video(inputs / "John_Smith_at_home.mp4", seconds=1.0)
    review = mediafactory.tone(inputs / "Maria_Gonzalez_2.wav", seconds=1.0, freq=660)
    unjudged = mediafactory.tone(inputs / "followup.wav", seconds=1.0, freq=880)
    res = runner.run([clean_a, clean_v, review, unjudged], outdir, build([{"test_gain": {"gain": 0.5}}], "gain"),
                     id_from="hash", key=key, key_out=study / "reid.json")
    assert [r.status for r in res] == ["done"] * 4, [r.message for r in res]
    assert [r.verdict for r in res] == ["clean"] * 4  # real verdicts from mediaanon.review
    ids = [r.id for r in res]
    bad = mediafactory.tone(inputs / "broken_JaneDoe.wav", seconds=1.0)
    failed = runner.run([bad], outdir, build(["test_fail"]), id_from="hash", key=key)
    assert failed[0].status == "failed"
    mark_for_review(outdir / ids[2], [{"check": "faces", "detail": "residual face", "t0": 0.4, "t1": 0.8}])
    drop_verdict(outdir / ids[3])
    add_study_files(outdir, study)
    stale = outdir / ".mediaanon-staging-999999-x"  # pid that does not exist: a killed run's leftovers
    stale.mkdir()
    (stale / "raw_JaneDoe.wav").write_bytes(clean_a.read_bytes())
    return Study(root, outdir, study, key, ids[:2], [ids[2]], [ids[3]], [failed[0].id])


def copy_outdir(study: Study, dst: Path) -> Path:
    """A private copy of the study's OUTDIR, for tests that damage it."""
    return Path(shutil.copytree(study.outdir, dst / "out", symlinks=True))


def all_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    """Every file under ``folder`` (hidden ones too) with its content."""
    out = []
    for r, _, files in os.walk(folder):
        for f in files:
            p = Path(r) / f
            out.append((p, p.read_bytes()))
    return out


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))
