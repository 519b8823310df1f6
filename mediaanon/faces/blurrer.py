"""The face-masking loop: decode -> detect + track -> fill + encode, overlapped.

Three threads share the work so the cores are never idle waiting on each
other: a reader decodes and prepares the small RGB detector input, the
calling thread runs CenterFace (onnxruntime releases the GIL) and the
tracker, and a writer draws the masks and feeds x264 (which releases the GIL
too).  Queues between them are bounded, and the tracker's lookahead holds
``max(max_gap, lead)`` frames, so memory stays flat whatever the length of
the recording.  Batches of frames go to the detector when more than one is
ready and the batch size allows it (it pays on a GPU, not on a CPU).

``detect_every`` n > 1 runs the detector on every n-th frame only (inference
is most of the CPU time) and lets the tracker interpolate the frames between
two detector runs.  The reader decides which frames are detected, because it
sees the scene cuts first and one frame ahead: the first and last frames of
the video and of every scene are always detected, so a face is interpolated
between detections on both sides, never held stale past a cut or the end.
In a static shot (camera still, the picture hardly changing) the stride
widens to ``static_every`` while the detector's recent runs agree, and
returns to ``detect_every`` at the first frame that changes.  Through a whip pan (the camera's motion, measured by the reader on a
thumbnail, faster than ``fast_motion`` x the frame's long side per frame,
and at least ``FAST_MIN_PX``)
every frame is detected, and such stretches are logged; the same motion
guides the tracker (see :mod:`~mediaanon.faces.motion`).  With a
``coarse_size``, most detector runs use a cheaper input while all faces are
large, and small faces get turned passes too (:mod:`~mediaanon.faces.sizing`);
``FaceReport.cpu`` has each phase's CPU seconds.
"""
from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mediaanon.errors import MediaanonError, StageError
from mediaanon.faces.detector import CenterFace, input_size, nms, to_frame
from mediaanon.faces.fills import apply_planes, apply_rgb, grow, rgb_to_yuv
from mediaanon.faces.motion import STILL, CameraMotion, DetectSchedule, SparseGate
from mediaanon.faces.settings import BlurSettings, FaceReport
from mediaanon.faces import tilt
from mediaanon.faces.sizing import PLAN_LAG, Look, SizePlan, resized
from mediaanon.faces.tracker import HELD, INTERPOLATED, LEAD, FaceTracker, SceneCuts
from mediaanon.faces.video import DecodedFrame, VideoReader, VideoWriter

log = logging.getLogger(__name__)
__all__ = ["BlurSettings", "FaceBlurrer", "FaceReport"]

_END = object()
FAST_MIN_PX = 8.0  # camera motion (px/frame) that never counts as fast, whatever the frame size


class FaceBlurrer:
    def __init__(self, detector: CenterFace, settings: BlurSettings):
        self.detector = detector
        self.settings = settings

    # ----------------------------------------------------------------- video
    def process_video(self, src: Path, dst: Path, progress: Callable[[int, int | None], None] | None = None,
                      rotation_hint: int = 0, screen: Any = None) -> tuple[FaceReport, list[int], Any]:
        """Write the masked video-only H.264 file; return (report, input pts list, stream info).

        ``rotation_hint``: counter-clockwise display rotation from the probe, used only
        where PyAV cannot report it per frame.  ``screen``: a :class:`~mediaanon.faces.screen.OutputScreen`
        that checks (and repairs) each masked picture before it is encoded.
        """
        s = self.settings
        t0, cpu0 = time.perf_counter(), time.process_time()
        reader = VideoReader(src, rotation_hint=rotation_hint)
        info = reader.info
        det_size = input_size(info.width, info.height, s.detector_size, "video")
        every = max(1, s.detect_every)
        sparse = max(every, s.static_every)  # the widest stride: in static stretches (faces.motion)
        lanes = max(1, self.detector.runtime.lanes)
        plan = SizePlan.for_video(s, det_size, (info.width, info.height), lanes)  # coarse / full / turned runs
        report = FaceReport(detector_size=det_size, provider=self.detector.runtime.provider, detect_every=every,
                            static_every=sparse, coarse_size=plan.coarse if plan.adaptive else None)
        cpu = report.cpu
        # a face must stay linked, and a face entering the picture masked, across the frames not detected
        # (and, with coarse runs, back to the last full-size run that could have seen it small), at the widest stride
        lead = max(s.lead, sparse - 1, s.full_every * sparse if plan.adaptive else 0)
        tracker = FaceTracker(max(s.max_gap, sparse - 1), lead, s.growth)
        cuts = SceneCuts(s.scene_threshold)
        motion = CameraMotion(info.width, info.height)
        # relative to the frame (face sizes scale with it), but never under 8 px/frame on small frames
        fast = max(FAST_MIN_PX, s.fast_motion * max(info.width, info.height)) if s.fast_motion > 0 else 0.0
        schedule = DetectSchedule(every, fast, sparse, STILL * max(info.width, info.height))
        normal = DetectSchedule(every, fast)  # the stride outside static stretches, for the gate to fall back on
        gate = SparseGate(lag=max(lanes, PLAN_LAG))
        stop = threading.Event()
        q_in: queue.Queue = queue.Queue(maxsize=(lanes + 1) * max(1, s.batch_size) * sparse + 2)
        q_out: queue.Queue = queue.Queue(maxsize=4)
        errors: list[BaseException] = []
        values = rgb_to_yuv(s.style.color, info.full_range)
        pts_list: list[int] = []
        tb = float(info.time_base)
        if screen is not None:
            screen.open((info.width, info.height), tb, values)

        def prepared(f: DecodedFrame, scene: int, detect: bool, step: Any, by_normal: bool, sparse: bool) -> tuple:
            rgb = f.picture.to_rgb(det_size) if detect or by_normal else None
            return f, rgb, scene, detect, step, by_normal, sparse

        def read() -> None:
            """Decode, find scene cuts and camera motion, and pick the frames to detect:
            (frame, rgb, scene, detect, camera step or None)."""
            c0 = time.thread_time()
            try:
                held = None  # the previous frame: whether it ends its scene (or starts a pan) is known only now
                prev_scene = -1
                for f in reader:
                    if stop.is_set():
                        return
                    # scene cuts need only a thumbnail; the detector input is made for detected frames only
                    scene = cuts.update(f.picture.to_rgb(SceneCuts.THUMB))
                    cut = prev_scene >= 0 and scene != prev_scene
                    step = motion.update(f.picture.planes[0], cut)
                    n0 = schedule.static_frames
                    detect, before = schedule.decide(f.index, prev_scene < 0 or cut, step)
                    by_normal, b_normal = normal.decide(f.index, prev_scene < 0 or cut, step) if sparse > every \
                        else (detect, before)
                    if held is not None:  # a scene's last frame, and the frame before a whip pan, are detected
                        _put(q_in, prepared(held[0], held[1], held[2] or before, held[3], held[4] or b_normal,
                                            held[5]), stop)
                    held = (f, scene, detect, step.matrix() if step.known else None, by_normal,
                            schedule.static_frames > n0)
                    prev_scene = scene
                if held is not None:  # the video's last frame too
                    _put(q_in, prepared(held[0], held[1], True, held[3], True, held[5]), stop)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)
            finally:
                cpu["decode"] = time.thread_time() - c0  # decoding, scene cuts, motion, detector input
                _put(q_in, _END, stop)

        try:
            writer = VideoWriter(dst, info, crf=s.crf, preset=s.preset, threads=s.encoder_threads,
                                 x264_params=s.x264_params)
        except Exception as exc:
            reader.close()
            raise StageError(f"cannot start the H.264 encoder: {type(exc).__name__}: {str(exc)[:200]}") from exc

        def write() -> None:
            c0, masking = time.thread_time(), 0.0
            try:
                while True:
                    item = _get(q_out, stop)
                    if item is _END or item is None:
                        break
                    frame, boxes = item
                    pic = frame.picture
                    c1 = time.thread_time()
                    apply_planes(pic.planes, (0, pic.chroma_shift, pic.chroma_shift), boxes, s.style, values)
                    masking += time.thread_time() - c1
                    for out, _boxes in (screen.push(frame, boxes) if screen is not None else ((frame, boxes),)):
                        writer.write(out.pts, out.duration, out.picture)
                for out, _boxes in (screen.finish() if screen is not None else ()):
                    writer.write(out.pts, out.duration, out.picture)
                writer.close()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                stop.set()
            finally:
                if screen is not None:
                    screen.close()
                    cpu["verify"] = screen.cpu_seconds
            cpu["mask"], cpu["encode_feed"] = masking, time.thread_time() - c0 - masking

        threads = [threading.Thread(target=read, name="faces-read", daemon=True),
                   threading.Thread(target=write, name="faces-write", daemon=True)]
        for t in threads:
            t.start()
        pending: deque = deque()
        gap_open: list[float] | None = None
        last_gap_index = -2
        runs: list[int] = []  # frames the detector ran on, ascending (recent ones only)

        def missed(m: Any) -> bool:
            """Whether a held/interpolated mask spans a detector run that did not find its face."""
            hi = frame_index + 1 if m.source == HELD else m.next
            return bisect.bisect_left(runs, hi) > bisect.bisect_right(runs, m.prev)

        frame_index = 0

        def emit(frame: DecodedFrame, scene: int, n_dets: int) -> None:
            nonlocal gap_open, last_gap_index, frame_index
            frame_index = frame.index
            masks = tracker.masks(frame.index, scene)
            tracker.forget_before(frame.index + 1)
            report.frames += 1
            report.detections += n_dets
            report.frames_with_detections += n_dets > 0
            report.frames_masked += bool(masks)
            report.lead_frames += any(m.source == LEAD for m in masks)
            if any(m.source in (HELD, INTERPOLATED) and missed(m) for m in masks):
                report.gap_frames += 1
                t = frame.pts * tb
                if gap_open is not None and last_gap_index == frame.index - 1:
                    gap_open[1] = t
                else:
                    gap_open = [t, t]
                    report.gap_ranges.append(gap_open)
                last_gap_index = frame.index
            boxes = [grow(m.box, s.mask_scale) for m in masks]
            report.masks.add(frame.index, boxes)
            if not _put(q_out, (frame, boxes), stop):
                raise _Stopped
            if progress is not None and report.frames % 25 == 0:
                progress(report.frames, info.frames)

        pool = ThreadPoolExecutor(lanes, thread_name_prefix="faces-detect") if lanes > 1 else None
        inflight: deque = deque()  # (batch, future or results), oldest first

        def infer(batch: list, size: Look) -> tuple[list, float, float, Look]:
            todo = [resized(b[1], size) for b in batch if b[3]]
            if not todo:
                return [], 0.0, 0.0, size
            ti, ci = time.perf_counter(), time.thread_time()
            out = tilt.detect(self.detector, todo, s.threshold, size.turns)  # turned passes: faces.tilt
            return out, time.perf_counter() - ti, time.thread_time() - ci, size

        main_cpu, detect_cpu, sized_scene = time.thread_time(), 0.0, -1
        try:
            done = False
            while True:
                # keep `lanes` detector runs going; frames between detections ride along without
                # taking a lane (counting them would leave a lane idle); block only when nothing is queued
                while not done and len(inflight) < lanes * (sparse + 1) and \
                        sum(isinstance(j, Future) for _, j in inflight) < lanes:
                    batch, done = self._next_batch(q_in, stop, block=not inflight)
                    if errors:
                        raise errors[0]
                    if not batch:
                        break
                    batch = [gate.pick(b) for b in batch]  # the static stride, or the normal one (faces.motion)
                    detects = any(b[3] for b in batch)
                    size = plan.choose(any(b[3] and b[2] != sized_scene for b in batch)) if detects else Look(*det_size)
                    sized_scene = batch[-1][2] if detects else sized_scene
                    job = pool.submit(infer, batch, size) if pool is not None and detects else infer(batch, size)
                    if detects:
                        plan.record(size, lambda j=job, z=size: to_frame(_done(j)[0][0], z, (info.width, info.height)))
                        gate.record(lambda j=job: [len(r) for r in _done(j)[0]])
                    inflight.append((batch, job))
                if not inflight:
                    break
                batch, job = inflight.popleft()
                results, secs, csecs, used = _done(job)
                report.inference_seconds += secs
                detect_cpu += csecs
                found = iter(results)
                for frame, _small, scene, detect, step in batch:
                    n_dets = 0
                    tracker.note_motion(frame.index, step)
                    if detect:
                        dets = plan.boxes(to_frame(next(found), used, (info.width, info.height)), used)
                        tracker.update(frame.index, scene, dets)
                        runs.append(frame.index)
                        report.detector_runs += 1
                        n_dets = len(dets)
                    pending.append((frame, scene, n_dets))
                    pts_list.append(frame.pts)
                if len(runs) > 4096:  # masks look back at most max_gap + 1 frames
                    del runs[:bisect.bisect_left(runs, runs[-1] - 4 * (tracker.delay + 1))]
                newest = batch[-1][0].index
                while pending and pending[0][0].index + tracker.delay <= newest:
                    emit(*pending.popleft())
            while pending:
                emit(*pending.popleft())
            _put(q_out, _END, stop)
            threads[1].join()
            main_cpu = time.thread_time() - main_cpu  # tracking and scheduling (and detection without a pool)
            cpu["detect"], cpu["track"] = detect_cpu, main_cpu - (detect_cpu if pool is None else 0)
        except _Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - collected, re-raised below
            if not errors:
                errors.append(exc)
        finally:
            stop.set()
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            for t in threads:
                t.join(timeout=30)
            reader.close()
        if errors:
            err = errors[0]
            if isinstance(err, MediaanonError) or not isinstance(err, Exception):
                raise err
            raise StageError(f"face blurring failed: {type(err).__name__}: {str(err)[:200]}") from err
        if writer.frames != report.frames:
            raise StageError(f"wrote {writer.frames} frames, decoded {report.frames}")
        report.tracks = tracker.started
        report.scene_cuts = cuts.cuts
        report.fast_frames = schedule.fast_frames
        report.static_frames = gate.sparse_frames
        report.fast_ranges = [[pts_list[a] * tb, pts_list[b] * tb] for a, b in schedule.fast_ranges]
        report.seconds = time.perf_counter() - t0
        report.full_runs = plan.full_runs if plan.adaptive else report.detector_runs
        report.turned_runs, report.turn_triggers = plan.turned_runs, plan.turn_triggers
        cpu["encode_x264_and_other"] = max(0.0, time.process_time() - cpu0 - sum(cpu.values()))  # x264's threads
        cpu["total"] = time.process_time() - cpu0
        log.info("detector ran on %d of %d frames (detect_every %d; static_every %d on %d static frames), %d at %dx%d",
                 report.detector_runs, report.frames, every, sparse, report.static_frames, report.full_runs, *det_size)
        for a, b in report.fast_ranges[:20]:
            log.info("fast camera motion %.3f-%.3f s: detector ran on every frame", a, b)
        for a, b in report.gap_ranges[:20]:
            log.info("tracked face without detection %.3f-%.3f s: mask held/interpolated", a, b)
        if len(report.gap_ranges) > 20:
            log.info("... %d more such ranges", len(report.gap_ranges) - 20)
        return report, pts_list, info

    def _next_batch(self, q_in: queue.Queue, stop: threading.Event, block: bool) -> tuple[list, bool]:
        """Up to ``batch_size`` ready frames; (frames, end of input reached)."""
        batch: list = []
        size = max(1, self.settings.batch_size)
        while len(batch) < size:
            if block and not batch:
                item = _get(q_in, stop)
            else:
                try:
                    item = q_in.get(timeout=0.002) if not batch else q_in.get_nowait()
                except queue.Empty:
                    return batch, False
            if item is _END or item is None:
                return batch, True
            batch.append(item)
        return batch, False

    # ----------------------------------------------------------------- image
    def detect_image(self, rgb: np.ndarray) -> np.ndarray:
        """Boxes for a still image: the auto size plus a coarse pass for faces too big for it."""
        h, w = rgb.shape[:2]
        s = self.settings
        sizes = {input_size(w, h, s.detector_size, "image")}
        if s.detector_size == "auto" and max(w, h) > 960:
            sizes.add(input_size(w, h, "640", "image"))
        dets = [self.detector.detect(rgb, s.threshold, size) for size in sorted(sizes)]
        allb = np.concatenate(dets) if dets else np.zeros((0, 5), np.float32)
        return allb[nms(allb, 0.3)] if len(allb) else allb

    def process_image(self, rgb: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        t0 = time.perf_counter()
        out = rgb.copy()
        dets = self.detect_image(rgb)
        boxes = [grow(d, self.settings.mask_scale) for d in dets]
        self.last_image_masks = boxes  # judged against the second detector's hits (faces.residuals)
        apply_rgb(out, boxes, self.settings.style)
        h, w = rgb.shape[:2]
        return out, {"frames": 1, "frames_with_faces": int(len(dets) > 0), "detections": int(len(dets)),
                     "detector_size": "x".join(map(str, input_size(w, h, self.settings.detector_size, "image"))),
                     "provider": self.detector.runtime.provider, "seconds": round(time.perf_counter() - t0, 3)}


def _done(job: Any) -> Any:
    return job.result() if isinstance(job, Future) else job


class _Stopped(Exception):
    """The writer failed; its error is re-raised by the main loop."""


def _put(q: queue.Queue, item: Any, stop: threading.Event) -> bool:
    while True:
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            if stop.is_set():
                return False


def _get(q: queue.Queue, stop: threading.Event) -> Any:
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            if stop.is_set():
                return None
