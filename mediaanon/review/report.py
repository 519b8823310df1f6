"""``report.html``: what a reviewer needs to check one bundle, in one self-contained file.

Self-contained: inline CSS and JS, thumbnails embedded as data URIs, no
network, no CDN; the only thing it points at is the bundle's own
``media.*`` beside it (the HTML5 player).  Made only from the anonymized
outputs and the processing log (see :mod:`.evidence`), and before it is
written the page is searched for every string that was redacted: a report
that would contain one fails the recording, as the processing log does.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from mediaanon.errors import StageError
from mediaanon.review import evidence

SAMPLES = 12  # evenly spaced thumbnails on the contact sheet (plus frames around every warning)
TYPE_COLOURS = {"PERSON": "#fbd3d3", "LOCATION": "#d3e7fb", "PLACE": "#d3e7fb", "ORGANIZATION": "#e3d3fb",
                "PHONE": "#fbecd3", "EMAIL": "#d3fbe0", "DATE": "#f5f5c8", "AGE": "#f5f5c8", "ID": "#fbd3ef",
                "ADDRESS": "#d3f5fb", "URL": "#d3fbe0", "REDACTED": "#dddddd"}


def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("mediaanon.review", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                              lstrip_blocks=True)


def media_file(bundle: Path) -> Path | None:
    found = sorted(p for p in bundle.glob("media.*") if p.is_file())
    return found[0] if found else None


def context(bundle: Path, document: dict[str, Any], thumbs: bool = True) -> dict[str, Any]:
    """Everything the template shows, read from the bundle folder and its log."""
    media = media_file(bundle)
    tpath = bundle / "transcript.json"
    transcript = json.loads(tpath.read_text(encoding="utf-8")) if tpath.is_file() else None
    segments = (transcript or {}).get("segments", [])
    duration = float(document.get("input", {}).get("duration") or 0.0)
    streams = document.get("input", {}).get("streams", [])
    n_audio = sum(1 for s in streams if s.get("kind") == "audio")
    stages = {s["name"]: s for s in document.get("stages", [])}
    faces = (stages.get("blur_faces") or {}).get("summary") or {}
    bleep = (stages.get("bleep_pii") or {}).get("summary") or {}
    verdict = document.get("verdict") or {"status": "clean", "reasons": []}
    is_video = media is not None and media.suffix == ".mp4" and "blur_faces" in stages
    sheet: list[dict[str, Any]] = []
    if is_video and thumbs and duration > 0:
        even = [duration * (i + 0.5) / SAMPLES for i in range(SAMPLES)]
        warn = [t for r in verdict.get("reasons", []) if r.get("check", "").startswith("face")
                for t in _around(r.get("t0"), r.get("t1"))]
        for rep in (faces.get("verify") or {}).get("repairs", []):
            warn += [r[0] for r in rep.get("ranges", [])[:10]]
        pics = evidence.thumbnails(media, even + warn, exact=warn, slack=duration / SAMPLES / 2)  # overview: key frames
        warned = {round(max(0.0, t), 2) for t in warn}
        sheet = [{"t": t, "src": src, "warning": t in warned} for t, src in sorted(pics.items())]
    bleeps = (bleep.get("leak_check") or {}).get("bleeped_ranges") or bleep.get("ranges") or []
    levels = []
    if media is not None and n_audio and media.suffix != ".png" and duration > 0:
        try:
            levels = evidence.loudness(media, n_audio, duration)
        except Exception:  # noqa: BLE001 - the strip is an aid; its absence must not fail the bundle
            levels = []
    return {
        "id": document.get("id", ""), "created": document.get("created", ""), "version": document.get("mediaanon"),
        "pipeline": document.get("pipeline", {}), "models": document.get("models", []),
        "dependencies": document.get("dependencies", {}), "stages": document.get("stages", []),
        "verdict": verdict, "pii": document.get("pii", {}), "duration": duration,
        "media": media.name if media else None, "is_video": is_video,
        "is_audio": media is not None and media.suffix in (".flac", ".wav", ".m4a", ".mp3"),
        "faces": faces, "verify": faces.get("verify") or {}, "leak": bleep.get("leak_check") or {},
        "sheet": sheet, "bleeps": bleeps, "levels": levels,
        "segments": [{**s, "pieces": evidence.marked(s.get("text", ""))} for s in segments],
        "review": evidence.review_list(segments), "colours": TYPE_COLOURS,
        "speakers": sorted({s["speaker"] for s in segments if s.get("speaker")}),
        "amendments": document.get("amendments", []),
    }


def render(bundle: Path, document: dict[str, Any], thumbs: bool = True) -> str:
    return environment().get_template("report.html.j2").render(**context(bundle, document, thumbs))


def write(bundle: Path, document: dict[str, Any], secrets: Iterable[str] = ()) -> dict[str, Any]:
    """Render ``bundle/report.html``; refuse (StageError) if it would hold a redacted string."""
    from mediaanon.processing_log import file_entry

    html = render(bundle, document)
    assert_clean(html, _not_in_transcript(bundle, secrets))
    path = bundle / "report.html"
    path.write_text(html, encoding="utf-8")
    return file_entry(path)


def assert_clean(html: str, secrets: Iterable[str]) -> None:
    """No redacted string (≥ 3 characters, as a whole word) anywhere in the page."""
    text = re.sub(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+", "", html).lower()  # pixels, not words
    for s in secrets:
        s = " ".join(str(s).split()).lower()
        if len(s) >= 3 and re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text):
            raise StageError("the review report would contain a redacted string; refusing to write it")


def _not_in_transcript(bundle: Path, secrets: Iterable[str]) -> list[str]:
    """The redacted strings that the bundle's own transcript does not contain anyway.

    A word redacted in one place can be kept elsewhere as an ordinary word ("Mark" the name, "mark"
    the verb); the report shows the transcript, so it must not fail for that — it fails only if it
    would carry a removed string that the bundle does not already show (its own additions).
    """
    path = bundle / "transcript.json"
    if not path.is_file():
        return list(secrets)
    text = json.loads(path.read_text(encoding="utf-8")).get("text", "").lower()
    out = []
    for s in secrets:
        norm = " ".join(str(s).split()).lower()
        if not re.search(r"(?<!\w)" + re.escape(norm) + r"(?!\w)", text):
            out.append(s)
    return out


def _around(t0: Any, t1: Any) -> list[float]:
    if t0 is None:
        return []
    t1 = t0 if t1 is None else t1
    return [max(0.0, float(t0) - 0.5), (float(t0) + float(t1)) / 2, float(t1) + 0.5]
