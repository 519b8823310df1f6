"""The second detector's check on each masked picture, before the encoder takes it.

Why here and not on the written file: the check used to decode the written
video and scan it (:func:`mediaanon.faces.residuals.check_and_repair`).  A
residual face then meant a second encoding of the *whole* video plus a
rescan; on the 229-s talking head, where BlazeFace flags a blurred figure
beside the speaker in 43 % of frames, that second pass was ~40 % of the run.
Scanning the masked pictures on their way to x264 sees the same pixels (less
only the encoder's rounding, which never uncovers a masked region), and a
residual face is masked in frames that are not written yet, so the video is
encoded once.  ``verify_on: file`` keeps the old check of the written file.

What the check guarantees is unchanged: every frame (every ``every``-th with
sampling) is judged clean in its final state or reported, a hit on our own
masks is discounted (:func:`mediaanon.faces.residuals.judge`), a residual face
is masked on its frame and ``pad`` frames either side (those already written
excepted: the face's own frame is always repaired), the repaired frames are
scanned again, at most ``passes`` repairs are triggered by any one frame, and
what a frame's last scan still finds is reported as unresolved.  A frame
already judged clean that only a neighbour's pad reaches is not scanned again:
its final state is the clean picture with more masks on it, and masks only
ever hide pixels (on the 229-s talking head: 3,083 -> 2,533 rescans).
"""
from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mediaanon.faces import residuals
from mediaanon.faces.fills import FillStyle, apply_planes, grow
from mediaanon.faces.verify import SCAN_LONG_SIDE, TILE_LONG_SIDE, VerifyReport, _scan_size

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    frame: Any  # DecodedFrame, its picture already masked
    boxes: list  # masks drawn (the blurrer's and the repairs'), frame pixels
    sampled: bool = True  # scanned at all (``every``)
    scan: Future | None = None  # a scan in flight, not judged yet
    scan_boxes: int = 0  # how many of ``boxes`` its pixels had
    size: tuple[int, int] = (1, 1)  # the scan's (W, H)
    scans: int = 0  # scans judged
    repairs: int = 0  # repairs this frame's own hits triggered
    dirty: int = 0  # drawn on since the scan in flight was taken: the pass that did it (0: clean)
    clean: bool = False  # a judged scan found no face off our masks: more masks cannot uncover one

    @property
    def settled(self) -> bool:
        """Judged in its final state (or never scanned)."""
        return not self.sampled or (self.scan is None and not self.dirty)


@dataclass
class ScreenResult:
    """What the stage logs (the same keys as the check of the written file)."""

    first: VerifyReport  # the first scan of every sampled frame, as a file scan reports it
    on_masks: int = 0
    repairs: dict[int, dict[str, Any]] = field(default_factory=dict)  # pass -> {frames, hits, rescanned}
    repaired: dict[int, list] = field(default_factory=dict)  # frame index -> repair boxes drawn
    unresolved: residuals.Judged = field(default_factory=residuals.Judged)

    def summary(self) -> dict[str, Any]:
        out = {**self.first.summary(), "checked": "frames before encoding", "hits_on_masks": self.on_masks,
               "repairs": [], "repair_passes": max(self.repairs, default=0)}
        for n in sorted(self.repairs):
            r = self.repairs[n]
            out["repairs"].append({"pass": n, "frames": len(r["hits"].residual), "ranges": residuals.ranges(r["hits"]),
                                   "rescanned_frames": r["rescanned"]})
        out["repaired_frames"] = len(self.repaired)  # the hits' frames and the pad around them
        out["unresolved_faces"] = self.unresolved.detections
        out["unresolved_ranges"] = residuals.ranges(self.unresolved)
        return out


class OutputScreen:
    """Feed it masked frames in order (``push``); it hands back the frames that may be encoded.

    Scans run on the verifier's interpreters in a small pool, a bounded
    number of frames ahead; a frame is released once it and every frame
    within ``pad`` after it are judged in their current state, so a repair
    they trigger still reaches it.
    """

    def __init__(self, verifier: Any, style: FillStyle, *, mask_scale: float, pad: int, passes: int, every: int = 1):
        self.verifier, self.style = verifier, style
        self.mask_scale, self.pad, self.passes, self.every = mask_scale, pad, passes, max(1, every)
        self.cap = TILE_LONG_SIDE if getattr(verifier, "tiles", 1) > 1 else SCAN_LONG_SIDE
        self.window: deque[_Entry] = deque()
        self.planned: dict[int, list] = {}  # frame index (not pushed yet) -> repair boxes to draw on arrival
        self.result = ScreenResult(VerifyReport(verifier.name, self.every, getattr(verifier, "tiles", 1),
                                                 keep_hits=False))  # judged as they come, not kept
        self.width = self.height = 0
        self.tb = 0.0
        self.values: Any = None
        self._cpu: list[float] = []  # scan CPU seconds, appended by the pool's threads
        self._pool: ThreadPoolExecutor | None = None
        self._t0 = time.perf_counter()
        self._upto = -1  # every scan of the frames up to here is judged

    def open(self, size: tuple[int, int], time_base: float, values: Any) -> None:
        """The video's upright (W, H), seconds per pts tick and the fill's YUV values (known once it is open)."""
        self.width, self.height = size
        self.tb, self.values = time_base, values
        self._t0 = time.perf_counter()

    @property
    def cpu_seconds(self) -> float:
        return float(sum(self._cpu))

    # ------------------------------------------------------------------ feed
    def push(self, frame: Any, boxes: list) -> list[tuple[Any, list]]:
        """Take one masked frame; return (frame, boxes) pairs ready for the encoder, in order.

        A frame that an earlier frame's repair reaches is scanned first as the blurrer masked it:
        if the face is still found there, that hit repairs (and pads) too, as on the written file.
        """
        e = _Entry(frame, list(boxes), sampled=frame.index % self.every == 0)
        if e.sampled:
            self._submit(e)
        for boxes_, n in self.planned.pop(frame.index, ()):
            self._draw(e, boxes_, n)
        self.window.append(e)
        self._advance(frame.index - 2 * max(1, self.verifier.workers), final=False)
        return self._release(final=False)

    def finish(self) -> list[tuple[Any, list]]:
        """The frames still held, once every scan is judged; then the pool stops."""
        try:
            if self.window:
                self._advance(self.window[-1].frame.index, final=True)
            out = self._release(final=True)
        finally:
            self.close()
        self.result.first.seconds = time.perf_counter() - self._t0
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # --------------------------------------------------------------- internal
    def _submit(self, e: _Entry) -> None:
        if self._pool is None:
            self.verifier._ready()  # a start-up failure is raised here, before any frame is written
            self._pool = ThreadPoolExecutor(max(1, self.verifier.workers), thread_name_prefix="verify-screen")
        pic = e.frame.picture
        e.size = _scan_size(pic.width, pic.height, self.cap)
        e.scan = self._pool.submit(self._detect, pic.to_rgb(e.size))  # to_rgb copies: later drawing is not seen
        e.scan_boxes, e.dirty = len(e.boxes), 0

    def _detect(self, rgb: Any) -> list:
        c0 = time.thread_time()
        try:
            return self.verifier.detect(rgb)
        finally:
            self._cpu.append(time.thread_time() - c0)

    def _draw(self, e: _Entry, boxes: list, repair: int) -> None:
        pic = e.frame.picture
        apply_planes(pic.planes, (0, pic.chroma_shift, pic.chroma_shift), boxes, self.style, self.values)
        e.boxes.extend(boxes)
        e.dirty = max(e.dirty, repair) if e.sampled and not e.clean else 0
        self.result.repaired.setdefault(e.frame.index, []).extend(boxes)

    def _advance(self, upto: int, final: bool) -> None:
        """Judge every scan of the frames up to ``upto``, in frame order, and the rescans they need.

        A frame a repair drew on (unless a judged scan of it was already clean) is scanned again
        once every frame within ``pad`` after it is judged (at the end: at once), so a run of hits
        costs one rescan per frame, not one per hit.
        Only the frame count decides when a scan is judged, never thread timing, so the masks
        drawn and every count are the same on every run.
        """
        while True:
            for e in self.window:
                if e.frame.index > upto:
                    break
                if e.scan is not None:
                    faces, e.scan = e.scan.result(), None
                    self._judge(e, faces)
            self._upto = max(self._upto, upto)
            again = [e for e in self.window if e.scan is None and e.dirty and (final or e.frame.index + self.pad <= upto)]
            if not again:
                return
            for e in again:
                self.result.repairs[e.dirty]["rescanned"] += 1
                self._submit(e)

    def _release(self, final: bool) -> list[tuple[Any, list]]:
        """Frames no repair can reach any more, each judged in its final state."""
        out: list[tuple[Any, list]] = []
        while self.window:
            horizon = self.window[0].frame.index + self.pad
            if not final and horizon > self._upto:
                break
            if not all(e.settled for e in self.window if e.frame.index <= horizon):
                break
            out.append((self.window[0].frame, self.window[0].boxes))
            self.window.popleft()
        return out

    def _judge(self, e: _Entry, faces: list) -> None:
        i, t = e.frame.index, e.frame.pts * self.tb
        rel = [(a / e.size[0], b / e.size[1], c / e.size[0], d / e.size[1], s) for a, b, c, d, s in faces]
        e.scans += 1
        if e.scans == 1:
            self.result.first.add(i, t, rel)  # the raw hits, counted as a scan of the written file counts them
        judged = residuals.judge([(i, t, rel)] if rel else [], {i: e.boxes[:e.scan_boxes]}, self.width,
                                 self.height, self.style.ellipse)
        if e.scans == 1:
            self.result.on_masks += judged.on_masks
        self.result.unresolved.residual.pop(i, None)
        if not judged.residual:
            e.clean, e.dirty = True, 0  # a pad repair drawn since adds masks only: no rescan needed
            return
        if e.repairs >= self.passes:
            if not e.dirty:  # else the rescan decides
                self.result.unresolved.residual[i] = judged.residual[i]
                self.result.unresolved.times[i] = t
            return
        e.repairs += 1
        rec = self.result.repairs.setdefault(e.repairs, {"hits": residuals.Judged(), "rescanned": 0})
        rec["hits"].residual[i], rec["hits"].times[i] = judged.residual[i], t
        grown = [grow(b, self.mask_scale) for b in judged.residual[i]]
        log.debug("frame %d: residual face masked (repair %d)", i, e.repairs)
        for other in self.window:
            if abs(other.frame.index - i) <= self.pad:
                self._draw(other, grown, e.repairs)
        for j in range(self.window[-1].frame.index + 1, i + self.pad + 1):
            self.planned.setdefault(j, []).append((grown, e.repairs))
