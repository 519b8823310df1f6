"""``mediaanon summary OUTDIR``: one table of a study, whoever wrote its bundles.

The Slurm array's tasks (and any local runs) each leave bundles and failure
records in OUTDIR; this reads them — not the runs' memories — so the summary
is the same however the study was split.  ``study.json`` and ``study.csv``
have one row per recording: id, status, stage, message, duration (media
seconds), seconds (processing), counts (PII spans by type, stages run) and the
verdict when the bundle has one.  Nothing from a transcript, no input paths.
"""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

from mediaanon.bundle import FAILURE_SCHEMA, write_json_atomic

COLUMNS = ("id", "status", "stage", "message", "duration", "seconds", "pii", "pii_by_type", "stages", "verdict")


def collect(outdir: Path) -> list[dict[str, Any]]:
    outdir = Path(outdir)
    rows: dict[str, dict[str, Any]] = {}
    for logfile in sorted(outdir.rglob("processing_log.json")):
        rel = logfile.parent.relative_to(outdir)
        if any(part.startswith(".") for part in rel.parts):
            continue  # staging folders and replaced bundles
        try:
            doc = json.loads(logfile.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rows[rel.as_posix()] = _row(rel.as_posix(), "corrupt", message="processing_log.json cannot be read")
            continue
        pii = doc.get("pii") or {}
        rows[rel.as_posix()] = _row(
            rel.as_posix(), "done", duration=(doc.get("input") or {}).get("duration"), seconds=doc.get("seconds"),
            pii=pii.get("total", 0), pii_by_type=pii.get("counts") or {},
            stages=[s.get("name") for s in doc.get("stages", []) if s.get("status") == "done"],
            verdict=(doc.get("verdict") or {}).get("status", "") if isinstance(doc.get("verdict"), dict)
            else doc.get("verdict", ""))
    for rec in sorted(outdir.rglob("*.failed.json")):
        rel = rec.relative_to(outdir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        try:
            doc = json.loads(rec.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if doc.get("schema") != FAILURE_SCHEMA:
            continue
        rid = str(doc.get("id") or rel.as_posix()[: -len(".failed.json")])
        if rid in rows:
            continue  # a bundle written after the failure wins
        rows[rid] = _row(rid, "failed", stage=doc.get("stage", ""), message=doc.get("message", ""))
    return [rows[k] for k in sorted(rows)]


def _row(rid: str, status: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: "" for c in COLUMNS}
    row.update(id=rid, status=status, pii=0, pii_by_type={}, stages=[])
    row.update({k: v for k, v in kw.items() if v is not None})
    return row


def write(outdir: Path) -> dict[str, Any]:
    """Write ``OUTDIR/study.json`` and ``OUTDIR/study.csv``; return the JSON document."""
    outdir = Path(outdir)
    rows = collect(outdir)
    totals: dict[str, Any] = {"recordings": len(rows)}
    for r in rows:
        totals[r["status"]] = totals.get(r["status"], 0) + 1
    totals["media_seconds"] = round(sum(float(r["duration"] or 0) for r in rows), 3)
    doc = {"schema": "mediaanon.study_summary/1", "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "totals": totals, "recordings": rows}
    write_json_atomic(outdir / "study.json", doc)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        flat = dict(r)
        flat["pii_by_type"] = ";".join(f"{k}={v}" for k, v in sorted(r["pii_by_type"].items()))
        flat["stages"] = ";".join(r["stages"])
        w.writerow(flat)
    tmp = outdir / ".study.csv.tmp"
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(outdir / "study.csv")
    return doc
