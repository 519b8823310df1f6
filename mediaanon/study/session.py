"""One ``mediaanon run`` over a study: plan, then (only if needed) load and process.

The CLI parses options into :class:`RunOptions` and calls :func:`run`; this
module owns the order of things: check the pipeline file (cheap, no models),
make the plan, report what needs no work, hand the rest to the workers, write
the keys and the events.  It prints nothing; the caller's ``progress``
callback sees (media seconds done, total) after each recording.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mediaanon.bundle import is_inside, sweep_stale, write_json_atomic
from mediaanon.errors import UsageError
from mediaanon.runner import Result, check_writable
from mediaanon.study import plan as planner
from mediaanon.study.events import EventLog
from mediaanon.study.manifest import Row
from mediaanon.study.pool import Interrupted, Outcome, Setup, execute
from mediaanon.study.shard import Shard

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    inputs: list[str | Path]
    outdir: Path
    pipeline: str
    overrides: list[str] = field(default_factory=list)
    rows: list[Row] | None = None  # from --manifest
    id_from: str = "stem"
    key: bytes | None = None
    overwrite: bool = False
    models_dir: Path | None = None
    device: str = "auto"
    names_file: Path | None = None
    study_dir: Path | None = None
    key_out: Path | None = None
    jobs: int = 1
    devices: tuple[str, ...] = ()
    events: Path | None = None
    shard: Shard | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # RunContext.extra for every stage (e.g. speaker_names)


@dataclass
class RunReport:
    results: list[Result]
    plan: planner.Plan
    loaded: bool  # whether any pipeline was built (False on a rerun with nothing to do)
    interrupted: bool = False


def run(o: RunOptions, progress: Callable[[float, float], None] = lambda done, total: None) -> RunReport:
    from mediaanon.pipeline import apply_overrides, load_spec

    if o.key_out is not None and is_inside(o.key_out, o.outdir):
        raise UsageError("the re-identification key must be written outside OUTDIR")
    if o.events is not None and o.events.suffix == "" and o.events.is_dir():
        raise UsageError("--events: expected a file, got a folder")
    apply_overrides(load_spec(o.pipeline), list(o.overrides))  # a bad pipeline or --set fails before anything
    check_writable(o.outdir)  # an output folder we cannot write to: one clear error (exit 2) before any work
    sweep_stale(o.outdir)  # staging of a killed run (raw media) goes first
    plan = planner.make(o.inputs, o.outdir, rows=o.rows, id_from=o.id_from, key=o.key, overwrite=o.overwrite,
                        shard=o.shard, durations=True)
    events = EventLog(o.events, secrets.token_hex(6))
    started = time.monotonic()
    events.emit("run_started", planned=plan.counts(), jobs=o.jobs, shard=str(o.shard) if o.shard else None)
    results: list[Result] = []
    for r in plan.results(o.outdir, o.id_from):
        _emit_result(events, r)
        results.append(r)
    work = plan.work()
    total = sum(t.duration for t in work)
    state = {"done": 0.0}
    durations = {t.id: t.duration for t in work}
    keys: dict[str, dict[str, str]] = {}

    def on_outcome(oc: Outcome) -> None:
        r = oc.result
        _emit_result(events, r, oc)
        if oc.key:
            keys[r.id] = oc.key
            if o.study_dir is not None:
                from mediaanon.study.folder import write_bundle_key

                write_bundle_key(o.study_dir, r.id, oc.key)
        state["done"] += durations.get(r.id, 0.0)
        progress(state["done"], total)

    setup = Setup(outdir=o.outdir, pipeline=o.pipeline, overrides=tuple(o.overrides), id_from=o.id_from, key=o.key,
                  overwrite=o.overwrite, models_dir=o.models_dir, device=o.device, names_file=o.names_file,
                  study_dir=o.study_dir, events=o.events, run_id=events.run_id, jobs=max(1, o.jobs),
                  devices=o.devices, collect_keys=o.key_out is not None or o.study_dir is not None,
                  extra=tuple(sorted(o.extra.items())))
    interrupted = False
    outcomes: list[Outcome] = []
    try:
        if work:
            progress(0.0, total)
            outcomes = execute(work, setup, on_outcome)
    except Interrupted as exc:
        outcomes, interrupted = exc.outcomes, True
    results += [oc.result for oc in outcomes]
    if o.key_out is not None and keys:
        o.key_out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(Path(o.key_out), {"schema": "mediaanon.reidentification_key/1", "bundles": keys})
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    events.emit("run_done", counts=counts, seconds=round(time.monotonic() - started, 3), interrupted=interrupted or None,
                loaded_models=bool(work))
    events.close()
    return RunReport(results, plan, bool(work), interrupted)


def _emit_result(events: EventLog, r: Result, oc: Outcome | None = None) -> None:
    kind = {"done": "recording_done", "skipped": "recording_skipped"}.get(r.status, "recording_failed")
    fields: dict[str, Any] = {"id": r.id}
    if r.status == "failed":
        fields.update(stage=r.stage, message=r.message, exit_code=r.exit_code)
    if r.verdict:
        fields["verdict"] = r.verdict
    if oc is not None:
        fields.update(seconds=oc.seconds, worker=oc.worker, peak_rss_mb=oc.peak_rss_mb)
    if r.status == "done" and r.path is not None:
        fields.update(_counts(Path(r.path)))
    events.emit(kind, **fields)


def _counts(bundle: Path) -> dict[str, Any]:
    """Counts from the processing log (PII totals by type, media seconds) — no strings of the recording."""
    try:
        doc = json.loads((bundle / "processing_log.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pii = doc.get("pii") or {}
    return {"media_seconds": (doc.get("input") or {}).get("duration"), "pii": pii.get("total", 0),
            "pii_by_type": pii.get("counts") or None, "stages": [s.get("name") for s in doc.get("stages", [])
                                                                 if s.get("status") == "done"]}
