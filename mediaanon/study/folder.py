"""The study folder: the study key and the register of pseudonyms, kept apart from the data.

Layout (``mediaanon study init DIR``)::

    DIR/study.json       what this folder is (schema, creation time)
    DIR/study.key        the study key, mode 0600: keyed bundle ids, per-study seeds
    DIR/register.json    the register: one number per person/place/organisation, mode 0600
    DIR/keys/<id>.json   per bundle: marker -> original, for ``mediaanon reidentify``

Why a separate folder: OUTDIR is what gets shared or deposited; the key and
the register re-identify it, so they live with the principal investigator and
are refused inside OUTDIR.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mediaanon.bundle import is_inside, load_or_create_key, write_json_atomic
from mediaanon.errors import UsageError

SCHEMA = "mediaanon.study/1"


def init(folder: Path) -> Path:
    """Create (or complete) a study folder; an existing key is never replaced."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    marker = folder / "study.json"
    if not marker.exists():
        write_json_atomic(marker, {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    load_or_create_key(folder / "study.key")
    from mediaanon.study.register import StudyRegister

    StudyRegister(folder).ensure()
    (folder / "keys").mkdir(mode=0o700, exist_ok=True)
    return folder


def open_study(folder: Path, outdir: Path | None = None) -> tuple[Path, bytes]:
    """Check a study folder given to ``--study``; return (folder, study key)."""
    folder = Path(folder)
    if not (folder / "study.json").is_file() or not (folder / "study.key").is_file():
        raise UsageError("--study: not a study folder (create one with `mediaanon study init DIR`)")
    if outdir is not None and (is_inside(folder, outdir) or is_inside(outdir, folder)):
        raise UsageError("--study: the study folder and OUTDIR must not contain each other"
                         " (the key and the register re-identify the data)")
    return folder, load_or_create_key(folder / "study.key")


def write_bundle_key(folder: Path, bundle_id: str, key: dict[str, str]) -> None:
    """Marker -> original of one bundle, mode 0600 (the bundle id may contain '/')."""
    path = Path(folder) / "keys" / f"{bundle_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"schema": "mediaanon.bundle_key/1", "id": bundle_id, "markers": key}, fh, ensure_ascii=False,
                  indent=2)
    os.replace(tmp, path)


def read_bundle_key(folder: Path, bundle_id: str) -> dict[str, str]:
    path = Path(folder) / "keys" / f"{bundle_id}.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("markers") or {})
    except (OSError, ValueError):
        return {}
