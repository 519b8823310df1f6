"""Trust in the result: verdicts, the review report, the batch index, amendments.

- :mod:`.verdict` — ``clean`` / ``review`` per recording, with PII-free reasons;
- :mod:`.report` — ``report.html`` in each bundle, from the anonymized outputs only;
- :mod:`.index` — ``OUTDIR/index.html``, one row per recording, read from disk;
- :mod:`.amend` — a reviewer's extra redactions applied to a finished bundle, atomically.

The repairs themselves live beside the checks that trigger them
(:mod:`mediaanon.faces.residuals`, :mod:`mediaanon.audio.leakrepair`); their
bookkeeping (what was repaired, where, in how many passes) goes into the stage
summaries, which :mod:`.verdict` reads.
"""
