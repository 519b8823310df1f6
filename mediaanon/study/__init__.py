"""Whole studies: many recordings, many processes, many cluster nodes, one set of pseudonyms.

- :mod:`~mediaanon.study.plan` decides per recording *done / to do / redo*
  before any model is loaded (a rerun with everything done loads nothing);
- :mod:`~mediaanon.study.manifest` reads ``--manifest study.csv``;
- :mod:`~mediaanon.study.shard` splits a study deterministically by bundle id;
- :mod:`~mediaanon.study.pool` runs :func:`mediaanon.runner.process` in worker
  processes (spawn), each loading its models once with its share of the cores;
- :mod:`~mediaanon.study.events` writes the JSON-lines event log;
- :mod:`~mediaanon.study.folder` and :mod:`~mediaanon.study.register` hold the
  study key and the register of pseudonyms (outside OUTDIR, under a file lock);
- :mod:`~mediaanon.study.slurm` writes job-array scripts and
  :mod:`~mediaanon.study.summary` merges every shard's results.

This package imports nothing heavy at import time: the register is used from
inside the redaction stage, and the CLI imports the rest lazily.
"""
