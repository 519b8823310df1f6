"""Re-voicing: the redacted transcript spoken by a synthetic voice, in the original timing.

Why: the DSP transforms in :mod:`mediaanon.audio.voice` change how a voice
sounds but leave a speaker-verification system well above chance; a voice
synthesised from text carries nothing of the speaker's voice, and because it
speaks the *redacted* transcript it says no PII by construction.

Pieces (one module each, so each can be tested alone):

- :mod:`.phonemes` — text → IPA phonemes with the espeak-ng *program* (GPL,
  run as a separate process, never linked) → phoneme ids with Piper's
  conventions (BOS ``^``, pad ``_`` after every id, EOS ``$``).
- :mod:`.piper` — the Piper VITS voice as a plain ONNX graph on onnxruntime
  (CUDA execution provider where onnxruntime has it); ``piper-tts`` (GPL) is
  never imported.
- :mod:`.text` — what is spoken: markers as a neutral word of their type or
  silence, and the per-speaker voice variants.
- :mod:`.fit` — fitting an utterance into its time slot (rate first, then a
  bounded WORLD time-stretch) and moving pitch/formants for a speaker variant.
- :mod:`.render` — placing fitted utterances on each track's timeline, at
  the track's rate and channel layout, over silence or low comfort noise.
- :mod:`.engine` — the per-recording driver the ``anonymize_voice`` stage calls.
"""
