"""Which detector input size each detector run gets: coarse (fast) or full (small faces).

Why: CenterFace's cost grows with its input's pixel count, and at 1280x736 it
is most of the CPU time of a 720p interview (~4x the cost at 640x384), yet a
talking head's face is 150-400 px tall and found just as well at 640 px.
Small faces are what the full size is for (CenterFace finds faces down to
~10-12 px at its input, so at 640x384 a 720p face under ~24 px is lost).

The rule (:class:`SizePlan`), all of it "when in doubt, full size":

- the first run of the video and of every scene is at full size;
- every ``full_every``-th run is at full size (a face too small for the
  coarse input is found there, and the tracker's lead masks it back to the
  previous full run: the blurrer sets ``lead >= full_every * detect_every``);
- after a run that saw a small face (short side under ``small_face`` px at
  the coarse input), or a full run that found a face the neighbouring coarse
  run did not find, the next ``hold`` runs are all at full size.

A second tier, for faces CenterFace misses at any size: after a run that saw a
face under ``turn_face`` px at the full input, the next ``turn_hold`` runs are
at full size *and* get the turned passes of :mod:`~mediaanon.faces.tilt`
(small faces turned 35-60 degrees: the full size alone left 7 % of
``bench/face_small.py``'s face-frames unmasked).  They cost ~5x an upright
run, so the trigger is the faces actually seen: a talking head (faces of
150-400 px) never turns it on.  It works with or without a coarse size.  The
stage has it on by default (``blur_faces.turn_face``: 40).

Deterministic: run ``n``'s size depends only on the results of runs up to
``n - lag``, and waits for them if they are not in yet, so the output never
depends on thread timing.  The blurrer uses one lag (``PLAN_LAG``, the most
detector lanes a CPU gets) whatever the lanes of this machine: a lag equal to
the lanes made a 2-core and a 1-core run of one video mask different frames.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from mediaanon.faces.tilt import TURNS

Size = tuple[int, int]
PLAN_LAG = 4  # = the most lanes detector.cpu_plan gives: the same decisions on every CPU


class Look(NamedTuple):
    """One detector run's input: its (W, H), and the turned passes it also gets (faces.tilt)."""

    w: int
    h: int
    turns: tuple[float, ...] = ()


@dataclass
class SizePlan:
    full: Size  # detector input (W, H) that finds the smallest faces
    coarse: Size | None  # cheaper input for large faces; None: always full
    frame: Size  # frame (W, H), to put every run's boxes in the same pixels
    full_every: int = 6  # runs: a periodic full-size run at least this often
    small_face: float = 24.0  # px at the coarse input: a face smaller than this keeps the full size
    hold: int = 30  # runs at full size after a trigger
    coarse_grow: float = 1.1  # coarse boxes are ~3-5 % smaller than full-size ones (up to 20 %): scaled up by this
    lag: int = 1  # results of run n - lag are needed to size run n
    turn_face: float = 0.0  # px at the full input: a face smaller than this turns the turned passes on; 0: never
    turn_hold: int = 30  # runs at full size with the turned passes after such a face
    turns: tuple[float, ...] = TURNS
    runs: deque = field(default_factory=deque)  # (full, result getter) of each run not yet settled, oldest first
    full_left: int = 0  # runs still to do at full size (a trigger)
    since_full: int = 0
    full_runs: int = 0
    triggers: int = 0
    turn_left: int = 0  # runs still to do with the turned passes
    turned_runs: int = 0
    turn_triggers: int = 0
    _prev: tuple[bool, np.ndarray] | None = None  # the last settled run: (full, boxes in frame px)

    @classmethod
    def for_video(cls, s: Any, full: Size, frame: Size, lanes: int) -> "SizePlan":
        """The plan for a video from the blurrer's settings (:class:`~mediaanon.faces.settings.BlurSettings`)."""
        from mediaanon.faces.detector import input_size

        coarse = input_size(frame[0], frame[1], s.coarse_size, "video") if s.coarse_size else None
        if not coarse or coarse[0] * coarse[1] >= full[0] * full[1] or s.batch_size > 1:
            coarse = None  # nothing to save (or batches, which need one size: GPUs)
        return cls(full, coarse, frame, full_every=s.full_every, small_face=s.small_face, hold=s.full_hold,
                   lag=max(lanes, PLAN_LAG), turn_face=s.turn_face, turn_hold=s.turn_hold)

    @property
    def adaptive(self) -> bool:
        return self.coarse is not None and self.coarse != self.full

    @property
    def watching(self) -> bool:
        """Whether runs are sized from earlier runs' faces at all (else: always the full size, upright)."""
        return self.adaptive or self.turn_face > 0

    def choose(self, first_of_scene: bool) -> Look:
        """The input of the next run (call in run order, then ``record`` it)."""
        if not self.watching:
            return Look(*self.full)
        self._settle()
        turn = self.turn_left > 0
        self.turn_left = max(0, self.turn_left - 1)
        self.turned_runs += turn
        full = not self.adaptive or turn or first_of_scene or self.full_left > 0 or \
            self.since_full + 1 >= self.full_every
        self.full_left = max(0, self.full_left - 1)
        self.since_full = 0 if full else self.since_full + 1
        self.full_runs += full
        return Look(*self.full, self.turns if turn else ()) if full else Look(*self.coarse)  # type: ignore[misc]

    def boxes(self, dets: np.ndarray, size: Size) -> np.ndarray:
        """A run's boxes (frame px), those of a coarse run scaled about their centres by ``coarse_grow``.

        Why: at 640 px CenterFace draws the same face's box a little tighter (measured on three
        talking-head clips: width -3 %, height -4 % on average, up to -20 %); a mask that shrinks and
        grows with the input size would show the face's edge (and the second detector flags it).
        """
        if not self.adaptive or tuple(size[:2]) == self.full or not len(dets):
            return dets
        out = dets.copy()
        c = (out[:, 0:2] + out[:, 2:4]) / 2
        half = (out[:, 2:4] - out[:, 0:2]) / 2 * self.coarse_grow
        out[:, 0:2], out[:, 2:4] = c - half, c + half
        return out

    def record(self, size: Size, result: Callable[[], np.ndarray]) -> None:
        """The run just sized: ``result()`` gives its boxes (x1, y1, x2, y2, score in frame px)."""
        if self.watching:
            self.runs.append((tuple(size[:2]) == self.full, result))

    def _settle(self) -> None:
        """Take in every run at least ``lag`` runs back (waiting for its results if need be)."""
        while len(self.runs) >= self.lag:
            full, result = self.runs.popleft()  # results are not kept longer than needed
            boxes = np.asarray(result(), np.float32).reshape(-1, 5)
            if self.adaptive and self._triggered(full, boxes):
                self.full_left = self.hold
                self.triggers += 1
            if self._turn_triggered(boxes):
                self.turn_left = self.turn_hold
                self.turn_triggers += 1
            self._prev = (full, boxes)

    def _turn_triggered(self, boxes: np.ndarray) -> bool:
        """A face small enough (at the full input) that turned ones of its size would be missed."""
        if self.turn_face <= 0 or not len(boxes):
            return False
        sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        return float(sides.min()) * self.full[0] / self.frame[0] < self.turn_face

    def _triggered(self, full: bool, boxes: np.ndarray) -> bool:
        sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        if len(boxes) and float(sides.min()) * self.coarse[0] / self.frame[0] < self.small_face:  # type: ignore[index]
            return True
        if self._prev is None or self._prev[0] == full:
            return False
        fine, rough = (boxes, self._prev[1]) if full else (self._prev[1], boxes)
        return any(not _matched(b, rough) for b in fine)


def _matched(box: np.ndarray, others: np.ndarray) -> bool:
    """Whether a face found at full size was found by the coarse run too (same place, two frames apart)."""
    if not len(others):
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = max(box[2] - box[0], box[3] - box[1])
    ox, oy = (others[:, 0] + others[:, 2]) / 2, (others[:, 1] + others[:, 3]) / 2
    return bool(np.any(np.hypot(ox - cx, oy - cy) < 0.5 * side))


def resized(rgb: np.ndarray, size: Size | Look) -> np.ndarray:
    """The detector input at ``size`` (W, H): as it is, or scaled down from the full-size input."""
    if (rgb.shape[1], rgb.shape[0]) == tuple(size[:2]):
        return rgb
    import cv2

    return cv2.resize(rgb, (size[0], size[1]), interpolation=cv2.INTER_AREA)
