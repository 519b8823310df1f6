"""The processing log: what was done to a recording, without what was removed.

Schema ``mediaanon.processing_log/1``.  It records the filled pipeline,
versions, model hashes, the input's stream facts, per-stage seconds and
summaries, PII counts and time ranges, and output file hashes.  It never
records PII strings, transcript text, names or the input's file name (the
bundle id stands in for it).  :func:`assert_clean` is a last line of defence
used by the runner: it refuses to write a log that contains any of the
strings that were redacted.
"""
from __future__ import annotations

import hashlib
import json
import platform
import re
import resource
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from mediaanon import __version__
from mediaanon.errors import StageError

SCHEMA = "mediaanon.processing_log/1"

DEPENDENCIES = (
    "numpy", "torch", "faster-whisper", "ctranslate2", "openai-whisper", "presidio-analyzer",
    "presidio-anonymizer", "spacy", "onnxruntime", "onnxruntime-gpu", "ai-edge-litert", "scipy",
    "soundfile", "pyworld", "webrtcvad-wheels", "av", "imageio-ffmpeg",
)


def dependency_versions(names: Iterable[str] = DEPENDENCIES) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            continue
    return out


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of finished children (ffmpeg), MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self": round(own, 1), "children": round(kids, 1)}


def file_entry(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def pii_section(spans: list[Any]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.type] = counts.get(s.type, 0) + 1
    ranges = [[None if s.t0 is None else round(s.t0, 3), None if s.t1 is None else round(s.t1, 3), s.type, s.replacement]
              for s in spans]
    return {"total": len(spans), "counts": dict(sorted(counts.items())), "ranges": ranges}


def build(*, bundle_id: str, pipeline: dict[str, Any], models: list[dict[str, Any]], probe: dict[str, Any],
          stages: list[dict[str, Any]], pii: dict[str, Any], outputs: dict[str, Any], tools: dict[str, str],
          started: float) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "id": bundle_id,
        "status": "complete",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mediaanon": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "dependencies": dependency_versions(),
        "tools": tools,
        "pipeline": pipeline,
        "models": models,
        "input": probe,
        "stages": stages,
        "pii": pii,
        "outputs": outputs,
        "seconds": round(time.monotonic() - started, 3),
        "peak_rss_mb": peak_rss_mb(),
    }


def assert_clean(document: dict[str, Any], secrets: Iterable[str]) -> None:
    """Fail closed if any redacted string (≥ 3 characters, as a whole word) appears
    in the log.  The ``id`` field is exempt: with ``--id-from stem`` the user chose
    the file name as the id (``--id-from hash`` exists for names that are PII)."""
    doc = {k: v for k, v in document.items() if k != "id"}
    text = json.dumps(doc, ensure_ascii=False).lower()
    for s in secrets:
        s = " ".join(str(s).split()).lower()
        if len(s) >= 3 and re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text):
            raise StageError("the processing log would contain a redacted string; refusing to write it")
