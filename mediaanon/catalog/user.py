"""The user manifest: models a user registered with ``mediaanon models add NAME DIR``.

Why a second manifest: a GPU workstation user downloads large-v3-turbo or a
national fine-tune as a CTranslate2 folder, which no package ships.  ``add``
hashes every file once and records name → folder + sha256 per file in a YAML
file outside the package (``$MEDIAANON_USER_MANIFEST``, else
``$XDG_CONFIG_HOME/mediaanon/models.yaml``).  From then on the model
resolves by name and is verified exactly like a shipped one: a file changed
after registration fails with the hash mismatch.  Shipped names cannot be
shadowed.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mediaanon.errors import ModelError

KINDS = {  # kind -> files that must be in the folder
    "ctranslate2": ("model.bin", "config.json"),
    "spacy": ("meta.json", "config.cfg"),
}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def manifest_path() -> Path:
    env = os.environ.get("MEDIAANON_USER_MANIFEST")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mediaanon" / "models.yaml"


def user_entries() -> dict[str, dict[str, Any]]:
    path = manifest_path()
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"the user model manifest {path} does not parse ({type(exc).__name__}); fix or remove it") from None
    if not isinstance(data, dict):
        raise ModelError(f"the user model manifest {path} is not a mapping; fix or remove it")
    return data


def add(name: str, folder: Path, kind: str = "ctranslate2", languages: tuple[str, ...] = ("multi",),
        description: str = "", licence: str = "unknown") -> dict[str, Any]:
    """Register ``folder`` as model ``name``: hash its files, write the user manifest atomically."""
    from mediaanon import models

    if not NAME_RE.match(name):
        raise ModelError(f"model name {name!r}: use letters, digits, '.', '_' and '-'")
    if kind not in KINDS:
        raise ModelError(f"kind {kind!r}: known kinds {', '.join(KINDS)}")
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a folder")
    missing = [f for f in KINDS[kind] if not (folder / f).is_file()]
    if missing:
        raise ModelError(f"{folder} is not a {kind} model folder: {', '.join(missing)} missing")
    shipped = yaml.safe_load((models.manifest_dir() / "manifest.yaml").read_text(encoding="utf-8")) or {}
    if name in shipped:
        raise ModelError(f"{name} is a shipped model name; choose another")
    entry: dict[str, Any] = {"kind": kind, "description": description or f"user model from {folder.name}",
                             "licence": licence, "origin": "mediaanon models add", "path": str(folder),
                             "languages": list(languages), "optional": True}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    entry["size_mb"] = round(sum(p.stat().st_size for p in files) / 1e6, 1)
    if kind == "spacy":  # a folder model: one hash over the tree, like the shipped spaCy pipelines
        entry["tree_sha256"] = models.tree_hash(folder)
    else:
        main = KINDS[kind][0]  # first: the file whose hash names the model in the log
        files.sort(key=lambda p: p.relative_to(folder).as_posix() != main)
        entry["files"] = {p.relative_to(folder).as_posix(): models.sha256_file(p) for p in files}
    data = user_entries()
    data[name] = entry
    path = manifest_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models.", suffix=".yaml", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh, sort_keys=False, allow_unicode=True)
    os.replace(tmp, path)
    return entry
