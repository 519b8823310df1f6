"""Audio de-identification: bleep plans, voice transforms, leak checks, speaker similarity.

Modules: :mod:`.bleep` (PII spans → intervals → tone/silence), :mod:`.voice`
(McAdams, WORLD), :mod:`.leakcheck` (re-transcription search),
:mod:`.similarity` (Resemblyzer), :mod:`.wavio` (float WAV tracks).
Heavy dependencies (pyworld, torch) are imported where they are used.
"""
