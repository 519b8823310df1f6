"""How many speakers, and which window belongs to whom.

Spectral clustering of the windows' cosine affinities (Wang et al., "Speaker
diarization with LSTM", the recipe built on GE2E d-vectors like Resemblyzer's):
the affinity matrix is refined (each row keeps its strongest links, then
symmetrised), the number of speakers is the largest eigen-gap of its
normalised Laplacian within the allowed range, and k-means on the leading
eigenvectors gives the first labels.  The labels are then refined in the
embedding space itself (each window goes to the nearest speaker centroid,
a few rounds), which fixes windows the spectral step put on the wrong side.

One speaker cannot show as an eigen-gap, so it is tested separately: when
the best two-speaker split leaves centroids that are still this similar
(``SAME_SPEAKER_COS``), there is one voice.  Average-linkage clustering and
unconstrained counting both over-split long recordings (the issue's
prototype found 4 speakers in a 2-speaker clip).  The eigen-gap alone
under-counts a third voice that speaks little, so the split is extended one
speaker at a time while every pair of centroids stays clearly apart
(``EXTEND_COS``).  The gap can also over-count: one voice whose windows fall
in two registers makes a gap of its own, so the gap's pick gives up a speaker
while two of its centroids are as close as one voice's halves
(``MERGE_COS``).  And a voice that speaks little makes only a small gap, so
"no clear gap" means one speaker only when the two-way centroids are not
clearly apart either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

AUTO_RANGE = (1, 6)
SAME_SPEAKER_COS = 0.90  # centroids of a 2-way split closer than this: one speaker (dev: one voice 0.92-0.96, two 0.61-0.88)
MIN_GAP = 0.2  # no eigen-gap this large: one speaker (dev: one voice <= 0.14, two >= 0.48)
SAME_SPEAKER_RATIO = 0.908  # mean cross-half / within-half window similarity above this: one speaker (dev: one voice 0.917-0.968, two 0.606-0.900)
EXTEND_COS = 0.80  # a further split is kept while every pair of centroids stays below this (dev: distinct voices <= 0.77)
MERGE_COS = 0.85  # the eigen-gap's pick drops a speaker while two of its centroids are this similar (tune: one voice split 0.87-0.89)
MIN_WINDOWS = 3  # a speaker needs at least this many windows
KEEP_FRACTION = 0.3  # row-wise affinity pruning: keep this share of each window's strongest links
MIN_KEEP = 6
MAX_AFFINITY = 1200  # windows in the affinity matrix at most (11.5 MB float64, eigh well under a second)


@dataclass(frozen=True)
class SpeakerCount:
    """The allowed number of speakers (``auto``: 1-6)."""

    low: int
    high: int

    @property
    def fixed(self) -> bool:
        return self.low == self.high


def parse_count(spec: str | int | None) -> SpeakerCount:
    """``auto`` | ``N`` | ``MIN-MAX`` -> :class:`SpeakerCount`; ValueError on anything else."""
    if spec is None or str(spec).strip().lower() == "auto":
        return SpeakerCount(*AUTO_RANGE)
    text = str(spec).strip()
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", text)
    if not m:
        raise ValueError(f"speakers must be auto, N or MIN-MAX, got {text!r}")
    low = int(m.group(1))
    high = int(m.group(2) or low)
    if not 1 <= low <= high <= 20:
        raise ValueError(f"speakers: need 1 <= MIN <= MAX <= 20, got {text!r}")
    return SpeakerCount(low, high)


def cluster(vectors: np.ndarray, count: SpeakerCount, seed: int = 0,
            max_affinity: int = MAX_AFFINITY) -> tuple[np.ndarray, dict]:
    """Labels 0..k-1 per window and scores for the log (k, eigen-gaps, centroid similarity).

    A long recording is not clustered whole: the affinity matrix grows with
    the square of the windows and its eigen-decomposition with the cube (a
    60-minute interview has ~7,200 windows: 400 MB and minutes).  Beyond
    ``max_affinity`` windows an evenly spaced subset (every k-th window, so
    each speaker keeps their share of talk time) is clustered, and then
    every window goes to its nearest speaker centroid (:func:`refine`,
    linear in the windows).
    """
    n = len(vectors)
    info: dict = {"windows": int(n)}
    if n == 0:
        return np.zeros(0, int), {**info, "k": 0}
    x = normalise(vectors)
    if n > max_affinity:
        pick = np.unique(np.linspace(0, n - 1, max_affinity).round().astype(int))
        sub, sub_info = cluster(x[pick], count, seed, max_affinity)
        labels = refine(x, _assign(x, x[pick], sub)) if sub.max() > 0 else np.zeros(n, int)
        return labels, {**sub_info, "windows": int(n), "clustered_windows": int(len(pick)),
                        "k": int(labels.max() + 1)}
    high = min(count.high, n)
    if high <= 1 or n < 3:
        return np.zeros(n, int), {**info, "k": 1}
    eigvals, eigvecs = _spectrum(x)

    splits: dict[int, np.ndarray] = {}

    def split(k: int) -> np.ndarray:
        """The k-way split (deterministic for the seed, so each k is computed once: the merge, the
        extension and the one-speaker test ask for the same ones)."""
        if k not in splits:
            splits[k] = refine(x, _kmeans(_rows(eigvecs[:, :k]), k, seed))
        return splits[k]

    if count.fixed:
        k = min(count.low, n)
        labels = split(k)
    else:
        lo = max(2, count.low)
        top = min(high, n - 1)  # the gap after the k-th eigenvalue needs a (k+1)-th: n windows give n eigenvalues
        gaps = eigvals[lo:top + 1] - eigvals[lo - 1:top]  # gap after the k-th eigenvalue, k = lo..top
        k = lo + int(np.argmax(gaps)) if len(gaps) else lo
        info["eigengaps"] = [round(float(g), 4) for g in gaps]
        labels = split(k)
        while k > 2 and _max_pair(x, labels) >= MERGE_COS:  # a gap after the k-th eigenvalue can come from one voice's spread
            k -= 1
            labels = split(k)
        while k < high:  # a quiet third voice rarely shows as the largest gap: split further while voices stay distinct
            more = split(k + 1)
            if more.max() + 1 < k + 1 or np.bincount(more).min() < MIN_WINDOWS or _max_pair(x, more) >= EXTEND_COS:
                break
            k, labels = k + 1, more
        if count.low <= 1:
            two = labels if k == 2 else split(2)
            sim = _centroid_similarity(x, two)
            ratio = _cross_within(x, two)
            info["two_way_centroid_cos"] = round(sim, 4)
            info["two_way_cross_within"] = round(ratio, 4)
            no_gap = len(gaps) and float(np.max(gaps)) < MIN_GAP and sim >= EXTEND_COS  # a small second voice shows no gap
            if sim >= SAME_SPEAKER_COS or ratio >= SAME_SPEAKER_RATIO or no_gap:
                labels = np.zeros(n, int)
    labels = _compact(labels)
    info["k"] = int(labels.max() + 1)
    return labels, info


def refine(x: np.ndarray, labels: np.ndarray, rounds: int = 5) -> np.ndarray:
    """Move each window to its nearest centroid (cosine) until nothing changes; empty speakers vanish."""
    for _ in range(rounds):
        labels = _compact(labels)
        cents = centroids(x, labels)
        new = np.argmax(x @ cents.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return _compact(labels)


def _assign(x: np.ndarray, sample: np.ndarray, sample_labels: np.ndarray) -> np.ndarray:
    """Every row of ``x`` labelled by the nearest centroid of the clustered ``sample``."""
    return np.argmax(x @ centroids(sample, sample_labels).T, axis=1)


def centroids(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) else 0
    cents = np.stack([x[labels == j].mean(axis=0) if np.any(labels == j) else np.zeros(x.shape[1]) for j in range(k)])
    return normalise(cents)


def _spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of the normalised Laplacian of the refined affinity."""
    a = np.clip(x @ x.T, 0.0, 1.0)
    n = len(a)
    keep = max(MIN_KEEP, int(np.ceil(KEEP_FRACTION * n)))
    if keep < n:
        thresh = -np.sort(-a, axis=1)[:, keep - 1:keep]
        a = np.where(a >= thresh, a, 0.0)
    a = np.maximum(a, a.T)
    np.fill_diagonal(a, 0.0)
    d = a.sum(axis=1)
    d[d == 0] = 1e-9
    inv = 1.0 / np.sqrt(d)
    lap = np.eye(n) - inv[:, None] * a * inv[None, :]
    vals, vecs = np.linalg.eigh(lap)
    return vals, vecs


def _kmeans(x: np.ndarray, k: int, seed: int, restarts: int = 10, iters: int = 50) -> np.ndarray:
    """Plain k-means (k-means++ seeding, best of ``restarts``); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    best, best_cost = np.zeros(len(x), int), np.inf
    for _ in range(restarts):
        cents = [x[rng.integers(len(x))]]
        for _j in range(1, k):
            d2 = np.min(((x[:, None, :] - np.asarray(cents)[None]) ** 2).sum(-1), axis=1)
            p = d2 / d2.sum() if d2.sum() > 0 else None
            cents.append(x[rng.choice(len(x), p=p)])
        c = np.asarray(cents)
        for _it in range(iters):
            lab = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
            new = np.stack([x[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
            if np.allclose(new, c):
                break
            c = new
        cost = float(((x - c[lab]) ** 2).sum())
        if cost < best_cost:
            best, best_cost = lab, cost
    return best


def _max_pair(x: np.ndarray, labels: np.ndarray) -> float:
    c = centroids(x, labels)
    m = c @ c.T
    np.fill_diagonal(m, -1.0)
    return float(m.max())


def _centroid_similarity(x: np.ndarray, labels: np.ndarray) -> float:
    labels = _compact(labels)
    if labels.max() < 1:
        return 1.0
    c = centroids(x, labels)
    return float(c[0] @ c[1])


def _cross_within(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean similarity across the two halves of a split over the mean similarity inside them.

    The centroid similarity alone drifts with the number of windows (a short
    recording's centroids are noisier, so one voice split in two looks like
    two); this ratio compares the split with the voice's own spread, which
    drifts with it.  Pairs are subsampled to at most 400 windows per half.
    """
    labels = _compact(labels)
    if labels.max() < 1:
        return 1.0
    halves = [x[labels == j][:: max(1, int(np.sum(labels == j)) // 400)] for j in (0, 1)]
    inside = []
    for h in halves:
        if len(h) > 1:
            m = h @ h.T
            inside.append(float(m[np.triu_indices(len(h), 1)].mean()))
    if not inside:
        return 1.0
    return float((halves[0] @ halves[1].T).mean()) / max(float(np.mean(inside)), 1e-9)


def _compact(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..k-1 in order of first appearance (empty labels dropped)."""
    mapping: dict[int, int] = {}
    out = np.empty(len(labels), int)
    for i, v in enumerate(labels):
        out[i] = mapping.setdefault(int(v), len(mapping))
    return out


def _rows(v: np.ndarray) -> np.ndarray:
    return normalise(v)


def normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64)
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    return v / norm
