"""Camera motion between frames, and which frames the detector must see.

Why: a tracker that knows only its detections cannot tell, at a face's
second detection, whether it moved 50 px with a panning camera or is another
face; and a detector run on every other frame misses the moment a whip pan
starts.  Both need the frame's own motion, which is cheap to measure on a
thumbnail of the luma: corners tracked by pyramidal Lucas-Kanade and a
similarity transform (shift, zoom, a little rotation) fitted with RANSAC.
All of it runs in the reader thread, in frame order, from the pixels alone,
so the frames chosen for detection never depend on thread timing.

- :class:`CameraMotion` gives each frame a :class:`Step`: the similarity
  that maps the previous frame's pixels onto this one's (identity on a scene
  cut, on the first frame, or when too few corners agree), and its
  ``speed``: how far the frame's corners move, in frame pixels, and its
  ``change``: how much the picture's most changed block changed.
- :class:`DetectSchedule` decides per frame whether the detector runs:
  every ``every``-th frame, both ends of every scene, and every frame of a
  fast stretch (a whip pan: ``speed`` above ``fast`` px/frame) plus the frame
  before it and ``every`` frames after it; the fast stretches are kept as
  frame ranges for the log.  In a static stretch (the camera measured still:
  ``speed`` under ``still``, and no block of the picture changing by more
  than ``calm``, see :func:`picture_change`) the stride is ``static_every``
  instead of ``every``: it applies while every frame since the last detector
  run is static.  The first frame that is not returns to ``every`` at once,
  and the stretch's last frame is detected too, so the tracker interpolates
  the change from a detection made just before it.
- :class:`SparseGate` lets the static stride be used only while the
  detector's recent runs found the same few faces (a still crowd shot, whose
  dim faces are found now and then, keeps the normal stride).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

THUMB_LONG = 128  # long side of the thumbnail motion is measured on
STILL = 0.002  # camera motion (fraction of the long side per frame) under which a shot may count as static
CALM = 8.0  # largest block change (mean |luma change| of a CHANGE_GRID block) of a static frame
CHANGE_GRID = (16, 9)  # blocks (columns, rows) the picture's change is measured on: ~8 thumbnail px each


@dataclass(frozen=True)
class Step:
    """Similarity from the previous frame to this one, in frame pixels: p' = scale * R(angle) p + (dx, dy)."""

    a: float = 1.0  # scale * cos(angle)
    b: float = 0.0  # scale * sin(angle)
    dx: float = 0.0
    dy: float = 0.0
    speed: float = 0.0  # largest displacement of the frame's four corners, px
    known: bool = False  # False: first frame of a scene, or not measurable (flat or chaotic picture)
    change: float = 0.0  # largest mean |luma change| of a thumbnail block since the previous frame (0..255)

    def matrix(self) -> np.ndarray:
        return np.array([[self.a, -self.b, self.dx], [self.b, self.a, self.dy], [0.0, 0.0, 1.0]])


IDENTITY = Step()


class CameraMotion:
    """Per-frame global motion of a video, from consecutive luma thumbnails."""

    def __init__(self, width: int, height: int):
        s = THUMB_LONG / max(width, height)
        self.scale = s
        self.size = (max(16, int(round(width * s))), max(16, int(round(height * s))))
        self.frame = (width, height)
        self._prev: np.ndarray | None = None
        self._pts: np.ndarray | None = None

    def update(self, luma: np.ndarray, cut: bool = False) -> Step:
        """The step from the previous frame to this one (``luma``: the full-size Y plane)."""
        import cv2

        # a strided view first: INTER_AREA over the full plane costs ~2 ms, this ~0.1 ms
        step = max(1, int(min(luma.shape[1] / self.size[0], luma.shape[0] / self.size[1]) // 2))
        thumb = cv2.resize(luma[::step, ::step], self.size, interpolation=cv2.INTER_AREA)
        prev, pts = self._prev, self._pts
        self._prev, self._pts = thumb, None
        if cut or prev is None or pts is None or len(pts) < 8:
            self._pts = self._corners(thumb)
            return IDENTITY
        nxt, status, _err = cv2.calcOpticalFlowPyrLK(prev, thumb, pts, None, winSize=(11, 11), maxLevel=2)
        ok = status.reshape(-1) == 1
        m, inliers = (None, None) if ok.sum() < 8 else cv2.estimateAffinePartial2D(
            pts[ok], nxt[ok], method=cv2.RANSAC, ransacReprojThreshold=1.0, maxIters=200, confidence=0.99)
        if m is None or inliers is None or inliers.sum() < max(6, 0.4 * ok.sum()):
            self._pts = self._corners(thumb)
            return IDENTITY
        # the corners that followed the camera are tracked on; fresh ones only when too few are left
        kept = nxt[ok][inliers.reshape(-1) == 1]
        self._pts = kept if len(kept) >= 25 else self._corners(thumb)
        a, b = float(m[0, 0]), float(m[1, 0])
        dx, dy = float(m[0, 2]) / self.scale, float(m[1, 2]) / self.scale
        step = Step(a, b, dx, dy, 0.0, True)
        return Step(a, b, dx, dy, corner_speed(step, *self.frame), True, picture_change(prev, thumb))


    @staticmethod
    def _corners(thumb: np.ndarray) -> np.ndarray | None:
        import cv2

        return cv2.goodFeaturesToTrack(thumb, maxCorners=50, qualityLevel=0.01, minDistance=8)


def picture_change(prev: np.ndarray, thumb: np.ndarray) -> float:
    """The largest mean absolute change between two luma thumbnails over a grid of ``CHANGE_GRID`` blocks.

    Why blocks and their maximum: a face that moves or enters changes one part of the picture;
    averaged over the whole frame it would vanish in a still background.
    """
    import cv2

    diff = cv2.absdiff(prev, thumb).astype(np.float32)
    return float(cv2.resize(diff, CHANGE_GRID, interpolation=cv2.INTER_AREA).max())


def corner_speed(step: Step, width: int, height: int) -> float:
    """How far the frame's corners move under ``step`` (px): the fastest point of a similarity is a corner."""
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], np.float64).T
    moved = step.matrix() @ corners
    return float(np.hypot(*(moved[:2] - corners[:2])).max())


@dataclass
class DetectSchedule:
    """Which frames the detector runs on; decided one frame late (whether a frame ends a scene,
    precedes a whip pan or ends a static stretch is known only when the next frame arrives)."""

    every: int = 1
    fast: float = 0.0  # px/frame above which every frame is detected; 0 disables
    static_every: int = 1  # stride in static stretches; <= every disables them
    still: float = 0.0  # px/frame of camera motion a static frame may have
    calm: float = CALM  # largest block change (picture_change) a static frame may have
    since: int = 0  # frames since the last detector run
    fast_left: int = 0  # frames still to detect after the last fast one
    fast_frames: int = 0
    fast_ranges: list[list[int]] = field(default_factory=list)  # [first, last] frame index
    static_frames: int = 0  # frames scheduled at static_every
    moved: bool = True  # a frame since the last detector run was not static: the normal stride applies

    def is_static(self, first_of_scene: bool, step: Step) -> bool:
        """A still camera (measured, not merely unknown) over a picture that hardly changes."""
        return (self.static_every > self.every and not first_of_scene and step.known
                and step.speed <= self.still and step.change <= self.calm)

    def decide(self, index: int, first_of_scene: bool, step: Step) -> tuple[bool, bool]:
        """(detect this frame, detect the previous frame too) for frame ``index``."""
        fast = self.fast > 0 and step.known and step.speed > self.fast
        if fast:
            self.fast_left = max(self.every, 2)
        elif self.fast_left > 0:
            self.fast_left -= 1
            fast = True
        if fast:
            self.fast_frames += 1
            if self.fast_ranges and self.fast_ranges[-1][1] == index - 1:
                self.fast_ranges[-1][1] = index
            else:
                self.fast_ranges.append([index, index])
        static = not fast and self.is_static(first_of_scene, step)
        # the first change after a static stretch: the stretch's last frame is detected too (an anchor the
        # tracker interpolates from), and the normal stride counts from there
        left = not static and not self.moved and self.since > 0
        if left:
            self.since = 0
        # the wide stride only while every frame since the last detection is static
        self.moved = self.moved or not static
        self.static_frames += not self.moved
        detect = first_of_scene or fast or self.since + 1 >= (self.every if self.moved else self.static_every)
        self.since = 0 if detect else self.since + 1
        self.moved = self.moved and not detect
        return detect, first_of_scene or fast or left


@dataclass
class SparseGate:
    """Whether the static stride may be used: only while the detector's recent runs agree.

    Why: in a still crowd shot CenterFace finds dim or small faces on some frames only, and
    every frame detected is a chance to find them; fewer runs masked fewer of those frames
    (bench/face_static.py, the Hamilton clip).  So the reader marks each frame under both rules
    (the normal stride and the static one) and the main thread takes the static rule's choice
    only while the last ``window`` runs each found the same number of faces, at most
    ``max_faces``: a steady talking head, not a crowd.  Deterministic like the size plan
    (faces.sizing): the choice for a run uses the results of runs up to ``lag`` runs back,
    waited for, whatever the thread timing.
    """

    window: int = 8
    max_faces: int = 2
    lag: int = 4
    sparse_frames: int = 0  # frames scheduled by the static rule while the gate was open
    runs: deque = field(default_factory=deque)  # per job not yet settled, oldest first: face counts of its frames
    recent: deque = field(default_factory=lambda: deque(maxlen=64))

    def record(self, counts: Callable[[], list[int]]) -> None:
        """A detector job just submitted: ``counts()`` gives the faces found on each of its frames."""
        self.runs.append(counts)

    def open(self) -> bool:
        while len(self.runs) >= self.lag:  # every job at least lag jobs back
            counts = self.runs.popleft()  # results are not kept longer than needed
            self.recent.extend(counts())
        last = list(self.recent)[-self.window:]
        return len(last) == self.window and len(set(last)) == 1 and last[0] <= self.max_faces

    def pick(self, item: tuple) -> tuple:
        """(frame, rgb, scene, detect, step) from the reader's (frame, rgb, scene, static rule, step,
        normal rule, static stride in force)."""
        frame, rgb, scene, by_static, step, by_normal, sparse = item
        if sparse or by_static != by_normal:
            if self.open():
                self.sparse_frames += sparse
                return frame, rgb, scene, by_static, step
        return frame, rgb, scene, by_normal, step
