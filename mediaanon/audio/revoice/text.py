"""What the synthetic voice says, and which variant of it says it.

Markers.  The redacted transcript holds markers such as ``[PERSON 1]`` or
``[PHONE]`` (labels are configurable in ``redact_transcript``).  Spoken, a
marker becomes a neutral word of its type with its number ("person one"), so
a listener can still follow who did what; silent, it becomes a short pause.
Either way the original words are gone: only the marker text is read.

Speakers.  With diarization labels (``"speaker": "S1"`` …) each speaker gets
a fixed variant of the one voice, moved in pitch and formants, assigned in
order of first appearance, so a dialogue stays followable; the variants say
nothing about the real speakers (not even their sex).  Without labels,
everyone speaks with the unmodified voice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

MARKER = re.compile(r"\[([^\[\]]{1,60})\]")

# Neutral words for the redaction types (mediaanon.redaction.spans.TYPES); other labels are read as written.
TYPE_WORDS = {
    "PERSON": "person", "PLACE": "place", "ORGANIZATION": "organization", "PHONE": "phone number",
    "EMAIL": "email address", "DATE": "date", "AGE": "age", "ID": "number", "ADDRESS": "address",
    "URL": "web address",
}
SILENT_PAUSE = ","  # a silent marker becomes a clause break: the voice pauses briefly


@dataclass(frozen=True)
class Variant:
    """How one speaker's voice differs from the base voice."""

    semitones: float = 0.0
    formant_ratio: float = 1.0

    @property
    def identity(self) -> bool:
        return self.semitones == 0.0 and self.formant_ratio == 1.0


# Distinct enough to tell apart in a dialogue, mild enough for WORLD to keep them clear; cycled beyond six.
VARIANTS = (
    Variant(0.0, 1.0), Variant(5.0, 1.12), Variant(-3.0, 0.94),
    Variant(8.0, 1.17), Variant(2.5, 1.06), Variant(-5.0, 0.9),
)


def marker_words(label: str) -> str:
    """``PERSON 1`` → ``person 1``; an unknown label is read as its words, lower-cased."""
    parts = label.strip().split()
    if not parts:
        return ""
    head = TYPE_WORDS.get(parts[0].upper(), parts[0].replace("_", " ").lower())
    rest = [p for p in parts[1:] if re.fullmatch(r"[\w-]+", p)]
    return " ".join([head, *rest])


def spoken_text(text: str, markers: str = "spoken") -> tuple[str, int]:
    """The text the voice reads, and how many markers it held.

    Anything between square brackets is a marker; its inside is never read
    verbatim except through :func:`marker_words` (type and number only).
    """
    count = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f" {marker_words(m.group(1))} " if markers == "spoken" else f"{SILENT_PAUSE} "

    out = MARKER.sub(sub, text)
    out = out.replace("[", " ").replace("]", " ")  # an unmatched bracket is never read as a word
    out = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(out.split()))
    out = re.sub(r"^[,;:\s]+", "", out)
    return out, count


def speaker_variants(segments: Iterable[dict[str, Any]]) -> dict[str | None, Variant]:
    """Speaker label → variant, in order of first appearance (``None``: no label → the base voice)."""
    out: dict[str | None, Variant] = {None: VARIANTS[0]}
    labels: list[str] = []
    for seg in segments:
        s = seg.get("speaker")
        if s and s not in labels:
            labels.append(str(s))
    for i, s in enumerate(labels):
        out[s] = VARIANTS[i % len(VARIANTS)]
    return out
