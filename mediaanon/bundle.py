"""Bundles: built in a hidden staging folder, renamed into place when complete.

Layout (the contract scripts rely on)::

    OUTDIR/<id>/media.<ext>            anonymized media, when the pipeline makes media
    OUTDIR/<id>/transcript.{json,txt,srt,vtt}   redacted transcript
    OUTDIR/<id>/processing_log.json    written last
    OUTDIR/<id>.failed.json            instead of the folder, when the recording failed

Why staging + ``os.replace``: a crash, a SIGKILL or a failing stage must
never leave a half-written bundle that looks complete, and the staging and
scratch folders (which hold raw, unredacted media) are removed on every exit
path.  A bundle that exists is never replaced unless ``overwrite`` is set.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaanon import __version__
from mediaanon.errors import UsageError

FAILURE_SCHEMA = "mediaanon.failure/1"
STAGING_PREFIX = ".mediaanon-staging-"
SCRATCH_PREFIX = ".mediaanon-scratch-"


def stem_id(path: Path) -> str:
    """The input's file stem, made safe as a folder name.

    Letters and digits of every script are kept (``Ääkkönen`` stays ``Ääkkönen``, in NFC, so a name
    typed on macOS, which stores NFD, gives the same id); spaces, ``#``, separators and other
    punctuation become ``_``."""
    stem = unicodedata.normalize("NFC", path.stem)
    return re.sub(r"[^\w.-]+", "_", stem).strip("._") or "recording"


def hash_id(path: Path, key: bytes) -> str:
    """A keyed hash of the input's *content* (so renaming a file keeps its id, and
    ``interview_JaneDoe.mp4`` becomes ``rec-3f9a…`` without the name leaking).
    Without the key nobody can confirm which file a bundle came from by hashing it."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            mac.update(chunk)
    return "rec-" + mac.hexdigest()[:16]


def load_or_create_key(path: Path) -> bytes:
    """Read the study key file, creating a random one (mode 0600) if absent."""
    path = Path(path).expanduser()
    if path.exists():
        data = path.read_bytes().strip()
        if len(data) < 16:
            raise UsageError("the key file is too short (need at least 16 bytes); delete it to create a new one")
        return data
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mediaanon" / "study.key"


def is_inside(child: Path, parent: Path) -> bool:
    try:
        Path(child).resolve().relative_to(Path(parent).resolve())
        return True
    except ValueError:
        return False


class BundleExistsError(UsageError):
    """The bundle appeared while this run was working on it (another run on the same OUTDIR)."""


@dataclass
class BundleWriter:
    """Owns the staging and scratch folders of one recording's bundle."""

    outdir: Path
    bundle_id: str  # may contain "/" to mirror an input folder tree
    overwrite: bool = False

    def __post_init__(self) -> None:
        self.final = self.outdir / self.bundle_id
        self.failed = self.final.parent / f"{self.final.name}.failed.json"
        self.staging: Path | None = None
        self.scratch: Path | None = None

    def exists(self) -> bool:
        return self.final.exists()

    def open(self) -> tuple[Path, Path]:
        """Create the staging folder (becomes the bundle) and a scratch folder."""
        self.final.parent.mkdir(parents=True, exist_ok=True)
        pid = f"{os.getpid()}-"
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + pid, dir=self.final.parent))
        self.scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX + pid, dir=self.final.parent))
        return self.staging, self.scratch

    def commit(self) -> Path:
        """Move the complete staging folder into place; clear a stale failure record."""
        assert self.staging is not None
        if self.final.exists():
            if not self.overwrite:
                raise BundleExistsError("bundle already exists (use --overwrite to replace it)")
            trash = self.final.with_name(f".{self.final.name}.old-{secrets.token_hex(4)}")
            os.replace(self.final, trash)
            os.replace(self.staging, self.final)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            try:
                os.replace(self.staging, self.final)
            except OSError:
                if not self.final.exists():
                    raise
                # another run on the same OUTDIR committed first: its bundle is complete, keep it whole
                raise BundleExistsError("bundle was written meanwhile by another run; kept that one") from None
        self.staging = None
        self.failed.unlink(missing_ok=True)
        self.cleanup()
        return self.final

    def cleanup(self) -> None:
        """Remove staging and scratch (raw media) — on success and on failure."""
        for p in (self.staging, self.scratch):
            if p is not None:
                shutil.rmtree(p, ignore_errors=True)
        self.staging = self.scratch = None

    def fail(self, stage: str, error: BaseException, message: str, exit_code: int) -> Path:
        """Remove everything staged and write ``<id>.failed.json`` atomically."""
        self.cleanup()
        record = failure_record(self.bundle_id, stage, error, message, exit_code)
        self.failed.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.failed, record)
        return self.failed


def failure_record(bundle_id: str, stage: str, error: BaseException, message: str, exit_code: int) -> dict[str, Any]:
    return {
        "schema": FAILURE_SCHEMA,
        "id": bundle_id,
        "status": "failed",
        "stage": stage,
        "error": type(error).__name__,
        "message": message,
        "exit_code": exit_code,
        "mediaanon": __version__,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def sweep_stale(outdir: Path) -> int:
    """Remove staging/scratch folders left by a killed run (they hold raw media).

    Folder names carry the writer's pid; folders of a live process (another
    run writing into the same OUTDIR) are left alone."""
    n = 0
    if outdir.is_dir():
        for p in outdir.rglob(".mediaanon-*"):
            if not p.is_dir() or not p.name.startswith((STAGING_PREFIX, SCRATCH_PREFIX)):
                continue
            pid = p.name.split("-")[2] if p.name.count("-") >= 3 else ""
            if pid.isdigit() and pid_alive(int(pid)):
                continue
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n


def pid_alive(pid: int) -> bool:
    """Whether the process that named a staging folder still runs (a zombie does not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process nobody has reaped yet (a container's init may be slow to) is not alive
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
