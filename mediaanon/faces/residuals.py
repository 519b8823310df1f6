"""Judge the second detector's hits, and repair the real ones.

Why judge at all: BlazeFace scans the *masked* output, and a black ellipse
with hair, ears and a neck around it is, to a face detector, a face.  On a
229-s interview built from two 720p clips that gave 21 "residual face"
warnings, every one of them our own mask (issue 9).  A check that warns on
clean output teaches people to ignore it, so a hit whose central part lies
on a region we masked in that very frame is counted as "on our mask" and
not as a residual face.  What is left is a face the first detector missed.

Why repair instead of warn: a face that BlazeFace finds outside our masks is
exactly what the check exists for, and the remedy is the same as for any
face: mask it.  :func:`repair_video` masks the union of both detectors — the
hit's box, grown like our own masks, on its frame and ``pad`` frames either
side — in a second encoding pass; the stage then scans again, for at most
``passes`` rounds.  The re-check scans the frames that pass masked: the
others carry the pixels the full scan passed, re-encoded at the same quality,
so scanning them again would cost as much as the first scan to re-judge
nothing the repair touched (on a 20-s talking head, ~190 repaired frames of 600).  Every repair is logged with its time range; what a
last round still finds is left for a person (verdict ``review``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from mediaanon.errors import StageError
from mediaanon.faces.fills import FillStyle, apply_planes, grow, rgb_to_yuv
from mediaanon.faces.framemasks import FrameMasks
from mediaanon.faces.video import VideoReader, VideoWriter

log = logging.getLogger(__name__)

ON_MASK = 0.3  # share of a hit's box that lies on our masks from which the hit is "our own mask"
CENTRE = 1.0  # the part of a hit box tested, as a fraction of its sides (1: the whole box)
GRID = 12  # sample points per side inside it
REPAIR_PAD = 6  # frames masked either side of a residual hit (the detector's score flickers around its threshold)

Box = Sequence[float]  # x1, y1, x2, y2 (pixels of the output frame)
Hit = tuple[int, float, list]  # frame index, seconds, relative boxes (x1, y1, x2, y2, score) in 0..1


@dataclass
class Judged:
    """Hits split into those on our masks and the residual faces (frame index → pixel boxes)."""

    on_masks: int = 0  # detections discounted
    residual: dict[int, list[tuple[float, float, float, float, float]]] = field(default_factory=dict)
    times: dict[int, float] = field(default_factory=dict)

    @property
    def detections(self) -> int:
        return sum(len(v) for v in self.residual.values())


def masked_share(hit: Box, masks: Sequence[Box], ellipse: bool = True) -> float:
    """Share of the hit's box that lies inside any mask (ellipse inscribed in its box, or the box).

    Why 30 % of the box and not "mostly covered": what BlazeFace takes for a
    face next to our ellipse is the ellipse's edge with hair and a neck
    around it, so its box sticks out well beyond the mask (measured on the
    clips in ``../shared/media/video``).  A face that is three-quarters
    visible beside a mask still counts as residual.
    """
    x1, y1, x2, y2 = hit[:4]
    mx, my = (x2 - x1) * (1 - CENTRE) / 2, (y2 - y1) * (1 - CENTRE) / 2
    xs = np.linspace(x1 + mx, x2 - mx, GRID)
    ys = np.linspace(y1 + my, y2 - my, GRID)
    px, py = np.meshgrid(xs, ys)
    inside = np.zeros(px.shape, bool)
    for m in masks:
        a1, b1, a2, b2 = m[:4]
        if ellipse:
            cx, cy, rx, ry = (a1 + a2) / 2, (b1 + b2) / 2, max(1e-6, (a2 - a1) / 2), max(1e-6, (b2 - b1) / 2)
            inside |= ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 <= 1.0
        else:
            inside |= (px >= a1) & (px <= a2) & (py >= b1) & (py <= b2)
    return float(inside.mean())


def judge(hits: Sequence[Hit], masks: Mapping[int, list], width: int, height: int, ellipse: bool = True) -> Judged:
    """Split BlazeFace's hits into "on our mask" and residual faces (in output pixels)."""
    out = Judged()
    for index, t, rel in hits:
        frame_masks = masks.get(index, [])
        for x1, y1, x2, y2, score in rel:
            box = (x1 * width, y1 * height, x2 * width, y2 * height, score)
            if frame_masks and masked_share(box, frame_masks, ellipse) >= ON_MASK:
                out.on_masks += 1
            else:
                out.residual.setdefault(index, []).append(box)
                out.times[index] = t
    return out


def ranges(judged: Judged, gap: int = 1) -> list[list[float]]:
    """Residual frames as [t0, t1, frames] runs (consecutive indices within ``gap``)."""
    out: list[list[float]] = []
    last = -10
    for i in sorted(judged.residual):
        t = judged.times[i]
        if out and i - last <= gap:
            out[-1][1], out[-1][2] = t, out[-1][2] + 1
        else:
            out.append([round(t, 3), round(t, 3), 1])
        last = i
    return out


def frame_ranges(indices: Iterable[int], times: Sequence[float], limit: int = 500) -> list[list[float]]:
    """Consecutive frame indices as [t0, t1] seconds (for the coverage timeline of the report)."""
    out: list[list[float]] = []
    last = -10
    for i in sorted(indices):
        if i >= len(times):
            continue
        if out and i == last + 1:
            out[-1][1] = round(times[i], 3)
        else:
            out.append([round(times[i], 3), round(times[i], 3)])
        last = i
    return out[:limit]


def repair_boxes(judged: Judged, mask_scale: float, pad: int) -> dict[int, list[tuple[float, float, float, float]]]:
    """Frame index → grown boxes to mask: each residual hit on its frame and ``pad`` frames either side."""
    plan: dict[int, list] = {}
    for index, boxes in judged.residual.items():
        grown = [grow(b, mask_scale) for b in boxes]
        for j in range(max(0, index - pad), index + pad + 1):
            plan.setdefault(j, []).extend(grown)
    return plan


def repair_video(src: Path, dst: Path, plan: dict[int, list], style: FillStyle, *, crf: int, preset: str,
                 x264_params: str) -> int:
    """Re-encode ``src`` into ``dst`` with ``plan``'s boxes filled; frames and timestamps unchanged.

    Returns the number of frames written (the caller compares it with the input's).
    """
    with VideoReader(src) as reader:
        info = reader.info
        values = rgb_to_yuv(style.color, info.full_range)
        with VideoWriter(dst, info, crf=crf, preset=preset, x264_params=x264_params) as writer:
            for f in reader:
                boxes = plan.get(f.index)
                if boxes:
                    pic = f.picture
                    apply_planes(pic.planes, (0, pic.chroma_shift, pic.chroma_shift), boxes, style, values)
                writer.write(f.pts, f.duration, f.picture)
            frames = writer.frames
    return frames


def merge_masks(masks: FrameMasks, plan: dict[int, list]) -> None:
    """Add the repair boxes to the per-frame masks, so a re-check discounts them too."""
    for i, boxes in plan.items():
        masks.add(i, boxes)


def check_and_repair(verifier: Any, video: Path, masks: FrameMasks, size: tuple[int, int], o: Any,
                     style: FillStyle, scratch: Path, passes: int) -> tuple[Path, dict[str, Any]]:
    """Scan ``video``; repair residual faces for at most ``passes`` rounds, rescanning after each.

    ``o`` is the stage's options (verify_every, mask_scale and the x264 settings).

    Returns the final video and the summary for the log (raw hits, hits on our
    masks, repairs with time ranges, what remains unresolved).
    """
    width, height = size
    ellipse = style.ellipse
    rep = verifier.scan_video(video, o.verify_every)
    judged = judge(rep.hits, masks, width, height, ellipse)
    summary = {**rep.summary(), "checked": "written file", "hits_on_masks": judged.on_masks, "repairs": [],
               "repair_passes": 0}
    frames_total = rep.frames_scanned
    for n in range(1, passes + 1):
        if not judged.residual:
            break
        plan = repair_boxes(judged, o.mask_scale, max(REPAIR_PAD, o.verify_every))
        dst = scratch / f"video_repaired_{n}.mp4"
        frames = repair_video(video, dst, plan, style, crf=o.crf, preset=o.preset, x264_params=o.x264_params)
        if o.verify_every == 1 and frames != frames_total:
            raise StageError(f"repair pass wrote {frames} frames, the masked video has {frames_total}")
        summary["repairs"].append({"pass": n, "frames": len(judged.residual), "ranges": ranges(judged)})
        log.info("repair pass %d: masked %d residual face(s) in %d frame(s)", n, judged.detections,
                 len(judged.residual))
        merge_masks(masks, plan)
        video = dst
        summary["repair_passes"] = n
        rep = verifier.scan_video(video, o.verify_every, only=set(plan))
        summary["repairs"][-1]["rescanned_frames"] = rep.frames_scanned
        judged = judge(rep.hits, masks, width, height, ellipse)
    summary["unresolved_faces"] = judged.detections
    summary["unresolved_ranges"] = ranges(judged)
    return video, summary


def judge_image(verifier: Any, rgb: np.ndarray, masks: list) -> tuple[dict[str, Any], Judged]:
    """Still images: the same judgement; the stage masks what remains and scans once more."""
    rep = verifier.scan_image(rgb)
    h, w = rgb.shape[:2]
    judged = judge(rep.hits, {0: masks}, w, h)
    return {**rep.summary(), "hits_on_masks": judged.on_masks, "unresolved_faces": judged.detections,
            "unresolved_ranges": ranges(judged), "repairs": [], "repair_passes": 0}, judged
