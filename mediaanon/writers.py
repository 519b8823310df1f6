"""Transcript writers: json, txt, srt, vtt (whisper's writer set), redacted only.

Writers take the *redacted* per-segment texts (``Recording.redacted_segments``)
and never see the raw transcript: the raw text has no path into the bundle.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

Segments = list[dict[str, Any]]


def timestamp(seconds: float, sep: str) -> str:
    """``HH:MM:SS{sep}mmm`` (``,`` for SRT, ``.`` for WebVTT)."""
    ms = max(0, int(round(seconds * 1000)))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cues(segments: Segments) -> Iterable[tuple[float, float, str]]:
    for seg in segments:
        text = " ".join(str(seg.get("text", "")).split())
        if text:
            label = f"{seg['speaker']}: " if seg.get("speaker") else ""
            yield float(seg["start"]), float(seg["end"]), label + text


def to_srt(segments: Segments) -> str:
    blocks = [
        f"{i}\n{timestamp(a, ',')} --> {timestamp(b, ',')}\n{t}\n"
        for i, (a, b, t) in enumerate(_cues(segments), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: Segments) -> str:
    """WebVTT; a labelled segment is a voice span (``<v S1>text``), text escaped as the format requires."""
    blocks = []
    for seg in segments:
        text = " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if seg.get("speaker"):
            text = f"<v {seg['speaker']}>{text}"
        blocks.append(f"{timestamp(float(seg['start']), '.')} --> {timestamp(float(seg['end']), '.')}\n{text}\n")
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_txt(segments: Segments) -> str:
    """One line per segment; with speaker labels, one ``S1: …`` paragraph per turn (consecutive segments joined)."""
    lines: list[list[str]] = []  # [speaker, text]
    for seg in segments:
        text = " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        spk = seg.get("speaker") or ""
        if spk and lines and lines[-1][0] == spk:
            lines[-1][1] += " " + text
        else:
            lines.append([spk, text])
    return "".join(f"{spk}: {text}\n" if spk else f"{text}\n" for spk, text in lines)


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


WRITERS: dict[str, Callable[[Segments], str]] = {"srt": to_srt, "vtt": to_vtt, "txt": to_txt}


def transcript_document(language: str, text: str, segments: Segments, redactions: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON transcript: redacted text, segments and where the redactions are."""
    return {
        "schema": "mediaanon.transcript/1",
        "language": language,
        "text": text,
        "segments": segments,
        "redactions": redactions,
    }


def write_all(dest: Path, formats: Iterable[str], doc: dict[str, Any]) -> list[Path]:
    """Write ``transcript.<fmt>`` for each format into ``dest``; return the paths."""
    out = []
    for fmt in formats:
        body = to_json(doc) if fmt == "json" else WRITERS[fmt](doc["segments"])
        path = dest / f"transcript.{fmt}"
        path.write_text(body, encoding="utf-8")
        out.append(path)
    return out
