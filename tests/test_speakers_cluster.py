"""Clustering windows into speakers: counts, and bounded work on long recordings."""
from __future__ import annotations

import numpy as np

from mediaanon.speakers import cluster


def voices(n_per: list[int], spread: float = 0.35, seed: int = 1, dim: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic d-vectors: one random direction per speaker plus noise, in turns of ~20 windows."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(n_per), dim))
    left = list(n_per)
    truth = []
    spk = 0
    while sum(left):
        take = min(left[spk], int(rng.integers(5, 40)))
        truth += [spk] * take
        left[spk] -= take
        spk = next(s for s in list(range(spk + 1, len(n_per))) + list(range(spk + 1)) if left[s] or not sum(left))
    truth = np.asarray(truth)
    noise = rng.normal(size=(len(truth), dim))
    x = cluster.normalise(centres)[truth] + spread * cluster.normalise(noise)
    return x.astype(np.float32), truth


def purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """Share of windows whose label is their true speaker's majority label (one-to-one)."""
    hits = 0
    for s in np.unique(truth):
        hits += np.bincount(labels[truth == s]).max()
    return hits / len(truth)


def test_a_sixty_minute_recording_never_builds_the_whole_affinity_matrix(monkeypatch):
    # 7,200 windows = 60 minutes of speech at a 0.5 s hop: the full matrix would be 7,200 x 7,200
    x, truth = voices([4000, 2600, 600])
    seen: list[int] = []
    real = cluster._spectrum

    def spy(v):
        seen.append(len(v))
        return real(v)

    monkeypatch.setattr(cluster, "_spectrum", spy)
    labels, info = cluster.cluster(x, cluster.parse_count("auto"))
    assert seen and max(seen) <= cluster.MAX_AFFINITY < len(x)
    assert info["windows"] == len(x) and info["clustered_windows"] <= cluster.MAX_AFFINITY
    assert len(labels) == len(x) and info["k"] == 3
    assert purity(labels, truth) > 0.98  # every window, not only the clustered subset, gets its speaker


def test_a_small_cap_still_finds_the_speakers_of_every_window():
    x, truth = voices([300, 200])
    labels, info = cluster.cluster(x, cluster.parse_count("2"), max_affinity=100)
    assert info["clustered_windows"] <= 100 and info["k"] == 2
    assert purity(labels, truth) > 0.98


def test_one_voice_stays_one_speaker_when_subsampled():
    x, _ = voices([2000])
    labels, info = cluster.cluster(x, cluster.parse_count("auto"), max_affinity=300)
    assert info["k"] == 1 and set(labels.tolist()) == {0}


def test_a_few_windows_never_break_the_eigen_gap_search():
    """A six-second clip gives a handful of windows, as few as the speakers asked for (AMI clip: 5)."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=256), rng.normal(size=256)
    for n in range(3, 9):
        x = np.stack([(a if i % 2 else b) + rng.normal(0, 0.3, 256) for i in range(n)])
        for spec in ("auto", "1-20", f"2-{n}", f"1-{n + 3}"):
            labels, info = cluster.cluster(x, cluster.parse_count(spec))
            assert len(labels) == n and 1 <= info["k"] <= n


def _unit(v: np.ndarray) -> np.ndarray:
    return cluster.normalise(v[None])[0]


def _around(centre: np.ndarray, n: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` windows of one voice: its direction plus noise of norm ``spread``."""
    return np.stack([_unit(centre + spread * _unit(rng.normal(size=256))) for _ in range(n)])


def test_a_second_voice_that_speaks_little_is_not_lost_for_a_small_eigen_gap():
    """Eight windows in 77 give no clear eigen-gap, but their centroid is far from the first voice's (cos 0.58)."""
    rng = np.random.default_rng(3)
    a = _unit(rng.normal(size=256))
    b = _unit(0.6 * a + 0.8 * _unit(rng.normal(size=256)))
    x = np.concatenate([_around(a, 69, 0.5, rng), _around(b, 8, 0.5, rng)])
    labels, info = cluster.cluster(x, cluster.parse_count("auto"))
    assert max(info["eigengaps"]) < cluster.MIN_GAP  # the case the rule is for
    assert info["k"] == 2
    assert purity(labels, np.repeat([0, 1], [69, 8])) > 0.95


def test_one_voice_in_two_registers_is_not_counted_twice_for_an_eigen_gap():
    """A voice whose windows fall in two tight groups (centroids cos ~0.9) makes the largest gap after k=3."""
    rng = np.random.default_rng(3)
    a = _unit(rng.normal(size=256))
    a1, a2 = (_unit(a + 0.35 * _unit(rng.normal(size=256))) for _ in range(2))
    b = _unit(rng.normal(size=256))
    x = np.concatenate([_around(a1, 20, 0.2, rng), _around(a2, 20, 0.2, rng), _around(b, 25, 0.2, rng)])
    labels, info = cluster.cluster(x, cluster.parse_count("auto"))
    assert 2 + int(np.argmax(info["eigengaps"])) == 3  # the eigen-gap alone would say three
    assert info["k"] == 2
    assert purity(labels, np.repeat([0, 0, 1], [20, 20, 25])) == 1.0
