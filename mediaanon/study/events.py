"""``--events FILE``: JSON lines for archiving scripts and dashboards.

Kinds: ``run_started``, ``recording_started``, ``stage_done``,
``recording_done`` / ``recording_skipped`` / ``recording_failed``,
``run_done``.  Fields are bundle ids, stage names, seconds and counts — never
input paths or file names (they can be PII), never transcript text.

Every line is written with one ``os.write`` on a file opened ``O_APPEND``, so
the parent and every worker process (and shards on one machine) may append to
the same file without interleaving lines.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from mediaanon.hooks import Hook, Progress


class EventLog:
    def __init__(self, path: Path | None, run_id: str = ""):
        self.path = Path(path) if path is not None else None
        self.run_id = run_id
        self._fd: int | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def emit(self, event: str, **fields: Any) -> None:
        if self._fd is None:
            return
        record = {"event": event, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "run": self.run_id}
        record.update({k: v for k, v in fields.items() if v not in (None, "")})
        os.write(self._fd, (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def stage_hook(events: EventLog, inner: Hook) -> Hook:
    """Wrap a progress hook so that a change of stage emits ``stage_done`` for the previous one.

    The runner calls the hook with ``done=0`` when a stage starts and with
    stage ``done`` when the recording is complete; the seconds between two
    starts are the stage's time (the processing log has the exact figure).
    """
    state: dict[str, Any] = {"key": None, "t": 0.0}

    def hook(p: Progress) -> None:
        key = (p.recording, p.stage)
        if key != state["key"]:
            prev = state["key"]
            now = time.monotonic()
            if prev is not None and prev[1] != "done" and prev[0] == p.recording:
                events.emit("stage_done", id=prev[0], stage=prev[1], seconds=round(now - state["t"], 3))
            state["key"], state["t"] = key, now
        inner(p)

    return hook
