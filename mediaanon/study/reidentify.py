"""Markers back to originals, for the principal investigator only.

``mediaanon reidentify --study DIR FILE|BUNDLE`` is the one command that
prints originals.  A bundle's own key (``DIR/keys/<id>.json``, written by
the run) maps every marker of that recording, unnumbered ones included; the
study register maps numbered markers of any text of the study (in the
default ``[TYPE n]`` format) when no bundle key is found.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from mediaanon.errors import UsageError
from mediaanon.study.folder import read_bundle_key
from mediaanon.study.register import StudyRegister

TEXT_FILES = ("transcript.txt", "transcript.srt", "transcript.vtt", "transcript.json")


def target(path: Path) -> tuple[Path, str]:
    """(text file, bundle id or '') for a FILE or a BUNDLE folder."""
    path = Path(path)
    if path.is_dir():
        text = next((path / n for n in TEXT_FILES if (path / n).is_file()), None)
        if text is None:
            raise UsageError("reidentify: the bundle has no transcript")
        return text, bundle_id(path)
    if not path.is_file():
        raise UsageError("reidentify: file or bundle not found")
    return path, bundle_id(path.parent)


def bundle_id(folder: Path) -> str:
    try:
        return str(json.loads((folder / "processing_log.json").read_text(encoding="utf-8")).get("id") or "")
    except (OSError, ValueError):
        return ""


def mapping(study: Path, rid: str) -> dict[str, str]:
    """Marker -> original: the bundle's key over the register's numbered entries."""
    out = {f"[{typ} {n}]": original for typ, entries in StudyRegister(study).originals().items()
           for n, original in entries.items()}
    if rid:
        out.update(read_bundle_key(study, rid))
    return out


def apply(text: str, table: dict[str, str]) -> str:
    if not table:
        return text
    pattern = re.compile("|".join(re.escape(m) for m in sorted(table, key=len, reverse=True)))
    return pattern.sub(lambda m: table[m.group(0)], text)
