"""Transcript redaction: ASR-aware PII detection on Presidio, markers, time mapping.

Public API::

    from mediaanon.redaction import Redactor, RedactionOptions, KnownNames, TimeMap
    r = Redactor({"marker_format": "[{type} {n}]"}, names="names.txt")
    result = r.redact("my name is abigail claflin")   # RedactionResult(text, spans, key)
    r.redact_text_json(text)                          # {"text", "entities": [...]}

Names are imported lazily, so ``TimeMap`` (used by subtitle writers and
``bleep_pii``) does not pull in spaCy and Presidio.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "KnownNames": "mediaanon.redaction.names",
    "RedactionOptions": "mediaanon.redaction.options",
    "RedactionResult": "mediaanon.redaction.redactor",
    "Redactor": "mediaanon.redaction.redactor",
    "redact_text_json": "mediaanon.redaction.redactor",
    "TYPES": "mediaanon.redaction.spans",
    "TimeMap": "mediaanon.redaction.timemap",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
