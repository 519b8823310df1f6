"""From labelled windows to frame labels: votes, smoothing, uncertainty.

Each window has a cosine score against every speaker centroid; a 50 ms frame
takes the mean scores of the windows that cover it and goes to the best
speaker.  Frames where the two best scores are within ``MARGIN`` are marked
uncertain (overlapped speech, laughter, a voice the model cannot place) —
they still get the more likely label, but the turn says so.  Speech frames
no window covers (regions shorter than a window) take the label of the
nearest labelled frame and are marked uncertain too.
"""
from __future__ import annotations

import numpy as np

from mediaanon.speakers.embed import Windows
from mediaanon.speakers.regions import Region

FRAME = 0.05  # seconds per frame
MARGIN = 0.03  # cosine difference below which a frame is uncertain


def frame_grid(regions: list[Region]) -> np.ndarray:
    """Centre times of the 50 ms frames inside ``regions``."""
    times = [np.arange(a + FRAME / 2, b, FRAME) for a, b in regions]
    return np.concatenate(times) if times else np.zeros(0)


def frame_labels(times: np.ndarray, windows: Windows, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label and uncertainty per frame; ``scores`` is (windows x speakers) cosine similarity."""
    n, k = len(times), scores.shape[1] if scores.ndim == 2 else 0
    labels = np.full(n, -1, int)
    unsure = np.zeros(n, bool)
    if n == 0 or k == 0 or len(windows) == 0:
        return labels, np.ones(n, bool)
    acc = np.zeros((n, k))
    hits = np.zeros(n)
    order = np.argsort(times)
    sorted_t = times[order]
    for (a, b), s in zip(windows.spans, scores):
        lo, hi = np.searchsorted(sorted_t, a), np.searchsorted(sorted_t, b)
        idx = order[lo:hi]
        acc[idx] += s
        hits[idx] += 1
    covered = hits > 0
    mean = acc[covered] / hits[covered, None]
    labels[covered] = np.argmax(mean, axis=1)
    if k > 1:
        top2 = np.sort(mean, axis=1)[:, -2:]
        unsure[covered] = (top2[:, 1] - top2[:, 0]) < MARGIN
    if not covered.all() and covered.any():
        known = np.flatnonzero(covered)
        for i in np.flatnonzero(~covered):
            j = known[np.argmin(np.abs(times[known] - times[i]))]
            labels[i] = labels[j]
            unsure[i] = True
    return labels, unsure


def smooth(labels: np.ndarray, times: np.ndarray, min_run: float = 0.3) -> np.ndarray:
    """Runs shorter than ``min_run`` inside continuous speech take their neighbours' label.

    Only contiguous frames (no pause between them) are smoothed across: a
    short answer after a pause is its own run and keeps its label.
    """
    labels = labels.copy()
    if len(labels) < 3:
        return labels
    need = max(1, int(round(min_run / FRAME)))
    gaps = np.diff(times) > FRAME * 1.5
    start = 0
    runs = []
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start] or gaps[i - 1]:
            runs.append((start, i))
            start = i
    for r, (a, b) in enumerate(runs):
        if b - a >= need:
            continue
        left = runs[r - 1] if r > 0 and not gaps[a - 1] else None
        right = runs[r + 1] if r + 1 < len(runs) and not gaps[b - 1] else None
        pick = max((x for x in (left, right) if x), key=lambda x: x[1] - x[0], default=None)
        if pick is not None:
            labels[a:b] = labels[pick[0]]
    return labels
