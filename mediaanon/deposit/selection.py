"""Which bundles of an OUTDIR go into a deposit, and why the others stay out.

A bundle is a folder holding a ``processing_log.json`` of our schema; its id
is its path under OUTDIR (ids mirror input folder trees, so bundles can be
nested).  What is *never* deposited, whatever the options:

- failure records (``<id>.failed.json``): a failed recording has no bundle;
- hidden entries (``.``-prefixed): staging and scratch folders hold raw,
  unredacted media (see :mod:`mediaanon.bundle`), temp files are hidden too;
- anything in OUTDIR outside a bundle folder: the study summary
  (``study.json``/``study.csv``) and ``index.html`` list review and failed
  rows too, so they do not describe the deposited set (the crate and
  bag-info do that instead); the study register and key live outside OUTDIR
  by contract, and one copied into a bundle folder would be a file the
  processing log does not list, which stops the deposit (see :mod:`.fixity`).

Fail closed on verdicts: a bundle whose log has no verdict (written before
verdicts existed) counts as *not* clean, like a ``review`` one — it goes in
only with ``include_review``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaanon.processing_log import SCHEMA as LOG_SCHEMA

LOG_NAME = "processing_log.json"
FAILED_SUFFIX = ".failed.json"
CLEAN, REVIEW, UNJUDGED = "clean", "review", "unjudged"


@dataclass(frozen=True)
class BundleInfo:
    id: str  # posix path under OUTDIR
    path: Path
    log: dict[str, Any] = field(repr=False)
    verdict: str  # clean | review | unjudged
    reasons: tuple[str, ...] = ()


@dataclass
class Scan:
    """Everything found in an OUTDIR."""

    bundles: list[BundleInfo] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # ids with a failure record
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (id, why) of bundles whose log is bad


@dataclass
class Selection:
    included: list[BundleInfo]
    excluded: list[tuple[str, str]]  # (id, reason) — review/unjudged bundles and failure records
    scan: Scan

    def counts(self) -> dict[str, int]:
        by = lambda v: sum(b.verdict == v for b in self.included)  # noqa: E731
        return {
            "deposited": len(self.included), "clean": by(CLEAN), "review": by(REVIEW), "unjudged": by(UNJUDGED),
            "excluded_review": sum(r == REVIEW for _, r in self.excluded),
            "excluded_unjudged": sum(r == UNJUDGED for _, r in self.excluded),
            "excluded_failed": len(self.scan.failed),
        }


def verdict_of(log: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """``(status, reasons)`` from the log's ``verdict``; ``unjudged`` when absent or unknown."""
    v = log.get("verdict")
    if isinstance(v, dict) and v.get("status") in (CLEAN, REVIEW):
        reasons = v.get("reasons") or ()
        return str(v["status"]), tuple(str(r) for r in reasons) if isinstance(reasons, list) else ()
    return UNJUDGED, ()


def read_log(path: Path) -> dict[str, Any]:
    """The processing log of a bundle folder; ``ValueError`` with a one-line reason if unusable."""
    try:
        doc = json.loads((path / LOG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"processing log unreadable ({type(exc).__name__})") from None
    if not isinstance(doc, dict) or doc.get("schema") != LOG_SCHEMA:
        raise ValueError(f"not a {LOG_SCHEMA} document")
    files = (doc.get("outputs") or {}).get("files")
    if not isinstance(files, dict):
        raise ValueError("processing log has no outputs.files")
    return doc


def scan(outdir: Path) -> Scan:
    """Walk OUTDIR (hidden entries skipped); a folder with a log is a bundle, not descended into."""
    outdir = Path(outdir)
    found = Scan()
    for root, dirs, files in os.walk(outdir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(root)
        if here != outdir and LOG_NAME in files:
            rid = here.relative_to(outdir).as_posix()
            dirs[:] = []
            try:
                log = read_log(here)
            except ValueError as exc:
                found.unreadable.append((rid, str(exc)))
                continue
            status, reasons = verdict_of(log)
            found.bundles.append(BundleInfo(rid, here, log, status, reasons))
        for f in sorted(files):
            if f.endswith(FAILED_SUFFIX) and not f.startswith("."):
                found.failed.append((here / f[: -len(FAILED_SUFFIX)]).relative_to(outdir).as_posix())
    found.bundles.sort(key=lambda b: b.id)
    return found


def select(outdir: Path, include_review: bool = False) -> Selection:
    """Clean bundles (and, with ``include_review``, review and unjudged ones)."""
    s = scan(outdir)
    included, excluded = [], []
    for b in s.bundles:
        if b.verdict == CLEAN or include_review:
            included.append(b)
        else:
            excluded.append((b.id, b.verdict))
    excluded += [(rid, "failed") for rid in s.failed]
    return Selection(included, excluded, s)


def bundle_files(bundle: Path) -> list[str]:
    """Every file inside a bundle folder, as posix paths relative to it (hidden ones included:
    the caller decides; a hidden file in a bundle is something we did not write)."""
    out = []
    for root, _, files in os.walk(bundle):
        for f in files:
            out.append((Path(root) / f).relative_to(bundle).as_posix())
    return sorted(out)
