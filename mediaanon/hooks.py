"""Progress reporting without printing (pyannote's hook idea).

Library code calls ``hook(Progress(...))``; only the CLI turns that into bars.
A progress event carries counts and names, never content: it is safe to show
in a terminal that someone else is looking at.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Progress:
    recording: str  # bundle id, never the source file name (it can be PII)
    stage: str
    done: float
    total: float | None = None
    unit: str = ""  # "frames", "s", "segments" …


Hook = Callable[[Progress], None]


def no_hook(_: Progress) -> None:
    """The default: progress goes nowhere."""
