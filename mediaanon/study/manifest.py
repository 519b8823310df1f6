"""``--manifest study.csv``: the study's recordings and per-recording settings.

Columns: ``path`` (required; relative to the CSV's folder), and optionally
``id`` (the bundle id), ``language`` (forces the transcription language),
``names`` (a names file for this recording, relative to the CSV),
``speakers`` (expected number of speakers, for a diarization stage),
``speaker_names`` (roles for the speakers by order of first speech,
``Interviewer;Participant`` — a ``;`` needs no CSV quoting, a quoted
``"Interviewer,Participant"`` works too) and ``preset`` (another pipeline
for this row).  Every row is checked before
anything runs, and an error names the row (its line in the file), never the
contents of a cell (paths and names can be personal data).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from mediaanon.errors import UsageError

COLUMNS = ("path", "id", "language", "names", "speakers", "preset", "speaker_names")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


@dataclass(frozen=True)
class Row:
    line: int  # line in the CSV (header is line 1)
    path: Path
    id: str = ""
    language: str = ""
    names: Path | None = None
    speakers: int = 0
    preset: str = ""
    speaker_names: tuple[str, ...] = ()  # roles for S1, S2 … (RunContext.extra["speaker_names"])


def read(path: Path) -> list[Row]:
    """Parse and check the whole manifest; the first bad row raises :class:`UsageError`."""
    path = Path(path)
    where = f"manifest {path.name}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{where}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "path" not in header:
        raise UsageError(f"{where}: the header must have a 'path' column")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise UsageError(f"{where} line 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    base = path.parent
    rows: list[Row] = []
    ids: dict[str, int] = {}
    sources: dict[Path, int] = {}
    for n, raw in enumerate(reader, 2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            raise UsageError(f"{where} line {n}: more cells than columns")
        if not any(cells.values()):
            continue
        row = _row(cells, n, base, where)
        if row.id:
            if row.id in ids:
                raise UsageError(f"{where} line {n}: duplicate id (also on line {ids[row.id]})")
            ids[row.id] = n
        key = row.path.resolve()
        if key in sources:
            raise UsageError(f"{where} line {n}: the same recording is listed on line {sources[key]}")
        sources[key] = n
        rows.append(row)
    if not rows:
        raise UsageError(f"{where}: no rows")
    return rows


def _row(cells: dict[str, str], n: int, base: Path, where: str) -> Row:
    if not cells.get("path"):
        raise UsageError(f"{where} line {n}: empty path")
    src = base / cells["path"]
    if not src.is_file():
        raise UsageError(f"{where} line {n}: file not found")
    rid = cells.get("id", "")
    if rid and not ID_RE.fullmatch(rid):
        raise UsageError(f"{where} line {n}: id may use letters, digits, '.', '_', '-' and '/' only")
    names = None
    if cells.get("names"):
        names = base / cells["names"]
        if not names.is_file():
            raise UsageError(f"{where} line {n}: names file not found")
    speakers = 0
    if cells.get("speakers"):
        if not cells["speakers"].isdigit() or int(cells["speakers"]) < 1:
            raise UsageError(f"{where} line {n}: speakers must be a whole number of at least 1")
        speakers = int(cells["speakers"])
    speaker_names: tuple[str, ...] = ()
    if cells.get("speaker_names"):
        from mediaanon.speakers.turns import parse_names

        try:
            speaker_names = tuple(parse_names(cells["speaker_names"]))
        except ValueError as exc:
            raise UsageError(f"{where} line {n}: {exc}") from None
    language = cells.get("language", "")
    if language and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", language):
        raise UsageError(f"{where} line {n}: language must be a code such as 'en' or 'fi'")
    preset = cells.get("preset", "")
    if preset:
        from mediaanon.pipeline import load_spec

        try:
            load_spec(preset if not preset.endswith((".yaml", ".yml")) else base / preset)
        except UsageError as exc:
            raise UsageError(f"{where} line {n}: {exc.one_line()}") from None
        if preset.endswith((".yaml", ".yml")):
            preset = str(base / preset)
    return Row(n, src, rid, language, names, speakers, preset, speaker_names)
