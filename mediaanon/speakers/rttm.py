"""RTTM, the standard diarization file (NIST): one ``SPEAKER`` line per turn.

``SPEAKER <file> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>`` — what
pyannote, dscore and every diarization tool read.  Written to the bundle as
``speakers.rttm`` with the bundle id as file id; the labels are ``S1`` …
(or the role names), never anything from the audio.
"""
from __future__ import annotations

from pathlib import Path

from mediaanon.speakers.records import Turn


def to_rttm(turns: list[Turn], file_id: str) -> str:
    """RTTM text for ``turns`` (sorted by start; spaces in labels replaced by ``_``)."""
    fid = "_".join(file_id.split()) or "recording"
    lines = [
        f"SPEAKER {fid} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {'_'.join(t.speaker.split())} <NA> <NA>"
        for t in sorted(turns, key=lambda t: (t.start, t.speaker)) if t.duration > 0
    ]
    return "".join(line + "\n" for line in lines)


def write(path: Path, turns: list[Turn], file_id: str) -> Path:
    path = Path(path)
    path.write_text(to_rttm(turns, file_id), encoding="utf-8")
    return path


def parse(text: str) -> dict[str, list[Turn]]:
    """File id -> turns of every ``SPEAKER`` line (other line types ignored)."""
    out: dict[str, list[Turn]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts or parts[0] != "SPEAKER":
            continue
        if len(parts) < 8:
            raise ValueError(f"RTTM line {n}: expected at least 8 fields")
        start, dur = float(parts[3]), float(parts[4])
        out.setdefault(parts[1], []).append(Turn(start, start + dur, parts[7]))
    return out


def read(path: Path) -> dict[str, list[Turn]]:
    return parse(Path(path).read_text(encoding="utf-8"))
