"""Probe an input: streams, durations, rotation — with ffprobe, or PyAV without it.

The probe decides which stages apply (video, image or audio input) and is
the reference the outputs are checked against (duration, frame count,
stream count).  Only stream facts are kept; tags are never copied into our
records because titles, comments and GPS tags are exactly the PII we strip.
"""
from __future__ import annotations

import json
import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

from mediaanon.errors import InputError
from mediaanon.media import ffmpeg
from mediaanon.records import Probe, Stream

log = logging.getLogger(__name__)


def probe(path: Path) -> Probe:
    """Probe ``path``; raise :class:`InputError` with a one-line reason if it is not media."""
    path = Path(path)
    if not path.exists():
        raise InputError("input not found")
    if path.is_dir():
        raise InputError("input is a directory")
    if path.stat().st_size == 0:
        raise InputError("input is an empty file")
    exe = ffmpeg.ffprobe_binary()
    result = _probe_ffprobe(exe, path) if exe else _probe_pyav(path)
    if not result.streams or result.kind == "none":
        raise InputError("no audio or video stream found (not a media file?)")
    return result


def probe_args(exe: str, path: Path, chapters: bool = False) -> list[str]:
    """ffprobe's JSON on format and streams (and chapters, which the output check looks for)."""
    return [exe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
            *(["-show_chapters"] if chapters else []), str(path)]


def _probe_ffprobe(exe: str, path: Path) -> Probe:
    import subprocess

    proc = subprocess.run(probe_args(exe, path), capture_output=True, check=False)
    if proc.returncode != 0:
        raise InputError("cannot read this file as media (ffprobe failed; corrupt or unsupported?)")
    try:
        data = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError:
        raise InputError("cannot read this file as media (unparseable probe output)") from None
    return parse_ffprobe(data, size=path.stat().st_size)


def parse_ffprobe(data: dict[str, Any], size: int = 0) -> Probe:
    """Turn ffprobe's JSON into a :class:`Probe` (pure; tested on fixtures)."""
    fmt = data.get("format", {})
    streams = []
    for s in data.get("streams", []):
        kind = s.get("codec_type", "data")
        streams.append(
            Stream(
                index=int(s.get("index", len(streams))),
                kind=kind,
                codec=s.get("codec_name", "unknown"),
                duration=_float(s.get("duration")),
                width=int(s.get("width", 0) or 0),
                height=int(s.get("height", 0) or 0),
                fps=_rate(s.get("avg_frame_rate")) or _rate(s.get("r_frame_rate")),
                nb_frames=_int(s.get("nb_frames")),
                rotation=_rotation(s),
                attached_pic=bool(s.get("disposition", {}).get("attached_pic", 0)),
                sample_rate=int(s.get("sample_rate", 0) or 0),
                channels=int(s.get("channels", 0) or 0),
                channel_layout=s.get("channel_layout", "") or "",
            )
        )
    duration = _float(fmt.get("duration")) or max((s.duration or 0.0 for s in streams), default=0.0)
    has_tags = bool(fmt.get("tags")) or any(s.get("tags") for s in data.get("streams", []))
    return Probe(
        format_name=fmt.get("format_name", "unknown"),
        duration=duration or 0.0,
        streams=tuple(streams),
        size=size or int(fmt.get("size", 0) or 0),
        has_metadata_tags=has_tags,
        tool="ffprobe",
    )


def _probe_pyav(path: Path) -> Probe:
    """The same facts through PyAV (bundled with faster-whisper) when ffprobe is absent."""
    try:
        import av
    except ImportError:
        raise InputError("no ffprobe on PATH and PyAV is not installed: cannot probe inputs") from None
    try:
        with av.open(str(path)) as c:
            streams = []
            for s in c.streams:
                kind = s.type or "data"
                cc = s.codec_context
                dur = float(s.duration * s.time_base) if s.duration and s.time_base else None
                rate = s.average_rate if kind == "video" else None
                streams.append(
                    Stream(
                        index=s.index,
                        kind=kind,
                        codec=cc.name if cc else "unknown",
                        duration=dur,
                        width=getattr(cc, "width", 0) or 0 if kind == "video" else 0,
                        height=getattr(cc, "height", 0) or 0 if kind == "video" else 0,
                        fps=float(rate) if rate else 0.0,
                        nb_frames=s.frames or None,
                        rotation=_norm_rot(-_pyav_rotation(s)) if kind == "video" else 0,
                        attached_pic=bool(getattr(s, "disposition", 0) and "attached_pic" in str(s.disposition)),
                        sample_rate=getattr(cc, "sample_rate", 0) or 0 if kind == "audio" else 0,
                        channels=getattr(cc, "channels", 0) or 0 if kind == "audio" else 0,
                        channel_layout=(cc.layout.name if kind == "audio" and getattr(cc, "layout", None) else ""),
                    )
                )
            duration = float(c.duration / 1_000_000) if c.duration else max((s.duration or 0 for s in streams), default=0)
            fmt = c.format.name
            has_tags = bool(c.metadata) or any(s.metadata for s in c.streams)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - PyAV raises many types for a bad file
        raise InputError("cannot read this file as media (corrupt or unsupported?)") from None
    return Probe(fmt, duration, tuple(streams), size=path.stat().st_size, has_metadata_tags=has_tags, tool="pyav")


def _pyav_rotation(stream: Any) -> float:
    for frame_side in ("side_data",):
        sd = getattr(stream, frame_side, None)
        if sd and "DISPLAYMATRIX" in str(sd):
            try:
                return float(sd["DISPLAYMATRIX"])
            except Exception:  # noqa: BLE001
                return 0.0
    tag = stream.metadata.get("rotate") if stream.metadata else None
    return -float(tag) if tag else 0.0


def _rotation(s: dict[str, Any]) -> int:
    """Clockwise display rotation in degrees (0/90/180/270).

    ffprobe reports a display matrix rotation that is counter-clockwise
    (``-90`` for a portrait phone clip), older files a ``rotate`` tag that is
    clockwise (``90``).  Both become the clockwise angle the frames must be
    turned by to be upright.
    """
    for sd in s.get("side_data_list", []) or []:
        if "rotation" in sd:
            return _norm_rot(-float(sd["rotation"]))
    tag = (s.get("tags") or {}).get("rotate")
    return _norm_rot(float(tag)) if tag else 0


def _norm_rot(deg: float) -> int:
    return int(round(deg / 90.0)) * 90 % 360


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _rate(v: Any) -> float:
    try:
        f = Fraction(v)
        return float(f) if f > 0 else 0.0
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0
