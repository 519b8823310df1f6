"""Property tests for the transcript redactor (hypothesis).

For any text at all - random unicode, or interview-like sentences built from
names, numbers, e-mails and places - the redactor must not raise, its span
offsets must index the input (the redacted text is the input with exactly
those spans replaced), a marker never contains what it replaced, and
redacting already-redacted text changes nothing.
"""
from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mediaanon.redaction import Redactor  # noqa: E402

WORDS = ["my", "name", "is", "abigail", "claflin", "John", "Smith", "call", "me", "at", "five", "five", "five",
         "one", "two", "three", "four", "I", "live", "in", "Berlin", "on", "Main", "Street", "born", "in",
         "September", "nineteen", "eighty", "john.smith@example.com", "dot", "com", "at", "gmail", "the",
         "doctor", "said", "Mary", "and", "O'Neill", "went", "to", "Oxford", "University", "555-0143",
         "42", "years", "old", "uh", "um", ",", ".", "?", "#", "Ääkkönen", "née", "—", "\n", "\t", "[PERSON 1]",
         "[PHONE]", "Straße", "İstanbul", "ǅ", "𝔄𝔟𝔦", "🙂", "\u200b", "\u0301"]

unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)
interview_text = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


def check(redactor, text: str) -> None:
    result = redactor.redact(text)
    pos, rebuilt = 0, []
    for span in result.spans:
        assert 0 <= pos <= span.start < span.end <= len(text), (text, span)
        rebuilt += [text[pos:span.start], span.replacement]
        original = text[span.start:span.end]
        assert original.strip(), "an empty or blank span was redacted"
        assert original not in span.replacement, (original, span.replacement)
        pos = span.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == result.text  # offsets index the input, nothing else changed
    again = redactor.redact(result.text)
    assert again.text == result.text, (text, result.text, again.text)  # idempotent on redacted text


@SETTINGS
@given(text=unicode_text)
def test_any_unicode(redactor, text):
    check(redactor, text)


@SETTINGS
@given(text=interview_text)
def test_interview_like_text(redactor, text):
    check(redactor, text)


@pytest.mark.parametrize("text", ["", " ", "\x00", "\u202e", "a" * 5000, "[PERSON 1] said [PERSON 1]",
                                  "call 555 0143 or 555-0143 or five five five oh one four three"])
def test_edge_cases(redactor, text):
    check(redactor, text)
