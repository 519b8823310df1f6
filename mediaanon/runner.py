"""Run a built pipeline over recordings, one bundle (or failure record) each.

Fail closed (DESIGN principle 1): any error inside a recording removes its
staging and scratch folders and writes ``<id>.failed.json`` with a one-line,
PII-free message; the other recordings go on.  The exit code says what
happened (see :mod:`mediaanon.errors`).
"""
from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaanon import processing_log, writers
from mediaanon.bundle import BundleExistsError, BundleWriter, is_inside, stem_id, sweep_stale, write_json_atomic
from mediaanon.errors import EXIT_FAILED, EXIT_OK, EXIT_REVIEW, InputError, MediaanonError, StageError, UsageError
from mediaanon.hooks import Hook, Progress, no_hook
from mediaanon.inputs import InputItem, bundle_id, discover
from mediaanon.media import ffmpeg
from mediaanon.media.output import encode_audio, write_media
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
    check_writable(outdir)
    sweep_stale(outdir)
    items, problems = discover(inputs)
    results = [input_problem(outdir, name, msg, id_from) for name, msg in problems]
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
        cannot_feed = check_applicable(pipeline, rec)
        stage_logs: list[dict[str, Any]] = []
        aside = Alongside.start(pipeline, rec, cannot_feed, hook)
        try:
            for stage in pipeline.stages:
                stage_name = stage.name
                if aside is not None and stage is aside.stage:
                    stage_logs.append(aside.entry)  # filled in when it ends
                    continue
                if not stage.applies_to(rec) or stage.name in cannot_feed:
                    stage_logs.append({"name": stage.name, "status": "not_applicable",
                                       "reason": cannot_feed.get(stage.name, f"{rec.kind} input")})
                    continue
                stage_logs.append(run_stage(stage, rec, hook))
            if aside is not None:
                stage_name = "write_bundle"
                encode_audio(rec)  # the audio is final: encode it while the faces still run
                stage_name = aside.stage.name
                aside.finish()
        except Exception:
            if aside is not None:
                aside.thread.join()  # never clean up a staging folder a stage still writes to
            raise
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
    except BundleExistsError as exc:  # two runs on one OUTDIR: the other one's complete bundle stands
        writer.cleanup()
        return Result(rid, "skipped", writer.final, exc.one_line(), EXIT_OK)
    except Exception as exc:  # noqa: BLE001 - fail closed on anything
        log.debug("recording %s failed in %s", rid, stage_name, exc_info=True)
        return _fail(writer, stage_name, exc, item)


def run_stage(stage: Any, rec: Recording, hook: Hook) -> dict[str, Any]:
    """Run one stage; its processing-log entry (wall and CPU seconds: CPU of the whole process)."""
    t0, c0 = time.monotonic(), time.process_time()
    hook(Progress(rec.id, stage.name, 0.0, None))
    summary = stage(rec, hook)
    rec.facts |= set(stage.assigns)
    return {"name": stage.name, "status": "done", "seconds": round(time.monotonic() - t0, 3),
            "cpu_seconds": round(time.process_time() - c0, 3), "summary": summary}


class Alongside:
    """``blur_faces`` on a thread of its own while the audio stages run in order on this one.

    Why: the audio does not wait for the video.  Masking keeps two cores busy only while CenterFace
    runs; its start, the encoder's flush, the timestamp check and the verification's decode leave
    one idle, and the audio chain (transcribe, bleep_pii) fills it.  Only a stage no other stage
    needs (nothing requires ``faces_blurred``) is run so; the log keeps the pipeline's order (CPU
    seconds of overlapping stages overlap).  Its error is raised after the others end.
    """

    NAMES = ("blur_faces",)

    def __init__(self, stage: Any, rec: Recording, hook: Hook):
        self.stage, self.entry = stage, {"name": stage.name}
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(rec, hook), name=f"stage-{stage.name}", daemon=True)

    @classmethod
    def start(cls, pipeline: Pipeline, rec: Recording, cannot_feed: dict[str, str], hook: Hook) -> "Alongside | None":
        live = [s for s in pipeline.stages if s.applies_to(rec) and s.name not in cannot_feed]
        for stage in live:
            needed = any(set(stage.assigns) & set(getattr(o, "requires", ())) for o in live if o is not stage)
            if stage.name in cls.NAMES and len(live) > 1 and not needed:
                aside = cls(stage, rec, hook)
                aside.thread.start()
                return aside
        return None

    def _run(self, rec: Recording, hook: Hook) -> None:
        try:
            self.entry.update(run_stage(self.stage, rec, hook))
        except BaseException as exc:  # noqa: BLE001 - raised by finish() on the runner's thread
            self.error = exc
        finally:
            self.done.set()

    def finish(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def check_writable(outdir: Path) -> None:
    """An output folder we cannot write to is one clear error before any work (no failure record fits)."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=outdir).close()
    except OSError as exc:
        raise UsageError(f"cannot write to the output folder: {exc.strerror or type(exc).__name__}") from None


def check_applicable(pipeline: Pipeline, rec: Recording) -> dict[str, str]:
    """Per-recording dataflow: media facts of this input, and at least one stage to run.

    Returns the stages this input cannot feed, with the reason for the log: a
    video without an audio track still gets its faces masked (a faces-only
    bundle that says there was no audio) instead of failing the recording;
    an input none of whose stages can run is an error.
    """
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
    cannot_feed: dict[str, str] = {}
    lost: set[str] = set()  # facts that only a skipped stage would have assigned
    gained: set[str] = set()
    for s in applicable:
        missing = {f for f in s.requires if f in ("audio", "video", "image")} - have
        starved = (set(s.requires) & lost) - gained
        if missing:
            cannot_feed[s.name] = f"this {rec.kind} input has no {' or '.join(sorted(missing))} stream"
        elif starved:
            cannot_feed[s.name] = f"needs {', '.join(sorted(starved))}, which no stage could produce"
        (lost if s.name in cannot_feed else gained).update(s.assigns)
    if len(cannot_feed) == len(applicable):
        name, reason = next(iter(cannot_feed.items()))
        raise InputError(f"stage {name} cannot run: {reason}")
    if cannot_feed:
        log.warning("%s not run: %s (the bundle says so in its log)", ", ".join(cannot_feed),
                    next(iter(cannot_feed.values())))
    return cannot_feed


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


def input_problem(outdir: Path, name: str, message: str, id_from: str) -> Result:
    """An INPUT argument that names no usable file still leaves its ``.failed.json``, like any failure.

    Not under ``--id-from hash``: there is no content to hash, and the file
    name (possibly PII) must not reach OUTDIR.
    """
    path = None
    if id_from == "stem":
        writer = BundleWriter(outdir, stem_id(Path(name)))
        path = writer.fail("input", InputError(message), message, EXIT_FAILED)
    return Result(name, "failed", path, message, EXIT_FAILED, "input")


def _fail(writer: BundleWriter, stage: str, exc: BaseException, item: InputItem) -> Result:
    code = exc.exit_code if isinstance(exc, MediaanonError) and exc.exit_code != 2 else EXIT_FAILED
    msg = _message(exc, item)
    try:
        path = writer.fail(stage, exc, msg, code)
    except OSError as err:  # e.g. the disk is full: still no traceback, and the batch goes on
        writer.cleanup()
        path, msg = None, f"{msg} (and the failure record could not be written: {err.strerror or err})"
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
