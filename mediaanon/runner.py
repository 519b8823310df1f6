"""Run a built pipeline over recordings, one bundle (or failure record) each.

Fail closed (DESIGN principle 1): any error inside a recording removes its
staging and scratch folders and writes ``<id>.failed.json`` with a one-line,
PII-free message; the other recordings go on.  The exit code says what
happened (see :mod:`mediaanon.errors`).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaanon import processing_log, writers
from mediaanon.bundle import BundleWriter, is_inside, sweep_stale, write_json_atomic
from mediaanon.errors import EXIT_FAILED, EXIT_OK, EXIT_REVIEW, InputError, MediaanonError, StageError, UsageError
from mediaanon.hooks import Hook, Progress, no_hook
from mediaanon.inputs import InputItem, bundle_id, discover
from mediaanon.media import ffmpeg
from mediaanon.media.output import write_media
from mediaanon.media.probe import probe
from mediaanon.pipeline import Pipeline
from mediaanon.recording import Recording
from mediaanon.speakers import rttm as speakers_rttm
from mediaanon.speakers import select as speakers_select
from mediaanon.review import verdict as review_verdict

log = logging.getLogger(__name__)


@dataclass
class Result:
    id: str
    status: str  # done | failed | skipped
    path: Path | None = None  # bundle folder or failure record
    message: str = ""
    exit_code: int = EXIT_OK
    stage: str = ""
    verdict: str = ""  # clean | review for done bundles (see mediaanon.review); "" when not judged


def run(inputs: list[str | Path], outdir: Path, pipeline: Pipeline, *, id_from: str = "stem",
        key: bytes | None = None, overwrite: bool = False, hook: Hook = no_hook,
        key_out: Path | None = None) -> list[Result]:
    """Process every input; return one :class:`Result` each (problems included)."""
    outdir = Path(outdir)
    if key_out is not None and is_inside(key_out, outdir):
        raise UsageError("the re-identification key must be written outside OUTDIR")
    outdir.mkdir(parents=True, exist_ok=True)
    sweep_stale(outdir)
    items, problems = discover(inputs)
    results = [Result(name, "failed", None, msg, EXIT_FAILED, "input") for name, msg in problems]
    seen: set[str] = set()
    keys: dict[str, dict[str, str]] = {}
    for item in items:
        res = process(item, outdir, pipeline, id_from=id_from, key=key, overwrite=overwrite, hook=hook,
                      seen=seen, keys=keys if key_out else None)
        results.append(res)
    if key_out is not None and keys:
        key_out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(Path(key_out), {"schema": "mediaanon.reidentification_key/1", "bundles": keys})
    return results


def process(item: InputItem, outdir: Path, pipeline: Pipeline, *, id_from: str, key: bytes | None,
            overwrite: bool, hook: Hook, seen: set[str], keys: dict[str, dict[str, str]] | None) -> Result:
    """One recording, start to finish; never raises for problems of this recording."""
    stage_name = "input"
    try:
        rid = bundle_id(item, id_from, key)
    except (OSError, InputError) as exc:
        return Result(item.source.name, "failed", None, _message(exc, item), EXIT_FAILED, stage_name)
    writer = BundleWriter(outdir, rid, overwrite)
    if rid in seen:
        return _fail(writer, "input", InputError(
            "two inputs map to the same bundle id; rename one or use --id-from hash"), item)
    seen.add(rid)
    if writer.exists() and not overwrite:
        return Result(rid, "skipped", writer.final, "bundle exists (use --overwrite to replace it)", EXIT_OK)
    started = time.monotonic()
    try:
        staging, scratch = writer.open()
        info = probe(item.source)
        rec = Recording(id=rid, source=item.source, probe=info, scratch=scratch)
        check_applicable(pipeline, rec)
        stage_logs = []
        for stage in pipeline.stages:
            stage_name = stage.name
            if not stage.applies_to(rec):
                stage_logs.append({"name": stage.name, "status": "not_applicable", "reason": f"{rec.kind} input"})
                continue
            t0 = time.monotonic()
            hook(Progress(rid, stage.name, 0.0, None))
            summary = stage(rec, hook)
            rec.facts |= set(stage.assigns)
            stage_logs.append({"name": stage.name, "status": "done", "seconds": round(time.monotonic() - t0, 3),
                               "summary": summary})
        stage_name = "write_bundle"
        verdict = review_verdict.judge(stage_logs, rec.transcript)
        outputs = write_outputs(rec, staging, pipeline)
        document = processing_log.build(
            bundle_id=rid, pipeline=pipeline.filled(),
            models=[_model_entry(m) for s in pipeline.stages for m in s.models_used],
            probe=info.summary(), stages=stage_logs, pii=processing_log.pii_section(rec.pii),
            outputs=outputs, tools={"ffmpeg": ffmpeg.version(), "probe": info.tool}, started=started)
        document["verdict"] = verdict.to_dict()
        if pipeline.output.report:
            from mediaanon.review import report

            outputs["files"]["report.html"] = report.write(staging, document, secrets_of(rec))
        processing_log.assert_clean(document, secrets_of(rec))
        write_json_atomic(staging / "processing_log.json", document)
        final = writer.commit()
        if keys is not None and rec.key:
            keys[rid] = dict(rec.key)
        hook(Progress(rid, "done", 1.0, 1.0))
        return Result(rid, "done", final, verdict=verdict.status,
                      exit_code=EXIT_REVIEW if verdict.status == "review" else EXIT_OK)
    except KeyboardInterrupt:
        writer.cleanup()
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed on anything
        log.debug("recording %s failed in %s", rid, stage_name, exc_info=True)
        return _fail(writer, stage_name, exc, item)


def check_applicable(pipeline: Pipeline, rec: Recording) -> None:
    """Per-recording dataflow: media facts of this input, and at least one stage to run."""
    if rec.kind in ("audio", "video") and rec.probe.duration <= 0:
        raise InputError("the recording has zero length")
    applicable = [s for s in pipeline.stages if s.applies_to(rec)]
    if not applicable:
        raise InputError(f"pipeline {pipeline.spec.name} has no stage for {rec.kind} inputs")
    have = {rec.kind}
    if rec.probe.audio_streams:
        have.add("audio")
        if not any(s.duration is None or s.duration > 0 for s in rec.probe.audio_streams):
            raise InputError("the audio stream has zero length")
    for s in applicable:
        missing = {f for f in s.requires if f in ("audio", "video", "image")} - have
        if missing:
            raise InputError(f"stage {s.name} needs {', '.join(sorted(missing))}, but this {rec.kind} input has no "
                             f"{' or '.join(sorted(missing))} stream")


def write_outputs(rec: Recording, staging: Path, pipeline: Pipeline) -> dict[str, Any]:
    """Transcript files and media into the staging folder; their sizes and hashes."""
    files: list[Path] = []
    if rec.transcript is not None:
        if "pii" not in rec.facts or rec.redacted_text is None:
            raise StageError("a transcript exists but was not redacted; refusing to write it")
        redactions = [{"type": s.type, "replacement": s.replacement, "t0": s.t0, "t1": s.t1} for s in rec.pii]
        doc = writers.transcript_document(rec.transcript.language, rec.redacted_text, rec.redacted_segments, redactions)
        if rec.speakers is not None:  # diarize_speakers ran: labels, overlaps and uncertain stretches
            doc["speakers"] = speakers_select.document_section(rec.speakers)
        files += writers.write_all(staging, pipeline.output.transcript_formats, doc)
    if rec.speakers is not None:  # who spoke when, in the standard format (labels only)
        files.append(speakers_rttm.write(staging / "speakers.rttm", rec.speakers.turns, rec.id))
    written = write_media(rec, staging, pipeline.output)
    if written is not None:
        files.append(written[0])
    out: dict[str, Any] = {"files": {p.name: processing_log.file_entry(p) for p in files}}
    if written is not None and written[1] is not None:
        out["media"] = written[1].summary()
    return out


def secrets_of(rec: Recording) -> list[str]:
    """Strings that must not appear in any log: the originals of every PII span."""
    out = list(rec.key.values())
    if rec.transcript is not None:
        text = rec.transcript.text
        out += [text[s.start:s.end] for s in rec.pii if 0 <= s.start < s.end <= len(text)]
    return out


def _model_entry(m: Any) -> dict[str, Any]:
    return {"name": m.name, "sha256": m.sha256, "device": m.device}


def _message(exc: BaseException, item: InputItem) -> str:
    """One line, no traceback, and never the input's path or name (they can be PII)."""
    if isinstance(exc, MediaanonError):
        msg = exc.one_line()
    elif isinstance(exc, MemoryError):
        msg = "out of memory"
    else:
        msg = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    for s in (str(item.source.resolve()), str(item.source), item.source.name):
        if s and len(s) >= 3:
            msg = msg.replace(s, "<input>")
    return msg[:500]


def _fail(writer: BundleWriter, stage: str, exc: BaseException, item: InputItem) -> Result:
    code = exc.exit_code if isinstance(exc, MediaanonError) and exc.exit_code != 2 else EXIT_FAILED
    msg = _message(exc, item)
    path = writer.fail(stage, exc, msg, code)
    return Result(writer.bundle_id, "failed", path, msg, code, stage)


def summary_line(results: list[Result]) -> str:
    done = sum(r.status == "done" for r in results)
    failed = sum(r.status == "failed" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    review = sum(r.verdict == "review" for r in results)
    return f"{done} done ({review} need review), {failed} failed, {skipped} skipped"


def exit_code(results: list[Result]) -> int:
    """The worst outcome; a failure (1, 3) wins over "done but needs review" (4)."""
    codes = [r.exit_code for r in results]
    worse = [c for c in codes if c not in (EXIT_OK, EXIT_REVIEW)]
    if worse:
        return max(worse)
    return EXIT_REVIEW if EXIT_REVIEW in codes else EXIT_OK


def results_json(results: list[Result]) -> str:
    return json.dumps([{"id": r.id, "status": r.status, "path": str(r.path) if r.path else None,
                        "stage": r.stage, "message": r.message, "verdict": r.verdict or None} for r in results],
                      indent=2)
