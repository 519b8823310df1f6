"""Plan, then load: what each recording needs, decided before any model loads.

A rerun of a study after a crash, or after a few recordings were added, must
not spend minutes loading Whisper, spaCy and CenterFace to find that almost
everything is there already.  The plan looks only at the inputs and OUTDIR:

- ``run``: no bundle yet (or only a failure record: failed recordings are retried);
- ``redo``: a bundle exists and ``--overwrite`` asks to replace it;
- ``done``: a bundle exists and *verifies* — every output file listed in its
  ``processing_log.json`` has the recorded size and sha256;
- ``corrupt``: a bundle exists and does not verify.  It is reported (never
  silently accepted) and redone with ``--overwrite``;
- ``failed``: the input itself is unusable (not found, no id).

Only ``run``/``redo`` tasks are handed to a worker; the pipeline is built only
when there is at least one.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from mediaanon.bundle import BundleWriter
from mediaanon.errors import EXIT_FAILED, EXIT_OK, InputError
from mediaanon.inputs import InputItem, bundle_id, discover
from mediaanon.runner import Result, input_problem
from mediaanon.study.manifest import Row
from mediaanon.study.shard import Shard, shard_of

log = logging.getLogger(__name__)

TO_PROCESS = ("run", "redo")


@dataclass
class Task:
    """One recording of the plan."""

    id: str
    action: str  # run | redo | done | corrupt | duplicate | failed
    item: InputItem | None = None
    reason: str = ""
    row: Row | None = None  # the manifest row, when the study came from a manifest
    duration: float = 0.0  # media seconds (for the progress bar's ETA); 0 when unknown

    @property
    def to_process(self) -> bool:
        return self.action in TO_PROCESS or self.action == "duplicate"


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)

    def work(self) -> list[Task]:
        return [t for t in self.tasks if t.to_process]

    def results(self, outdir: Path | None = None, id_from: str = "stem") -> list[Result]:
        """Results of the tasks that need no worker (done, corrupt, unusable input).

        With ``outdir``, an INPUT argument that names no usable file leaves its ``.failed.json``
        there like any failure (see :func:`mediaanon.runner.input_problem`)."""
        out = []
        for t in self.tasks:
            if t.action == "done":
                out.append(Result(t.id, "skipped", None, "bundle exists and verifies (use --overwrite to replace it)",
                                  EXIT_OK))
            elif t.action == "corrupt":
                out.append(Result(t.id, "failed", None, f"bundle does not verify ({t.reason}); rerun with --overwrite"
                                  " to redo it", EXIT_FAILED, "verify"))
            elif t.action == "failed" and t.item is None and outdir is not None:
                out.append(input_problem(outdir, t.id, t.reason, id_from))
            elif t.action == "failed":
                out.append(Result(t.id, "failed", None, t.reason, EXIT_FAILED, "input"))
        return out

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tasks:
            out[t.action] = out.get(t.action, 0) + 1
        return out


def make(inputs: list[str | Path], outdir: Path, *, rows: list[Row] | None = None, id_from: str = "stem",
         key: bytes | None = None, overwrite: bool = False, shard: Shard | None = None,
         durations: bool = False) -> Plan:
    """Discover the inputs (or take the manifest's rows) and decide each one's action."""
    outdir = Path(outdir)
    plan = Plan()
    if rows is not None:
        pairs: list[tuple[InputItem, Row | None]] = [(InputItem(r.path, Path(""), r.id), r) for r in rows]
        problems: list[tuple[str, str]] = []
    else:
        items, problems = discover(inputs)
        pairs = [(i, None) for i in items]
    for name, msg in problems:
        if shard is None or shard_of(name, shard.count) == shard.index:
            plan.tasks.append(Task(name, "failed", reason=msg))
    seen: set[str] = set()
    for item, row in pairs:
        try:
            rid = bundle_id(item, id_from, key)
        except (OSError, InputError) as exc:
            name = item.source.name
            if shard is None or shard.takes(name):
                msg = exc.one_line() if isinstance(exc, InputError) else f"cannot read the input ({type(exc).__name__})"
                plan.tasks.append(Task(name, "failed", item, msg, row))
            continue
        if shard is not None and not shard.takes(rid):
            continue
        if rid in seen:
            plan.tasks.append(Task(rid, "duplicate", item, "two inputs map to the same bundle id", row))
            continue
        seen.add(rid)
        plan.tasks.append(decide(item, rid, outdir, overwrite, row))
    if durations:
        for t in plan.work():
            t.duration = media_seconds(t.item)
    return plan


def decide(item: InputItem, rid: str, outdir: Path, overwrite: bool, row: Row | None = None) -> Task:
    writer = BundleWriter(outdir, rid, overwrite)
    if not writer.exists():
        return Task(rid, "run", item, "", row)
    if overwrite:
        return Task(rid, "redo", item, "--overwrite", row)
    problem = verify(writer.final)
    if problem:
        log.warning("%s: bundle does not verify: %s", rid, problem)
        return Task(rid, "corrupt", item, problem, row)
    return Task(rid, "done", item, "", row)


def verify(bundle: Path) -> str:
    """'' when every output listed in the bundle's processing log matches; else what does not."""
    logfile = bundle / "processing_log.json"
    try:
        doc = json.loads(logfile.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "processing_log.json is missing"
    except (OSError, ValueError):
        return "processing_log.json cannot be read"
    if not isinstance(doc, dict) or doc.get("status") != "complete":
        return "processing_log.json is not a complete log"
    files = (doc.get("outputs") or {}).get("files")
    if not isinstance(files, dict):
        return "processing_log.json lists no outputs"
    for name, entry in sorted(files.items()):
        p = bundle / name
        if not p.is_file():
            return f"{name} is missing"
        if p.stat().st_size != entry.get("bytes"):
            return f"{name} has changed (size)"
        if sha256_of(p) != entry.get("sha256"):
            return f"{name} has changed (sha256)"
    return ""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def media_seconds(item: InputItem | None) -> float:
    """Duration for the progress bar; 0 when the input cannot be probed (the run reports why)."""
    if item is None:
        return 0.0
    try:
        from mediaanon.media.probe import probe

        return max(0.0, float(probe(item.source).duration or 0.0))
    except Exception:  # noqa: BLE001 - a broken input fails properly when it is processed
        return 0.0
