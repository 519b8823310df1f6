"""``mediaanon amend``: a reviewer's extra redactions, applied to a finished bundle.

Why amend a bundle instead of re-running: the reviewer has looked at this
output and found one more thing (a nickname, a street the recogniser
misheard); re-running would change everything else they already checked.
A time range, or a word by its number in ``transcript.json`` (the numbers the
report's review list shows), is redacted in every transcript format as
``[REDACTED]`` and bleeped in every audio track of ``media.*``, with the tone
settings the bundle was made with.  File hashes are recomputed, the report is
rendered again and the amendment is recorded in the processing log (times
and counts only, never the words).

Atomic: the bundle is copied into a hidden staging folder beside it, edited
there, and swapped in with two renames; on any error the staging folder is
removed and the bundle is as it was — never half-amended.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaanon import processing_log, writers
from mediaanon.audio import bleep, wavio
from mediaanon.bundle import write_json_atomic
from mediaanon.errors import InputError, UsageError
from mediaanon.media import ffmpeg
from mediaanon.media.output import AUDIO_CODECS, mux_audio_args, mux_video_args
from mediaanon.review import report

log = logging.getLogger(__name__)

MARK = "[REDACTED]"
AUDIO_SUFFIXES = {".flac", ".wav", ".m4a", ".mp3", ".mp4"}


@dataclass(frozen=True)
class Amendment:
    ranges: tuple[tuple[float, float], ...] = ()  # seconds, as the reviewer gave them
    words: tuple[int, ...] = ()  # global word numbers in transcript.json (segment order)


def parse_range(text: str) -> tuple[float, float]:
    """``"12.5-14"`` → (12.5, 14.0); a usage error otherwise."""
    try:
        a, b = (float(x) for x in text.split("-", 1))
    except ValueError:
        raise UsageError(f"--range must look like T0-T1 in seconds, e.g. 12.5-14.0 (got {text!r})") from None
    if not 0 <= a < b:
        raise UsageError("--range: T0 must be >= 0 and smaller than T1")
    return a, b


def apply(bundle: Path, amendment: Amendment) -> dict[str, Any]:
    """Amend ``bundle`` in place, atomically; return the record added to its log."""
    bundle = Path(bundle)
    log_path = bundle / "processing_log.json"
    if not log_path.is_file():
        raise InputError("not a mediaanon bundle (no processing_log.json)")
    document = json.loads(log_path.read_text(encoding="utf-8"))
    staging = bundle.parent / f".amend-{bundle.name}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(bundle, staging)
    try:
        record = _amend(staging, document, amendment)
        backup = bundle.parent / f".amend-old-{bundle.name}-{os.getpid()}"
        os.replace(bundle, backup)
        try:
            os.replace(staging, bundle)
        except BaseException:
            os.replace(backup, bundle)
            raise
        shutil.rmtree(backup, ignore_errors=True)
        return record
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _amend(folder: Path, document: dict[str, Any], amendment: Amendment) -> dict[str, Any]:
    tpath = folder / "transcript.json"
    doc = json.loads(tpath.read_text(encoding="utf-8")) if tpath.is_file() else None
    ranges = list(amendment.ranges)
    if amendment.words:
        if doc is None:
            raise InputError("--word needs transcript.json in the bundle")
        words = [w for s in doc.get("segments", []) for w in s.get("words") or []]
        for n in amendment.words:
            if not 0 <= n < len(words):
                raise UsageError(f"--word {n}: the transcript has words 0..{len(words) - 1}")
            ranges.append((float(words[n]["start"]), float(words[n]["end"])))
    if not ranges:
        raise UsageError("nothing to amend: give --range T0-T1 or --word N")
    changed_words = changed_segments = 0
    if doc is not None:
        changed_words, changed_segments = redact_transcript(doc, ranges)
        doc.setdefault("redactions", []).extend(
            {"type": "AMENDED", "replacement": MARK, "t0": round(a, 3), "t1": round(b, 3)} for a, b in ranges)
        formats = [f for f in ("json", "txt", "srt", "vtt") if (folder / f"transcript.{f}").is_file()]
        writers.write_all(folder, formats, doc)
    bleeped = bleep_media(folder, document, ranges)
    record = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "ranges": [[round(a, 3), round(b, 3)] for a, b in ranges],
              "by": "word" if amendment.words and not amendment.ranges else ("range" if not amendment.words else "both"),
              "words_redacted": changed_words, "segments_changed": changed_segments,
              "bleeped": [[round(iv.t0, 3), round(iv.t1, 3)] for iv in bleeped]}
    document.setdefault("amendments", []).append(record)
    files = document.setdefault("outputs", {}).setdefault("files", {})
    for name in list(files):
        if name != "report.html" and (folder / name).is_file():
            files[name] = processing_log.file_entry(folder / name)
    if (folder / "report.html").is_file():
        files["report.html"] = report.write(folder, document)
    write_json_atomic(folder / "processing_log.json", document)
    return record


def redact_transcript(doc: dict[str, Any], ranges: list[tuple[float, float]]) -> tuple[int, int]:
    """Replace every word overlapping a range with the marker, in words and segment text.

    A segment that overlaps a range but whose words cannot all be found in
    its text (or that has no words) is replaced whole: fail closed.
    """
    def hit(a: float, b: float) -> bool:
        return any(a < t1 and t0 < b for t0, t1 in ranges)

    n_words = n_segs = 0
    for seg in doc.get("segments", []):
        if not hit(float(seg["start"]), float(seg["end"])):
            continue
        words = seg.get("words") or []
        located = _locate(seg.get("text", ""), words)
        targets = [i for i, w in enumerate(words) if hit(float(w["start"]), float(w["end"])) and w["word"] != MARK]
        if not targets:
            if words and all(not hit(float(w["start"]), float(w["end"])) for w in words):
                continue  # the range falls between words (a pause): nothing said there
        if located is None or not words:
            seg["text"] = MARK
            seg["words"] = [{**words[0], "start": seg["start"], "end": seg["end"], "word": MARK}] if words else []
            n_words += len(words) or 1
            n_segs += 1
            continue
        text = seg["text"]
        new_words: list[dict[str, Any]] = []
        cuts: list[tuple[int, int]] = []
        for i, w in enumerate(words):
            if i in targets:
                if new_words and new_words[-1]["word"] == MARK and cuts and cuts[-1][1] is not None \
                        and i - 1 in targets:
                    new_words[-1]["end"] = w["end"]
                    cuts[-1] = (cuts[-1][0], located[i][1])
                else:
                    new_words.append({**w, "word": MARK})
                    cuts.append(located[i])
                n_words += 1
            else:
                new_words.append(w)
        for a, b in sorted(cuts, reverse=True):
            text = text[:a] + MARK + text[b:]
        seg["text"], seg["words"] = text, new_words
        n_segs += 1
    doc["text"] = " ".join(s["text"].strip() for s in doc.get("segments", []) if s.get("text", "").strip())
    return n_words, n_segs


def _locate(text: str, words: list[dict[str, Any]]) -> list[tuple[int, int]] | None:
    """Character range of each word in the segment text, left to right; None if one is missing."""
    out = []
    cursor = 0
    for w in words:
        token = str(w.get("word", "")).strip()
        at = text.find(token, cursor) if token else -1
        if at < 0:
            return None
        out.append((at, at + len(token)))
        cursor = at + len(token)
    return out


def bleep_media(folder: Path, document: dict[str, Any], ranges: list[tuple[float, float]]) -> list[bleep.Interval]:
    """Bleep ``ranges`` (padded as the bundle's bleep_pii was) in every audio stream of ``media.*``."""
    media = report.media_file(folder)
    if media is None or media.suffix not in AUDIO_SUFFIXES:
        return []
    n_audio = sum(1 for s in (document.get("input") or {}).get("streams", []) if s.get("kind") == "audio")
    if media.suffix != ".mp4":
        n_audio = max(1, n_audio if media.suffix == ".m4a" else 1)
    if not n_audio:
        return []
    opts = _bleep_options(document)
    duration = float((document.get("input") or {}).get("duration") or 0.0) or 1e9
    intervals = bleep.merge([bleep.Interval(max(0.0, a - opts["pad_before"]), min(duration, b + opts["pad_after"]), ())
                             for a, b in ranges], opts["merge_gap"])
    work = folder / ".amend-work"
    work.mkdir()
    try:
        tracks = []
        for i in range(n_audio):
            raw = work / f"in_{i}.wav"
            ffmpeg.run(ffmpeg.extract_audio_args(media, i, raw), what=f"extract audio stream {i}")

            def edit(block, rate, first):
                return bleep.apply(block, rate, intervals, mode=opts["mode"], tone_hz=opts["tone_hz"],
                                   tone_db=opts["tone_db"], ramp_s=opts["ramp"], offset=first)

            tracks.append(wavio.edit_blocks(raw, work / f"out_{i}.wav", edit))
        dst = work / media.name
        if media.suffix == ".mp4":
            argv = mux_video_args(media, tracks, None, n_audio, dst)
        else:
            fmt = media.suffix[1:]
            if fmt not in AUDIO_CODECS:
                raise InputError(f"cannot re-encode {media.name}")
            argv = mux_audio_args(tracks, fmt, dst)
        ffmpeg.run(argv, what=f"write {media.name}")
        os.replace(dst, media)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return intervals


def _bleep_options(document: dict[str, Any]) -> dict[str, Any]:
    """The bleep settings the bundle was made with (its filled pipeline), else bleep_pii's defaults."""
    from mediaanon.stages.bleep_pii import BleepOptions

    base = BleepOptions()
    out = {k: getattr(base, k) for k in ("mode", "tone_hz", "tone_db", "pad_before", "pad_after", "merge_gap", "ramp")}
    for stage in (document.get("pipeline") or {}).get("stages", []):  # [{name: options}, ...]
        if isinstance(stage, dict) and isinstance(stage.get("bleep_pii"), dict):
            out.update({k: v for k, v in stage["bleep_pii"].items() if k in out})
    return out
