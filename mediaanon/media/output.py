"""Assemble the bundle's ``media.<ext>`` and check it against the input.

The output is built only from what the stages produced (``Recording.video``,
``Recording.audio_tracks``, ``Recording.image``) plus the input's *video*
stream when no stage touched it.  Subtitle, data and attachment streams of
the input are never carried (they can hold names), and global, stream and
chapter metadata are dropped.  After writing, the file is probed again and
the recording fails if a stream is missing, the duration drifted, or a
metadata tag survived (deface #4/#52, gotosocial #2577).
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from mediaanon.errors import StageError
from mediaanon.media import ffmpeg
from mediaanon.media.probe import parse_ffprobe, probe, probe_args
from mediaanon.records import Probe

log = logging.getLogger(__name__)

AUDIO_CODECS = {"flac": ("flac", []), "wav": ("pcm_s16le", []), "m4a": ("aac", ["-b:a", "192k"]), "mp3": ("libmp3lame", ["-q:a", "2"])}
ALLOWED_FORMAT_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder"}
ALLOWED_STREAM_TAGS = {"handler_name", "vendor_id", "language", "encoder"}


def mux_video_args(video_src: Path, tracks: list[Path], copy_audio_from: Path | None, n_audio: int, dst: Path,
                   encoded: bool = False) -> list[str]:
    """argv: one video stream plus every audio stream into an MP4.

    ``tracks`` are our processed WAVs (encoded to AAC), or with ``encoded`` their AAC
    files from :func:`encode_audio` (copied); when the audio was not
    edited, ``copy_audio_from`` names the input whose audio streams are copied
    bit-for-bit (the ``faces`` preset: "audio copied as is").
    """
    args = ffmpeg.base_args() + ["-i", str(video_src)]
    for t in tracks:
        args += ["-i", str(t)]
    if copy_audio_from is not None:
        args += ["-i", str(copy_audio_from)]
    # the video is either blur_faces' output (already encoded, upright) or the
    # untouched input stream: both are copied, the latter with its rotation side data
    args += ["-map", "0:v:0", "-c:v", "copy"]
    if tracks:
        for i in range(len(tracks)):
            args += ["-map", f"{i + 1}:a:0"]
        args += ["-c:a", "copy"] if encoded else ["-c:a", AUDIO_CODECS["m4a"][0], *AUDIO_CODECS["m4a"][1]]
    elif copy_audio_from is not None and n_audio:
        args += ["-map", f"{len(tracks) + 1}:a", "-c:a", "copy"]
    args += ["-sn", "-dn", *ffmpeg.STRIP_METADATA, "-movflags", "+faststart", str(dst)]
    return args


def mux_audio_args(tracks: list[Path], fmt: str, dst: Path) -> list[str]:
    """argv: processed audio track(s) into ``media.<fmt>``."""
    codec, extra = AUDIO_CODECS[fmt]
    args = ffmpeg.base_args()
    for t in tracks:
        args += ["-i", str(t)]
    for i in range(len(tracks)):
        args += ["-map", f"{i}:a:0"]
    return args + ["-c:a", codec, *extra, *ffmpeg.STRIP_METADATA, str(dst)]


def encode_audio(rec: Any) -> None:
    """AAC-encode a video recording's final audio tracks now, for ``write_media`` to copy.

    Why: the audio stages end long before ``blur_faces`` (they run alongside it), and encoding a
    long interview's track took ~4 s of the bundle writing that came after the faces.  The
    encoded file is used only while its WAV is still the recording's current track.
    """
    if rec.kind != "video" or "audio_edited" not in rec.facts:
        return
    for i, t in enumerate(rec.audio_tracks):
        dst = rec.scratch / f"audio_out_{i}.m4a"
        ffmpeg.run(mux_audio_args([t], "m4a", dst), what=f"encode audio track {i}")
        rec.encoded_audio[t] = dst


def write_media(rec: Any, dest_dir: Path, out: Any) -> tuple[Path, Probe | None] | None:
    """Write ``media.<ext>`` into ``dest_dir`` for ``rec``; ``None`` when nothing to write.

    Returns the path and, for audio/video, the probe taken by :func:`verify`
    (so the caller can log it without probing the file again).
    ``out`` is the pipeline's :class:`~mediaanon.pipeline.OutputOptions`.
    """
    edited_audio = "audio_edited" in rec.facts
    changed = rec.video_processed or edited_audio or rec.image is not None
    if out.media == "never" or (out.media == "auto" and not changed):
        return None
    if rec.kind == "image":
        if rec.image is None:
            raise StageError("image output requested but no stage produced an anonymized image")
        dst = dest_dir / f"media{rec.image.suffix.lower()}"
        shutil.copyfile(rec.image, dst)
        return dst, None
    if rec.kind == "video":
        dst = dest_dir / "media.mp4"
        src = rec.video if rec.video is not None else rec.source
        n_audio = len(rec.probe.audio_streams)
        tracks = list(rec.audio_tracks) if edited_audio else []
        encoded = bool(tracks) and all(t in rec.encoded_audio for t in tracks)
        if encoded:
            tracks = [rec.encoded_audio[t] for t in tracks]
        argv = mux_video_args(src, tracks, None if edited_audio else rec.source, n_audio, dst, encoded)
        ffmpeg.run(argv, what="write media.mp4")
        return dst, verify(rec.probe, dst, expect_video=True, n_audio=n_audio, max_drift=out.max_duration_drift)
    # audio input
    tracks = list(rec.audio_tracks) if edited_audio else rec.original_audio_tracks()
    if len(tracks) > 1 and out.audio_format != "m4a":
        raise StageError(f"{len(tracks)} audio streams cannot go into one {out.audio_format} file; set output.audio_format=m4a")
    dst = dest_dir / f"media.{out.audio_format}"
    ffmpeg.run(mux_audio_args(tracks, out.audio_format, dst), what=f"write media.{out.audio_format}")
    return dst, verify(rec.probe, dst, expect_video=False, n_audio=len(tracks), max_drift=out.max_duration_drift)


def verify(source: Probe, path: Path, *, expect_video: bool, n_audio: int, max_drift: float) -> Probe:
    """Re-probe an output: stream counts, duration and metadata must be right."""
    got, leftover = _probe_with_tags(path)
    if expect_video and len(got.video_streams) != 1:
        raise StageError(f"output has {len(got.video_streams)} video streams, expected 1")
    if len(got.audio_streams) != n_audio:
        raise StageError(f"output has {len(got.audio_streams)} audio streams, expected {n_audio}")
    if source.duration and abs(got.duration - source.duration) > max_drift:
        raise StageError(f"output lasts {got.duration:.3f} s, input {source.duration:.3f} s (tolerance {max_drift} s)")
    if leftover:
        raise StageError(f"metadata survived in the output: {', '.join(sorted(leftover))}")
    return got


def _probe_with_tags(path: Path) -> tuple[Probe, set[str]]:
    """One ffprobe run for both the stream facts and the leftover tags (PyAV when there is no ffprobe)."""
    exe = ffmpeg.ffprobe_binary()
    if not exe:
        return probe(path), metadata_tags(path)
    data = _ffprobe_json(exe, path)
    if not data.get("streams"):
        return probe(path), metadata_tags(path)  # probe() gives the one-line reason
    return parse_ffprobe(data, size=path.stat().st_size), _ffprobe_tags(data)


def _ffprobe_json(exe: str, path: Path) -> dict[str, Any]:
    import json
    import subprocess

    proc = subprocess.run(probe_args(exe, path, chapters=True), capture_output=True, check=False)
    try:
        return json.loads(proc.stdout or b"{}")
    except ValueError:
        return {}


def _ffprobe_tags(data: dict[str, Any]) -> set[str]:
    keys = {f"format:{k}" for k in (data.get("format", {}).get("tags") or {}) if k not in ALLOWED_FORMAT_TAGS}
    for s in data.get("streams", []):
        keys |= {f"stream:{k}" for k, v in (s.get("tags") or {}).items()
                 if k not in ALLOWED_STREAM_TAGS and not (k == "language" and v == "und")}
    if data.get("chapters"):
        keys.add("chapters")
    return keys


def metadata_tags(path: Path) -> set[str]:
    """Tag keys in the file beyond the harmless container descriptors."""
    exe = ffmpeg.ffprobe_binary()
    keys: set[str] = set()
    if exe:
        return _ffprobe_tags(_ffprobe_json(exe, path))
    import av

    with av.open(str(path)) as c:
        keys |= {f"format:{k}" for k in c.metadata if k not in ALLOWED_FORMAT_TAGS}
        for s in c.streams:
            keys |= {f"stream:{k}" for k in s.metadata if k not in ALLOWED_STREAM_TAGS}
    return keys
