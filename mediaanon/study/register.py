"""The study's register of pseudonyms: one number per entity across every recording.

Why a register and not a deterministic scheme (a keyed hash of the name):
ASR spells one name several ways ("Claflin", "Clafflin") and speakers
shorten it ("Abbie"); a hash of the spelling would give each variant its own
marker.  The register keeps, per type, every entity's number and the
spellings seen so far, and a new mention joins an entity by the same
fuzzy/phonetic/nickname test that links mentions within one recording
(:func:`mediaanon.redaction.markers.related`, passed in by the marker book).

Concurrency: ``--jobs`` workers and Slurm shards on other nodes update the
same file.  Each lookup-or-allocate holds an exclusive ``filelock`` on
``register.json.lock`` beside it (``fcntl``/``flock`` locks, which Lustre,
GPFS, BeeGFS and NFSv4 honour across nodes), re-reads the file, and writes
it atomically (temporary file + ``os.replace``) before releasing the lock —
so two processes can never hand out one number twice or two numbers to one
entity that both have already seen.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock

SCHEMA = "mediaanon.register/1"
Words = tuple[str, ...]


class StudyRegister:
    """``number(type, words, original, floor, related)`` under a cross-process lock."""

    def __init__(self, folder: Path, timeout: float = 120.0):
        self.path = Path(folder) / "register.json"
        self.lock = FileLock(str(self.path) + ".lock", timeout=timeout)

    def ensure(self) -> None:
        with self.lock:
            if not self.path.exists():
                self._write({"schema": SCHEMA, "next": {}, "entries": {}})

    def number(self, typ: str, words: Words, original: str, floor: int = 0,
               related: Callable[[Words, Words], bool] = lambda a, b: False) -> int:
        """The study-wide number of the entity this mention names; allocated on first sight.

        ``floor``: numbers up to it are taken by the names file's fixed entries.
        """
        words = tuple(words) or (" ".join(original.lower().split()),)
        with self.lock:
            data = self._read()
            entries: list[dict[str, Any]] = data["entries"].setdefault(typ, [])
            hit = next((e for e in entries if any(tuple(v) == words for v in e["variants"])), None)
            if hit is None:
                hit = next((e for e in entries if any(related(words, tuple(v)) for v in e["variants"])), None)
                if hit is not None:
                    hit["variants"].append(list(words))
            if hit is None:
                used = max((e["n"] for e in entries), default=0)
                n = max(int(data["next"].get(typ, 1)), used + 1, floor + 1)
                data["next"][typ] = n + 1
                hit = {"n": n, "original": original, "variants": [list(words)]}
                entries.append(hit)
            else:
                if len(original) > len(hit.get("original", "")):
                    hit["original"] = original
            self._write(data)
            return int(hit["n"])

    def originals(self) -> dict[str, dict[int, str]]:
        """Type -> number -> the longest spelling seen (for ``reidentify`` without a bundle key)."""
        with self.lock:
            data = self._read()
        return {t: {int(e["n"]): e.get("original", "") for e in es} for t, es in data["entries"].items()}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"schema": SCHEMA, "next": {}, "entries": {}}
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            from mediaanon.errors import UsageError

            raise UsageError("the study register is not a mediaanon register")
        data.setdefault("next", {})
        data.setdefault("entries", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
