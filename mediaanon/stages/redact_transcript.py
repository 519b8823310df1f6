"""``redact_transcript``: find personal data in the transcript and mark it.

One decision, one timeline: each redacted character span also gets the
seconds of audio it covers (from the ASR word times, see
:mod:`mediaanon.redaction.timemap`), so ``bleep_pii`` and the subtitle writers
follow exactly what the transcript redaction decided.  The summary for the
processing log has counts, time ranges, recognizer names and timing flags —
never the redacted strings; the key (marker → original) stays in memory on
the recording.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mediaanon.errors import StageError
from mediaanon.hooks import Progress
from mediaanon.redaction.engine import SPACY_MODEL
from mediaanon.redaction.options import RedactionOptions
from mediaanon.redaction.redactor import Redactor
from mediaanon.redaction import wordtimes
from mediaanon.redaction.timemap import TimeMap
from mediaanon.speakers.select import tag_segments
from mediaanon.stage import ModelUse, RunContext, Stage

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)


class RedactTranscript(Stage):
    name = "redact_transcript"
    Options = RedactionOptions
    requires = frozenset({"transcript"})
    assigns = frozenset({"pii"})
    media_kinds = frozenset({"audio", "video"})
    description = "Find names, places, numbers, e-mails … in the transcript (ASR-aware) and replace them with markers"

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        self.redactor = Redactor(self.options, names=context.names_file, models_dir=context.models_dir)
        self.register = None
        if context.study_dir is not None:  # --study: markers from the study's register
            from mediaanon.study.register import StudyRegister

            self.register = StudyRegister(context.study_dir)
        self.redactor.register = self.register
        self.options = self.redactor.options  # with the policy's fields: the log's filled options are the effective ones
        self.redactors = {self.redactor.language: self.redactor}  # language -> Redactor (auto: one per language met)
        self._use(self.redactor)

    def _use(self, redactor: Redactor) -> None:
        model = redactor.model
        if model is not None:
            self.models_used.append(ModelUse(model.spec.name or SPACY_MODEL, model.sha256, str(model.path), "cpu"))

    def _redactor_for(self, transcript: Any) -> Redactor:
        """The transcript's language selects the pipeline (``language: auto``); a missing one fails closed."""
        if self.options.language != "auto":
            return self.redactor
        from mediaanon.redaction.languages import get

        try:
            code = get(transcript.language or "en").code
        except ValueError as exc:
            raise StageError(f"redact_transcript: {exc}; set redact_transcript.rules_only=true to redact with rules"
                             f" and known names only") from None
        if code not in self.redactors:
            self.redactors[code] = Redactor(replace(self.options, language=code), names=self.redactor.names,
                                            models_dir=self.context.models_dir)
            self.redactors[code].register = self.register
            self._use(self.redactors[code])
        return self.redactors[code]

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        transcript = recording.transcript
        if transcript is None:
            raise StageError(f"{recording.id}: redact_transcript needs a transcript (run transcribe first)")
        timemap = TimeMap(transcript)
        text = timemap.text
        if text != transcript.text:  # both are the offset basis of PiiSpan: they must agree
            raise StageError(f"{recording.id}: transcript text and segment texts disagree")
        redactor = self._redactor_for(transcript)
        result = redactor.redact(text)
        spans = []
        for s in result.spans:
            tr = timemap.time(s.start, s.end)
            spans.append(replace(s, t0=tr.t0, t1=tr.t1, timing=tr.timing))
        segments = wordtimes.redacted_segments(transcript, spans, timemap)  # text, words, speaker
        segments = tag_segments(segments, transcript, recording.speakers)  # + speaker_uncertain
        recording.pii = spans
        recording.redacted_text = result.text
        recording.redacted_segments = segments
        recording.key = result.key
        recording.facts.add("pii")
        hook(Progress(recording.id, self.name, done=len(segments), total=len(segments), unit="segments"))
        log.info("%s: %d PII spans redacted", recording.id, len(spans))
        out = summary(spans, redactor)
        from mediaanon.redaction.languages import poor_transcription_warning

        warning = poor_transcription_warning(redactor.language, transcript.model or "")
        if warning:
            log.warning("%s: %s", recording.id, warning)
            out["transcription_warning"] = warning
        return out


def summary(spans: list, redactor: Redactor) -> dict[str, Any]:
    """Counts and time ranges for the processing log (no strings from the transcript)."""
    return {
        "spans": len(spans),
        "by_type": dict(sorted(Counter(s.type for s in spans).items())),
        "time_ranges": [[s.t0, s.t1, s.type] for s in spans],
        "timing": dict(sorted(Counter(s.timing for s in spans).items())),
        "found_by": dict(sorted(Counter(s.recognizer for s in spans).items())),
        "recognizers": redactor.recognizer_names,
        "known_names": len(redactor.names),
        "language": redactor.language,
        "pipeline": redactor.pipeline_log,
        "policy": redactor.policy.name if redactor.policy is not None else None,
    }
