"""The explicit table of stages a pipeline may name (whisper's writers dict).

No subclass scanning and no dotted class paths in YAML: a preset names a
stage by its key here.  Entries are (module, class) so that heavy imports
(torch, spaCy, onnxruntime) happen only when a pipeline uses the stage.  A
name that is not in this table fails at pipeline load time.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mediaanon.errors import ConfigError

if TYPE_CHECKING:
    from mediaanon.stage import Stage

STAGES: dict[str, tuple[str, str]] = {
    "transcribe": ("mediaanon.stages.transcribe", "Transcribe"),
    "diarize_speakers": ("mediaanon.stages.diarize_speakers", "DiarizeSpeakers"),
    "redact_transcript": ("mediaanon.stages.redact_transcript", "RedactTranscript"),
    "blur_faces": ("mediaanon.stages.blur_faces", "BlurFaces"),
    "bleep_pii": ("mediaanon.stages.bleep_pii", "BleepPii"),
    "anonymize_voice": ("mediaanon.stages.anonymize_voice", "AnonymizeVoice"),
}


def stage_class(name: str) -> type["Stage"]:
    """The class registered under ``name``; a clear error for unknown names."""
    try:
        module, cls = STAGES[name]
    except KeyError:
        raise ConfigError(
            f"unknown stage {name!r}: this version provides {', '.join(sorted(STAGES))}"
        ) from None
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise ConfigError(f"stage {name!r} cannot be loaded: missing dependency {exc.name or exc}") from None
