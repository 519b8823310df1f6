"""Facts about a deposited bundle, read from its processing log.

Only what the log already holds goes out (DESIGN principle 4: everything
effective is logged, nothing identifying is): counts by type, durations,
languages, models and hashes — never PII strings, transcript text, the
input's file name or path (the log does not have them), and never the
removed items' markers or time ranges (not needed to describe a deposit).
"""
from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaanon.deposit.selection import BundleInfo

IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif"}
MIME = {".flac": "audio/flac", ".wav": "audio/wav", ".m4a": "audio/mp4", ".mp3": "audio/mpeg",
        ".mp4": "video/mp4", ".vtt": "text/vtt", ".srt": "application/x-subrip", ".txt": "text/plain",
        ".json": "application/json", ".html": "text/html", ".webp": "image/webp"}
KEYED_ID = re.compile(r"rec-[0-9a-f]{16}")


@dataclass
class BundleFacts:
    id: str
    verdict: str
    media_kind: str  # audio | video | image
    media_file: str | None  # name of the media output, if the bundle has one
    duration: float | None  # seconds (None for images)
    languages: list[str] = field(default_factory=list)
    speakers: int | None = None
    removed: dict[str, int] = field(default_factory=dict)  # what was removed, by type
    pipeline: str = ""
    policy: str | None = None
    software: str = ""  # mediaanon version that wrote the bundle
    models: list[dict[str, str]] = field(default_factory=list)  # name, sha256
    created: str = ""
    keyed_id: bool = False


def mime_type(name: str) -> str:
    return MIME.get(Path(name).suffix.lower()) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def facts(b: BundleInfo) -> BundleFacts:
    log = b.log
    inp = log.get("input") or {}
    kinds = {s.get("kind") for s in inp.get("streams", []) if isinstance(s, dict)}
    fmt = str(inp.get("format", "")).split(",")[0]
    kind = "image" if fmt in IMAGE_FORMATS else "video" if "video" in kinds else "audio"
    outputs = log["outputs"]
    media = next((n for n in outputs["files"] if n.startswith("media.")), None)
    dur = (outputs.get("media") or {}).get("duration", inp.get("duration"))
    stages = {s.get("name"): (s.get("summary") or {}) for s in log.get("stages", []) if isinstance(s, dict)}
    return BundleFacts(
        id=b.id, verdict=b.verdict, media_kind=kind, media_file=media,
        duration=None if kind == "image" or dur is None else round(float(dur), 3),
        languages=_languages(stages, b.path), speakers=_speakers(log, stages, b.path),
        removed=removed(log, stages), pipeline=str((log.get("pipeline") or {}).get("name", "")),
        policy=policy_of(log), software=str(log.get("mediaanon", "")),
        models=[{"name": str(m.get("name")), "sha256": str(m.get("sha256"))} for m in log.get("models", [])
                if isinstance(m, dict) and m.get("sha256")],
        created=str(log.get("created", "")), keyed_id=all(KEYED_ID.fullmatch(p) for p in b.id.split("/")),
    )


def removed(log: dict[str, Any], stages: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Counts of what was removed, by type: PII spans by entity, masked faces, bleeped intervals."""
    out = {f"pii:{k}": int(v) for k, v in ((log.get("pii") or {}).get("counts") or {}).items()}
    faces = stages.get("blur_faces")
    if faces:
        out["faces:detections"] = int(faces.get("detections", 0))
        out["faces:frames_masked"] = int(faces.get("frames_with_faces", 0))
    bleep = stages.get("bleep_pii")
    if bleep:
        out["audio:bleeped_intervals"] = int(bleep.get("intervals", 0))
    if "anonymize_voice" in stages:
        out["voice:transformed_tracks"] = int(stages["anonymize_voice"].get("tracks", 1) or 1)
    return out


def policy_of(log: dict[str, Any]) -> str | None:
    """The redaction policy's name, where the log records one (top level, or a stage option)."""
    p = log.get("policy")
    if isinstance(p, dict):
        p = p.get("name")
    if p:
        return str(p)
    for stage in (log.get("pipeline") or {}).get("stages", []):
        for opts in stage.values() if isinstance(stage, dict) else ():
            if isinstance(opts, dict) and isinstance(opts.get("policy"), str):
                return opts["policy"]
    return None


def _languages(stages: dict[str, dict[str, Any]], path: Path) -> list[str]:
    langs: list[str] = []
    for s in stages.values():
        for key in ("language", "languages"):
            v = s.get(key)
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, str) and x and x not in langs:
                    langs.append(x)
    if not langs:
        doc = _transcript(path)
        if doc and isinstance(doc.get("language"), str):
            langs.append(doc["language"])
    return langs


def _speakers(log: dict[str, Any], stages: dict[str, dict[str, Any]], path: Path) -> int | None:
    """Number of speakers: the log's own count when a diarization stage made one, else the distinct
    speaker labels of the transcript's segments, else unknown."""
    for v in [log.get("speakers")] + [s.get("speakers") for s in stages.values()]:
        if isinstance(v, dict):
            v = v.get("count")
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    doc = _transcript(path)
    if doc:
        labels = {s.get("speaker") for s in doc.get("segments", []) if isinstance(s, dict) and s.get("speaker")}
        if labels:
            return len(labels)
    return None


def _transcript(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((path / "transcript.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration as schema.org wants it: ``PT37.542S``."""
    return f"PT{seconds:.3f}S".replace(".000S", "S")
