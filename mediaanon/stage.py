"""The ``Stage`` contract every processing step follows.

A stage is built once per run (models are loaded in ``__init__``, so a missing
model fails before the first recording) and called once per recording.  It
declares the facts it ``requires`` and ``assigns`` (spaCy's component
metadata), so :mod:`mediaanon.pipeline` can reject an impossible order at load
time: ``bleep_pii`` before ``redact_transcript`` has no PII to bleep, and
``transcribe`` after ``anonymize_voice`` would transcribe transformed speech
(``refuses``).

Facts used so far:

- ``audio`` / ``video`` / ``image``: the input has such a stream (checked per
  recording, since it depends on the file);
- ``transcript``: ``recording.transcript`` is set;
- ``pii``: ``recording.pii`` holds the redaction decisions;
- ``audio_edited``: some stage replaced the audio (bleeped/transformed);
- ``voice_transformed``: the voice no longer sounds like the speaker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from mediaanon.options import build_options

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

MEDIA_FACTS = frozenset({"audio", "video", "image"})


@dataclass(frozen=True)
class RunContext:
    """What every stage may know about the run, fixed before the first recording."""

    models_dir: Path | None = None  # extra folder searched for model files (``--models-dir``)
    device: str = "auto"  # auto | cpu | cuda: where neural models should run
    names_file: Path | None = None  # per-study list of known names (``--names``)
    study_key: bytes | None = None  # keyed hashes / per-study seeds; never written to a bundle
    threads: int = 0  # CPU threads this process may use (--jobs splits the cores); 0: each library decides
    study_dir: Path | None = None  # study folder (--study): register of pseudonyms, outside OUTDIR
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelUse:
    """A model a stage loaded, as recorded in the processing log."""

    name: str
    sha256: str
    path: str = ""  # where it was found; a package path, not user data
    device: str = "cpu"


class Stage:
    """Base class.  Subclasses set the class attributes and implement ``__call__``.

    ``__call__`` returns a summary dict for the processing log: counts, time
    ranges, settings that were chosen automatically, never PII strings.
    Raise :class:`~mediaanon.errors.StageError` (or any exception: the runner
    fails the recording closed either way) when the result cannot be trusted.
    """

    name: ClassVar[str]
    Options: ClassVar[type]
    requires: ClassVar[frozenset[str]] = frozenset()
    assigns: ClassVar[frozenset[str]] = frozenset()
    refuses: ClassVar[frozenset[str]] = frozenset()
    media_kinds: ClassVar[frozenset[str]] = frozenset({"audio", "video", "image"})
    description: ClassVar[str] = ""

    def __init__(self, options: Any, context: RunContext):
        self.options = build_options(self.Options, options, self.name)
        self.context = context
        self.models_used: list[ModelUse] = []

    @classmethod
    def requires_for(cls, options: Any) -> frozenset[str]:
        """What this stage requires with ``options`` (the raw mapping, before validation).

        Checked at load time; most stages require the same whatever their
        options, a few need more for some settings.
        """
        return cls.requires

    def applies_to(self, recording: "Recording") -> bool:
        """Whether this stage has work for this kind of input (audio/video/image)."""
        return recording.kind in self.media_kinds

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Release models/threads; called once after the last recording."""
