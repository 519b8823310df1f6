"""Check the written output with a second, independent face detector.

Why a second detector: CenterFace decided what to mask, so CenterFace cannot
also judge whether the masking worked - its blind spots would be missed twice.
BlazeFace (MediaPipe) is a different architecture trained on different data;
a face it still finds in the *written* file is reported with its time range,
and under ``strict`` the recording fails (:class:`PrivacyCheckError`).

The model files are the ones shipped in ``mediapipe`` 0.10.21 (sha256-checked
through :func:`mediaanon.models.resolve`; a copy ships inside mediaanon, see
``models/blazeface-*/NOTICE``).  They run on ``ai-edge-litert``'s TFLite
interpreter (:mod:`mediaanon.faces.blazeface` reproduces MediaPipe's graph
around the network), so MediaPipe and its dependency tree are not needed.  The
full-range model (default) finds faces down to about 1/15 of the picture
width; ``tiles`` > 1 also scans a tiles x tiles grid of overlapping crops so
that smaller faces in wide shots are checked too, at tiles^2 + 1 times the cost.

Sampling: ``every`` = 1 scans every frame (the default: a single missed frame
is exactly the failure we look for); larger values scan every n-th frame and
the summary says so.
"""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import queue
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediaanon import models
from mediaanon.errors import ModelError
from mediaanon.faces import blazeface
from mediaanon.faces.detector import usable_cores
from mediaanon.faces.video import VideoReader

log = logging.getLogger(__name__)

LITERT_REQUIREMENT = "ai-edge-litert==2.3.0"
SCAN_LONG_SIDE = 640  # whole-frame pass: BlazeFace resizes to 128/192 px internally anyway
TILE_LONG_SIDE = 1280  # the frame the tiles are cut from
_STDERR_LOCK = threading.Lock()  # quiet_stderr swaps a process-wide descriptor


@dataclass
class Residual:
    start: float  # seconds
    end: float
    frames: int
    max_score: float


@dataclass
class VerifyReport:
    model: str
    every: int
    tiles: int
    frames_scanned: int = 0
    frames_with_faces: int = 0
    detections: int = 0
    ranges: list[Residual] = field(default_factory=list)
    seconds: float = 0.0
    hits: list = field(default_factory=list)  # (frame index, seconds, [(x1, y1, x2, y2, score) in 0..1]): judged by faces.residuals
    last_hit: int = -10  # frame index of the latest hit (a hit ``every`` frames later extends its range)
    keep_hits: bool = True  # False: counts and ranges only (a screen judges its hits as they come)

    def add(self, index: int, t: float, rel: list) -> None:
        """One scanned frame and its faces (relative boxes); consecutive hits form one range."""
        self.frames_scanned += 1
        if not rel:
            return
        if self.keep_hits:
            self.hits.append((index, t, rel))
        self.frames_with_faces += 1
        self.detections += len(rel)
        score = max(x[4] for x in rel)
        if self.ranges and self.last_hit == index - self.every:
            r = self.ranges[-1]
            r.end, r.frames, r.max_score = t, r.frames + 1, max(r.max_score, score)
        else:
            self.ranges.append(Residual(t, t, 1, score))
        self.last_hit = index

    @property
    def clean(self) -> bool:
        return self.detections == 0

    def summary(self, max_ranges: int = 50) -> dict[str, Any]:
        return {
            "model": self.model, "every": self.every, "tiles": self.tiles,
            "frames_scanned": self.frames_scanned, "residual_frames": self.frames_with_faces,
            "residual_faces": self.detections,
            "residual_ranges": [[round(r.start, 3), round(r.end, 3), r.frames, round(r.max_score, 3)]
                                for r in self.ranges[:max_ranges]],
            "residual_ranges_total": len(self.ranges), "seconds": round(self.seconds, 3),
        }


class FaceVerifier:
    """BlazeFace over output frames, on ``workers`` interpreters side by side.

    Start-up (importing the TFLite runtime and building the interpreters)
    runs on a background thread from the constructor and overlaps the
    masking; the first scan waits for it.  Whether the runtime and the model
    are there is checked at once, so a missing install still fails before any
    work is done.  An interpreter is not safe for concurrent calls, so each
    worker owns one; its inference releases the GIL, so two interpreters halve
    the scan time on two idle cores.
    """

    def __init__(self, model: str = "full", threshold: float = 0.5, models_dir: Path | None = None,
                 tiles: int = 1, workers: int = 0):
        if model not in ("full", "short"):
            raise ModelError(f"verify model must be full or short, got {model!r}")
        self.name = f"blazeface-{model}"
        self.resolved = models.resolve(self.name, models_dir)
        if importlib.util.find_spec("ai_edge_litert") is None:
            raise ModelError(f"ai-edge-litert is needed for output verification; "
                             f"pip install '{LITERT_REQUIREMENT}' or set verify: false")
        self.tiles = max(1, tiles)
        self.workers = workers if workers > 0 else max(1, min(4, usable_cores()))
        self._options = blazeface.FULL_RANGE if model == "full" else blazeface.SHORT_RANGE
        self._threshold = threshold
        self._graphs: queue.Queue = queue.Queue()
        self._all: list[Any] = []
        self._error: BaseException | None = None
        self._started = threading.Thread(target=self._start, name="verify-start", daemon=True)
        self._started.start()

    def _start(self) -> None:
        try:
            import ai_edge_litert.interpreter  # noqa: F401 - the slow import, outside the silenced part

            # TFLite prints start-up notes (XNNPACK delegate) straight to fd 2.  Silencing it is
            # process-wide, so it covers only interpreter construction and a warm-up call.
            with _STDERR_LOCK, quiet_stderr():
                for _ in range(self.workers):
                    fd = blazeface.BlazeFace(self.resolved.file(), self._options, self._threshold)
                    fd.detect(np.zeros((64, 64, 3), np.uint8))
                    self._all.append(fd)
                    self._graphs.put(fd)
        except BaseException as exc:  # noqa: BLE001 - raised to the caller of the first scan
            self._error = exc

    def _ready(self) -> None:
        self._started.join()
        if self._error is not None:
            exc, self._error = self._error, None
            if isinstance(exc, ImportError):
                raise ModelError(f"ai-edge-litert could not be loaded for output verification ({exc}); "
                                 f"pip install '{LITERT_REQUIREMENT}' or set verify: false") from None
            raise ModelError(f"{self.name} failed to start: {type(exc).__name__}: {str(exc)[:200]}") from None

    def close(self) -> None:
        self._started.join()
        self._all.clear()

    def detect(self, rgb: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """Faces in one RGB image: (x1, y1, x2, y2, score) in its pixels (thread-safe)."""
        self._ready()
        fd = self._graphs.get()
        try:
            return self._detect(fd, rgb)
        finally:
            self._graphs.put(fd)

    def _detect(self, fd: Any, rgb: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        h, w = rgb.shape[:2]
        views = [(_fit(rgb, SCAN_LONG_SIDE), 0.0, 0.0, float(w), float(h))]
        if self.tiles > 1:
            n = self.tiles
            big = _fit(rgb, TILE_LONG_SIDE)
            bh, bw = big.shape[:2]
            sx, sy = w / bw, h / bh
            tw, th = min(bw, int(bw / n * 1.25)), min(bh, int(bh / n * 1.25))  # 25 % overlap
            for i in range(n):
                for j in range(n):
                    x0, y0 = round(i * (bw - tw) / (n - 1)), round(j * (bh - th) / (n - 1))
                    tile = np.ascontiguousarray(big[y0:y0 + th, x0:x0 + tw])
                    views.append((tile, x0 * sx, y0 * sy, tw * sx, th * sy))
        out = []
        for img, ox, oy, vw, vh in views:
            for rx1, ry1, rx2, ry2, score in fd.detect(np.ascontiguousarray(img)):
                out.append((ox + rx1 * vw, oy + ry1 * vh, ox + rx2 * vw, oy + ry2 * vh, score))
        return _dedupe(out)

    def scan_image(self, rgb: np.ndarray) -> VerifyReport:
        t0 = time.perf_counter()
        rep = VerifyReport(self.name, 1, self.tiles)
        faces = self.detect(rgb)
        rep.frames_scanned = 1
        if faces:
            h, w = rgb.shape[:2]
            rep.hits.append((0, 0.0, [(a / w, b / h, c / w, d / h, s) for a, b, c, d, s in faces]))
            rep.frames_with_faces = 1
            rep.detections = len(faces)
            rep.ranges.append(Residual(0.0, 0.0, 1, max(f[4] for f in faces)))
        rep.seconds = time.perf_counter() - t0
        return rep

    def scan_video(self, path: Path, every: int = 1, only: set[int] | None = None) -> VerifyReport:
        """Scan every ``every``-th frame of ``path`` (of those in ``only``, if given); consecutive hits form one range.

        The calling thread decodes; the workers detect, a bounded number of
        frames ahead, and results are taken in frame order.
        """
        t0 = time.perf_counter()
        every = max(1, every)
        self._ready()
        rep = VerifyReport(self.name, every, self.tiles)
        inflight: deque = deque()
        cap = TILE_LONG_SIDE if self.tiles > 1 else SCAN_LONG_SIDE  # tiles are cut from the bigger frame

        def take(index: int, pts: int, faces: list, size: tuple[int, int] = (1, 1)) -> None:
            rep.add(index, pts * tb, [(a / size[0], b / size[1], c / size[0], d / size[1], s)
                                      for a, b, c, d, s in faces])

        with VideoReader(path) as reader, ThreadPoolExecutor(self.workers, thread_name_prefix="verify") as pool:
            tb = float(reader.info.time_base)
            for f in reader:
                if f.index % every or (only is not None and f.index not in only):
                    continue
                size = _scan_size(f.picture.width, f.picture.height, cap)
                rgb = f.picture.to_rgb(size)
                inflight.append((f.index, f.pts, pool.submit(self.detect, rgb), size))
                while len(inflight) > 2 * self.workers:
                    i, pts, job, sz = inflight.popleft()
                    take(i, pts, job.result(), sz)
            while inflight:
                i, pts, job, sz = inflight.popleft()
                take(i, pts, job.result(), sz)
        rep.seconds = time.perf_counter() - t0
        for r in rep.ranges[:20]:
            log.info("residual face found by %s at %.3f-%.3f s (%d frames, score %.2f)",
                        self.name, r.start, r.end, r.frames, r.max_score)
        return rep


@contextlib.contextmanager
def quiet_stderr():
    """Silence file descriptor 2 while the interpreters start (TFLite prints banners there).

    It is process-wide, so it wraps model start-up only, never processing.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        sys.stderr.flush()
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _fit(rgb: np.ndarray, long_side: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    s = long_side / max(w, h)
    if s >= 1:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _scan_size(w: int, h: int, long_side: int) -> tuple[int, int]:
    """(W, H), even, no larger than the frame, long side at most ``long_side``."""
    s = min(1.0, long_side / max(w, h))
    sw, sh = max(2, int(w * s)), max(2, int(h * s))
    return sw - sw % 2, sh - sh % 2


def _dedupe(faces: list[tuple[float, ...]]) -> list[tuple[float, float, float, float, float]]:
    """One entry per face when the whole-frame pass and tiles found it (or parts of it).

    A face cut by a tile edge gives a partial box inside the full one, so
    boxes are merged when the smaller one lies mostly inside the larger.
    """
    kept: list[tuple[float, float, float, float, float]] = []
    for f in sorted(faces, key=lambda f: -(f[2] - f[0]) * (f[3] - f[1])):
        area = max(1e-6, (f[2] - f[0]) * (f[3] - f[1]))
        inside = any(max(0.0, min(f[2], k[2]) - max(f[0], k[0])) * max(0.0, min(f[3], k[3]) - max(f[1], k[1]))
                     > 0.5 * area for k in kept)
        if not inside:
            kept.append((float(f[0]), float(f[1]), float(f[2]), float(f[3]), float(f[4])))
    return kept
