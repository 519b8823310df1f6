"""Speakers: who spoke when, offline (issue 10).

The pieces, each in its own module so it can be tested alone:

- :mod:`~mediaanon.speakers.regions`: speech regions from Silero VAD joined with the ASR word times
  (VAD misses quiet speech that Whisper heard; words miss speech Whisper dropped);
- :mod:`~mediaanon.speakers.embed`: Resemblyzer d-vectors of short windows inside those regions;
- :mod:`~mediaanon.speakers.cluster`: how many speakers (``auto | N | MIN-MAX``) and which window is whose;
- :mod:`~mediaanon.speakers.resegment`: frame labels from the windows' votes, smoothed, with
  overlapped/uncertain stretches marked rather than guessed;
- :mod:`~mediaanon.speakers.stereo`: interview recorders that put one speaker on each channel;
- :mod:`~mediaanon.speakers.turns`: labels ``S1``, ``S2`` … by first speech, words and segments
  labelled (a segment spanning a turn is split), talk-time statistics, time ranges of chosen speakers;
- :mod:`~mediaanon.speakers.rttm` and :mod:`~mediaanon.speakers.der`: the standard file format and
  the diarization error rate (pyannote.metrics conventions) for the benchmark and tests.

Speaker embeddings are biometric data: they live only inside :func:`diarize.diarize` and are never
returned, logged or written.
"""
