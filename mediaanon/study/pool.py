"""Worker processes: each loads its pipeline once and processes whole recordings.

Why processes, started with *spawn*: the models (CTranslate2, onnxruntime,
torch, spaCy) hold native threads and locks that a ``fork`` would copy in an
unknown state, and a recording's memory peak then belongs to one worker that
the OS can account for (``peak_rss_mb`` in each processing log is that
worker's).  The unit of work stays :func:`mediaanon.runner.process`: one
recording, fail-closed, its own bundle or failure record.

Cores are divided, not oversubscribed: with ``--jobs N`` each worker gets
``cores // N`` threads, passed to every engine through
:attr:`mediaanon.stage.RunContext.threads` (faster-whisper ``cpu_threads``,
onnxruntime intra-op threads, torch when the openai-whisper engine
loads it, x264) and to OpenMP/BLAS through the
usual environment variables before anything native is imported.
``--devices cuda:0,cuda:1`` gives worker *i* device ``i mod len(devices)``
(through ``CUDA_VISIBLE_DEVICES``, so each worker sees exactly one GPU).
"""
from __future__ import annotations

import logging
import os
import resource
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mediaanon.errors import EXIT_FAILED, MediaanonError
from mediaanon.hooks import no_hook
from mediaanon.runner import Result
from mediaanon.study.events import EventLog, stage_hook
from mediaanon.study.plan import Task

log = logging.getLogger(__name__)

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class Setup:
    """Everything a worker needs to build its pipelines (picklable)."""

    outdir: Path
    pipeline: str
    overrides: tuple[str, ...] = ()
    id_from: str = "stem"
    key: bytes | None = None
    overwrite: bool = False
    models_dir: Path | None = None
    device: str = "auto"
    names_file: Path | None = None
    study_dir: Path | None = None
    events: Path | None = None
    run_id: str = ""
    jobs: int = 1
    devices: tuple[str, ...] = ()
    collect_keys: bool = False
    extra: tuple[tuple[str, Any], ...] = ()  # RunContext.extra for every stage, e.g. speaker_names


@dataclass
class Outcome:
    result: Result
    seconds: float = 0.0
    worker: int = 0
    peak_rss_mb: float = 0.0
    key: dict[str, str] = field(default_factory=dict)


class Interrupted(Exception):
    """Ctrl-C: every worker was stopped and staging cleaned; ``outcomes`` finished before."""

    def __init__(self, outcomes: list[Outcome]):
        super().__init__("interrupted")
        self.outcomes = outcomes


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def threads_per_worker(jobs: int, cores: int | None = None) -> int:
    """0 (each library decides, as a single run always did) for one job; else cores // jobs, at least 1."""
    if jobs <= 1:
        return 0
    return max(1, (cores or available_cores()) // jobs)


def device_for(slot: int, devices: tuple[str, ...], default: str) -> tuple[str, dict[str, str]]:
    """(RunContext.device, environment) for worker ``slot``: round-robin over ``devices``."""
    if not devices:
        return default, {}
    dev = devices[slot % len(devices)]
    if dev == "cpu":
        return "cpu", {"CUDA_VISIBLE_DEVICES": ""}
    index = dev.split(":", 1)[1] if ":" in dev else "0"
    return "cuda", {"CUDA_VISIBLE_DEVICES": index}


def parse_devices(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    import re

    from mediaanon.errors import UsageError

    out = tuple(d.strip() for d in text.split(",") if d.strip())
    bad = [d for d in out if not re.fullmatch(r"cpu|cuda(:\d+)?", d)]
    if bad or not out:
        raise UsageError(f"--devices: expected e.g. cuda:0,cuda:1 (or cpu), got {text!r}")
    return out


class Worker:
    """The state of one worker: its slot, device, threads and built pipelines."""

    def __init__(self, setup: Setup, slot: int, own_process: bool):
        self.setup, self.slot = setup, slot
        self.device, env = device_for(slot, setup.devices, setup.device)
        self.threads = threads_per_worker(setup.jobs)
        if own_process and self.threads:
            env.update({k: str(self.threads) for k in THREAD_ENV})
        os.environ.update(env)
        torch = sys.modules.get("torch")  # optional (the openai-whisper engine); never imported just for this
        if self.threads and torch is not None:
            torch.set_num_threads(self.threads)
        self.pipelines: dict[tuple[Any, ...], Any] = {}
        self._tmp: Path | None = None
        self.events = EventLog(setup.events, setup.run_id)

    def pipeline_for(self, task: Task) -> Any:
        from mediaanon import pipeline as pl
        from mediaanon.stage import RunContext

        row = task.row
        preset = (row.preset if row and row.preset else "") or self.setup.pipeline
        extra: dict[str, Any] = dict(self.setup.extra)
        overrides = list(self.setup.overrides)
        names_file = self.setup.names_file
        if row is not None:
            spec_stages = [n for n, _ in pl.load_spec(preset).stages]
            if row.language and "transcribe" in spec_stages:
                overrides.append(f"transcribe.language={row.language}")
            if row.names:
                names_file = self._names(row.names)
            if row.speakers:
                extra["speakers"] = row.speakers
                if "diarize_speakers" in spec_stages:
                    overrides.append(f"diarize_speakers.speakers={row.speakers}")
            if row.speaker_names:
                extra["speaker_names"] = list(row.speaker_names)  # the row's roles win over --speaker-names
        key = (preset, tuple(overrides), names_file, repr(sorted(extra.items())))
        if key not in self.pipelines:
            s = self.setup
            context = RunContext(models_dir=s.models_dir, device=self.device, names_file=names_file,
                                 study_key=s.key, extra=extra, threads=self.threads, study_dir=s.study_dir)
            self.pipelines[key] = pl.load(preset, context, overrides)
        return self.pipelines[key]

    def _names(self, row_names: Path) -> Path:
        """The row's names file, after ``--names`` when both are given (global entries keep their numbers).

        Passed through the context, not as a stage option, so that no path of a names file reaches a
        processing log; the merged copy lives in a private temporary folder removed by :meth:`close`.
        """
        if self.setup.names_file is None:
            return row_names
        import hashlib
        import tempfile

        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="mediaanon-names-"))
        text = self.setup.names_file.read_text(encoding="utf-8") + "\n" + row_names.read_text(encoding="utf-8")
        merged = self._tmp / (hashlib.sha256(text.encode()).hexdigest()[:16] + ".txt")
        if not merged.exists():
            merged.write_text(text, encoding="utf-8")
        return merged

    def run(self, task: Task) -> Outcome:
        from mediaanon import runner

        assert task.item is not None
        pipe = self.pipeline_for(task)  # a model/config error stops the whole run (raised)
        s = self.setup
        self.events.emit("recording_started", id=task.id, worker=self.slot, action=task.action)
        keys: dict[str, dict[str, str]] | None = {} if s.collect_keys else None
        seen = {task.id} if task.action == "duplicate" else set()
        t0 = time.monotonic()
        result = runner.process(task.item, s.outdir, pipe, id_from=s.id_from, key=s.key,
                                overwrite=s.overwrite or task.action == "redo", hook=stage_hook(self.events, no_hook),
                                seen=seen, keys=keys)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return Outcome(result, round(time.monotonic() - t0, 3), self.slot, round(rss, 1),
                       (keys or {}).get(result.id, {}))

    def close(self) -> None:
        for p in self.pipelines.values():
            p.close()
        self.pipelines.clear()
        self.events.close()
        if self._tmp is not None:
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)


_WORKER: Worker | None = None


def _init(setup: Setup, slots: Any) -> None:
    """Worker start-up.  An idle worker ignores Ctrl-C (the parent stops it); a busy one
    gets KeyboardInterrupt inside :func:`mediaanon.runner.process`, which removes its staging."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = Worker(setup, slots.get(), own_process=True)


def _work(task: Task) -> Outcome:
    assert _WORKER is not None
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _WORKER.run(task)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(tasks: list[Task], setup: Setup, on_outcome: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Process ``tasks`` with ``setup.jobs`` workers; ``on_outcome`` sees each as it finishes."""
    if not tasks:
        return []
    if setup.jobs > len(tasks):  # fewer recordings than workers: the ones that start get all the cores
        from dataclasses import replace

        setup = replace(setup, jobs=len(tasks))
    if setup.jobs <= 1:
        return _serial(tasks, setup, on_outcome)
    return _parallel(tasks, setup, on_outcome)


def _serial(tasks: list[Task], setup: Setup, on_outcome: Callable[[Outcome], None]) -> list[Outcome]:
    worker = Worker(setup, 0, own_process=False)
    done: list[Outcome] = []
    try:
        for t in tasks:
            o = worker.run(t)
            done.append(o)
            on_outcome(o)
    except KeyboardInterrupt:
        raise Interrupted(done) from None
    finally:
        worker.close()
    return done


def _parallel(tasks: list[Task], setup: Setup, on_outcome: Callable[[Outcome], None]) -> list[Outcome]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    slots = ctx.Queue()
    jobs = setup.jobs
    for i in range(jobs):
        slots.put(i)
    ex = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(setup, slots))
    pending = {ex.submit(_work, t): t for t in tasks}
    done: list[Outcome] = []
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                task = pending.pop(f)
                try:
                    o = f.result()
                except BrokenProcessPool:
                    o = Outcome(Result(task.id, "failed", None, "a worker process died (out of memory or killed);"
                                       " rerun to retry", EXIT_FAILED, "worker"))
                done.append(o)
                on_outcome(o)
    except KeyboardInterrupt:
        _stop(ex, setup.outdir)
        raise Interrupted(done) from None
    except MediaanonError:
        _stop(ex, setup.outdir)
        raise
    ex.shutdown(wait=True)
    return done


def _stop(ex: ProcessPoolExecutor, outdir: Path) -> None:
    """Stop every worker, then sweep the staging folders of any that could not clean up.

    On a terminal's Ctrl-C every worker got SIGINT too: a busy one cleans its
    staging in :func:`mediaanon.runner.process`.  Workers still running after
    a grace period (the parent alone was interrupted) are terminated; their
    staging folders are removed by :func:`mediaanon.bundle.sweep_stale` once
    they are dead.
    """
    from mediaanon.bundle import sweep_stale

    procs = list(getattr(ex, "_processes", {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 5
    for p in procs:
        p.join(max(0.1, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.terminate()
            p.join(5)
    sweep_stale(outdir)
