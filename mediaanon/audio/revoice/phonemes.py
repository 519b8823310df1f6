"""Text to Piper phoneme ids, with espeak-ng run as a separate program.

espeak-ng is GPL-3.0; mediaanon is MIT, so it is *run* (``espeak-ng -q
--ipa -v en-us``), never linked or imported.  The conventions follow what a
Piper voice was trained on (its ``.onnx.json``): espeak-ng IPA phonemes with
stress marks, clause punctuation kept as its own symbol followed by a space
between clauses, every phoneme string decomposed to Unicode NFD and mapped
character by character through ``phoneme_id_map``; the id sequence is
``^`` then pad, each phoneme's ids each followed by pad ``_``, and ``$``.

The espeak-ng command line prints one line per clause and drops the
punctuation, so the terminators are read from the text and re-attached when
the clause counts agree (otherwise clauses are joined by commas: the voice
then pauses a little less naturally, nothing is lost).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from mediaanon.errors import ModelError, StageError

PAD, BOS, EOS = "_", "^", "$"
CLAUSE_END = re.compile(r"[.,;:!?]+(?=\s|$)")
LANGUAGE_SWITCH = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")  # espeak's "(fr)" … "(en)" word flags


def espeak_binary() -> str:
    """Path of the espeak-ng program, or a clear remedy."""
    path = shutil.which("espeak-ng")
    if not path:
        raise ModelError("the revoice method needs the espeak-ng program (Debian/Ubuntu: apt-get install espeak-ng)")
    return path


def terminators(text: str) -> list[str]:
    """The punctuation that ends each clause of ``text``, in order (last clause: '.' if none)."""
    text = text.strip()
    ends = [m.group(0)[-1] for m in CLAUSE_END.finditer(text)]
    if not text or text[-1] not in ",.;:!?":
        ends.append(".")
    return ends


def join_clauses(lines: list[str], ends: list[str]) -> str:
    """Piper's phoneme string: each clause's phonemes, its terminator, a space between clauses."""
    if len(ends) != len(lines):
        ends = [","] * (len(lines) - 1) + ["."]
    out = []
    for line, end in zip(lines, ends):
        out.append(line + end)
    return " ".join(out)


@dataclass
class Phonemizer:
    """espeak-ng phonemes for one voice (``voice``: the espeak voice name from the .onnx.json)."""

    voice: str = "en-us"
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        self.binary = espeak_binary()

    def phonemes(self, text: str) -> str:
        """IPA phonemes of ``text`` with clause punctuation, as one NFD string ('' for no words)."""
        text = " ".join(text.split())
        if not re.search(r"\w", text):
            return ""
        try:
            proc = subprocess.run([self.binary, "-q", "--ipa", "-v", self.voice, "--stdin"], input=text,
                                  capture_output=True, text=True, timeout=self.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StageError(f"espeak-ng failed to run ({type(exc).__name__})") from None
        if proc.returncode != 0:
            raise StageError(f"espeak-ng failed (exit {proc.returncode})")
        lines = [LANGUAGE_SWITCH.sub("", ln).strip() for ln in proc.stdout.splitlines()]
        lines = [ln for ln in lines if ln]
        if not lines:
            return ""
        return unicodedata.normalize("NFD", join_clauses(lines, terminators(text)))


def to_ids(phonemes: str, id_map: dict[str, list[int]]) -> tuple[list[int], set[str]]:
    """Piper ids for a phoneme string, and the characters the voice has no id for (skipped)."""
    ids = list(id_map[BOS]) + list(id_map[PAD])
    missing: set[str] = set()
    for ch in phonemes:
        got = id_map.get(ch)
        if got is None:
            missing.add(ch)
            continue
        ids.extend(got)
        ids.extend(id_map[PAD])  # pad after every phoneme (Piper's intersperse)
    ids.extend(id_map[EOS])
    return ids, missing
