"""One recording in, a :class:`~mediaanon.speakers.records.Diarization` out.

Two routes: a one-speaker-per-channel stereo recording is split by channel
(:mod:`~mediaanon.speakers.stereo`, exact, overlaps included); anything else
goes regions -> window embeddings -> clustering -> frame votes -> turns.
The embeddings exist only inside :meth:`Diarizer.diarize` and are dropped
before it returns.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mediaanon.records import Transcript
from mediaanon.speakers import cluster as clustering
from mediaanon.speakers import resegment, stereo, turns as turn_ops
from mediaanon.speakers.embed import embed_windows
from mediaanon.speakers.records import Diarization, Turn
from mediaanon.speakers.regions import diarization_regions

log = logging.getLogger(__name__)


class Diarizer:
    """Holds the hash-checked GE2E (Resemblyzer) encoder (loaded once per run)."""

    def __init__(self, models_dir: Path | None = None, device: str = "cpu", threads: int = 0):
        from mediaanon.speakers.ge2e import GE2E

        self.encoder = GE2E.load(models_dir, threads)  # from this package: speakers never import audio back
        self.model = self.encoder.model
        self.device = "cpu"  # a small LSTM: a GPU would not pay for the copies (device is accepted, not used)

    def diarize(self, audio: np.ndarray, transcript: Transcript | None = None, speakers: str = "auto",
                channels: tuple[np.ndarray, np.ndarray] | None = None, detect_stereo: bool = True) -> Diarization:
        """Who spoke when in 16 kHz mono ``audio`` (``channels``: the same audio per channel, if stereo).

        numpy's BLAS is held to one thread here: the matrices (mel filterbank,
        affinity, eigen-decomposition) are small, and a second OpenBLAS worker
        spinning on cores that decoding and other stages share cost ~20 % of
        the stage's CPU time on the dev sets, with identical results.
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._diarize(audio, transcript, speakers, channels, detect_stereo)

    def _diarize(self, audio: np.ndarray, transcript: Transcript | None, speakers: str,
                 channels: tuple[np.ndarray, np.ndarray] | None, detect_stereo: bool) -> Diarization:
        count = clustering.parse_count(speakers)
        if detect_stereo and channels is not None and count.low <= 2 <= count.high:
            split = stereo.detect(*channels)
            if split is not None:
                return from_stereo(split)
        regions, voiced = diarization_regions(audio, transcript)  # speech (gated), where voices are embedded
        windows = embed_windows(self.encoder, audio, voiced)
        labels, info = clustering.cluster(windows.vectors, count)
        details = {"speech_regions": len(regions), "speech_seconds": round(sum(b - a for a, b in regions), 2),
                   **{k: v for k, v in info.items() if k != "windows"}, "windows": len(windows)}
        if len(windows) == 0:
            turns = [Turn(a, b, "0", True) for a, b in regions]
        else:
            x = clustering.normalise(windows.vectors)
            scores = x @ clustering.centroids(x, labels).T
            times = resegment.frame_grid(regions)
            lab, unsure = resegment.frame_labels(times, windows, scores)
            lab = resegment.smooth(lab, times)
            turns = turn_ops.frames_to_turns(times, lab, unsure, resegment.FRAME)
            del x, scores
        del windows  # embeddings end here: nothing below can carry them out
        turns, labels_out = turn_ops.label_by_first_speech(turns)
        method = "embeddings" if len(labels_out) > 1 else "single"
        return Diarization(turns, labels_out, method, [], details)


def from_stereo(split: stereo.StereoSplit) -> Diarization:
    """Turns from per-channel speech; overlaps where both channels speak."""
    raw = [Turn(a, b, str(ch)) for ch, regions in enumerate(split.channels) for a, b in regions]
    raw = turn_ops.join(raw)
    both = stereo._intersect(list(split.channels[0]), list(split.channels[1]))
    turns, labels = turn_ops.label_by_first_speech(raw)
    details = {"channel_correlation": split.correlation, "one_channel_share": split.exclusive}
    return Diarization(turns, labels, "stereo", [(round(a, 3), round(b, 3)) for a, b in both], details)
