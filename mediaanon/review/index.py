"""``OUTDIR/index.html``: one row per recording of a batch, failures and reviews first.

Why from disk and not from the run's results: the index must describe the
folder as it is — bundles from earlier runs, skipped ones, failure records,
amended bundles — and a batch may be processed by several workers or
machines.  :func:`write` reads every ``processing_log.json`` and
``*.failed.json`` under OUTDIR and renders a sortable table (inline JS, no
network).  It carries what the logs carry: ids, counts, times and check
names, never a removed string.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ORDER = {"failed": 0, "review": 1, "clean": 2}


def rows(outdir: Path) -> list[dict[str, Any]]:
    """One dict per bundle or failure record under ``outdir``, failures and reviews first."""
    out: list[dict[str, Any]] = []
    for root, dirs, files in os.walk(outdir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(root)
        if "processing_log.json" in files:
            try:
                doc = json.loads((here / "processing_log.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append(_bundle_row(outdir, here, doc))
            dirs[:] = []
        for f in sorted(files):
            if f.endswith(".failed.json"):
                try:
                    doc = json.loads((here / f).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                out.append({"id": doc.get("id", f[:-12]), "status": "failed", "duration": None, "faces": "",
                            "pii": {}, "pii_total": 0, "checks": f"{doc.get('stage', '')}: {doc.get('message', '')}",
                            "report": None, "reasons": 0})
    out.sort(key=lambda r: (ORDER.get(r["status"], 3), str(r["id"])))
    return out


def _bundle_row(outdir: Path, folder: Path, doc: dict[str, Any]) -> dict[str, Any]:
    stages = {s.get("name"): s.get("summary") or {} for s in doc.get("stages", []) if s.get("status") == "done"}
    verdict = doc.get("verdict") or {"status": "clean", "reasons": []}
    faces = stages.get("blur_faces") or {}
    ver = faces.get("verify") or {}
    leak = (stages.get("bleep_pii") or {}).get("leak_check") or {}
    checks = []
    if ver:
        checks.append(f"faces: {ver.get('residual_frames', 0)} hit frame(s), {ver.get('hits_on_masks', 0)} on masks, "
                      f"{len(ver.get('repairs', []))} repair pass(es), {ver.get('unresolved_faces', 0)} unresolved")
    if leak.get("checked"):
        checks.append(f"speech: {leak.get('leaks', 0)} heard, {leak.get('repair_passes', 0)} repair pass(es), "
                      f"{len(leak.get('unresolved', []))} unresolved")
    report = folder / "report.html"
    pii = doc.get("pii") or {}
    return {
        "id": doc.get("id", folder.name), "status": verdict.get("status", "clean"),
        "duration": (doc.get("input") or {}).get("duration"),
        "faces": f"{faces.get('frames_with_faces', 0)}/{faces.get('frames', 0)} frames masked" if faces else "",
        "pii": pii.get("counts") or {}, "pii_total": pii.get("total", 0), "checks": "; ".join(checks),
        "report": report.relative_to(outdir).as_posix() if report.is_file() else None,
        "reasons": len(verdict.get("reasons", [])),
    }


def write(outdir: Path) -> Path:
    """Render ``outdir/index.html`` (atomically) and return its path."""
    from mediaanon.review.report import environment

    outdir = Path(outdir)
    table = rows(outdir)
    html = environment().get_template("index.html.j2").render(rows=table, counts={
        k: sum(r["status"] == k for r in table) for k in ORDER})
    tmp = outdir / ".index.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, outdir / "index.html")
    return outdir / "index.html"
