"""Sparser detection in static shots (issue 13): ``static_every`` without losing a face.

The schedule is tested on camera steps given as data (a static stretch gets
sparser; a changing picture, a cut, a pan or a whip pan returns to the normal
stride at once; decisions are a function of the steps only), the picture
change on real pixels, and the whole loop on a real talking-head clip: fewer
detector runs, and every face the detector finds on every frame is masked.
"""
from __future__ import annotations

import numpy as np
import pytest

from mediaanon.faces.blurrer import BlurSettings, FaceBlurrer
from mediaanon.faces.motion import CALM, CameraMotion, DetectSchedule, SparseGate, Step, picture_change
from tests._faces import Blinking, centerface

STILL_PX = 2.5  # the blurrer's still threshold at 1280 px (motion.STILL x the long side)
CALM_STEP = Step(known=True, speed=0.5, change=2.0)  # a talking head: camera still, the mouth moving
CHANGING = Step(known=True, speed=0.5, change=30.0)  # someone walks in, or the face turns fast
PAN = Step(known=True, speed=6.0, change=3.0)  # a slow pan over a flat wall: moving, not fast
WHIP = Step(known=True, speed=40.0, change=50.0)


def schedule(**kw) -> DetectSchedule:
    return DetectSchedule(**{"every": 2, "fast": 15.0, "static_every": 4, "still": STILL_PX, **kw})


def run(sched: DetectSchedule, steps: list[Step], cuts: frozenset[int] = frozenset()) -> tuple[list[int], list[int]]:
    """(frames detected, frames whose previous frame is detected too) over ``steps`` (frame 0 starts a scene)."""
    out = [sched.decide(i, i == 0 or i in cuts, s) for i, s in enumerate(steps)]
    return [i for i, (d, _) in enumerate(out) if d], [i for i, (_, b) in enumerate(out) if b]


def detected(steps: list[Step]) -> list[int]:
    """Every frame the reader sends to the detector: its own decision, the next frame's ``before``, the last."""
    det, before = run(schedule(), steps)
    return sorted(set(det) | {i - 1 for i in before if i > 0} | {len(steps) - 1})


# ---------------------------------------------------------------- the schedule on data


def test_static_stretch_is_detected_every_static_every_frames():
    sched = schedule()
    det, before = run(sched, [CALM_STEP] * 20)
    assert det == [0, 4, 8, 12, 16]
    assert before == [0]  # only the scene's start
    assert sched.static_frames == 19  # frame 0 starts the scene: never static
    normal, _ = run(schedule(static_every=1), [CALM_STEP] * 20)
    assert normal == list(range(0, 20, 2))


def test_a_changing_picture_returns_to_the_normal_stride_at_once():
    steps = [CALM_STEP] * 10 + [CHANGING] * 7 + [CALM_STEP] * 9
    sched = schedule()
    det, before = run(sched, steps)
    assert 10 in before  # frame 9, the static stretch's last frame, is detected: an anchor before the change
    assert [i for i in det if 10 <= i <= 16] == [11, 13, 15]  # the normal stride from frame 9 on
    frames = detected(steps)
    assert [i for i in frames if 8 <= i <= 17] == [8, 9, 11, 13, 15, 17]
    assert max(np.diff(frames)) == 4 and [i for i in frames if i > 17] == [21, 25]  # sparse again once calm
    assert sched.static_frames == 9 + 8  # frame 17 is calm, but the stride since 15 saw a change (16)


@pytest.mark.parametrize("step", [PAN, WHIP, Step(known=False, change=1.0)], ids=["pan", "whip", "unknown"])
def test_camera_motion_or_unknown_motion_is_never_static(step):
    steps = [CALM_STEP] * 9 + [step] * 6 + [CALM_STEP] * 5
    sched = schedule()
    det, before = run(sched, steps)
    assert 9 in before or 8 in det  # the static stretch ends on a detection
    moving = [i for i in det if 9 <= i < 15]
    assert moving == ([9, 10, 11, 12, 13, 14] if step is WHIP else [10, 12, 14])
    assert sched.static_frames == 8 + (3 if step is WHIP else 5)  # a whip pan's next two frames count as fast


def test_a_scene_cut_is_detected_and_starts_unsparse():
    steps = [CALM_STEP] * 20
    sched = schedule()
    det, before = run(sched, steps, cuts=frozenset({7}))
    assert 7 in det and 7 in before  # both sides of the cut
    assert [i for i in det if i > 7] == [11, 15, 19]  # static again after the cut's first frame
    assert sched.static_frames == 18


def test_static_every_at_or_below_detect_every_changes_nothing():
    rng = np.random.default_rng(5)
    steps = [[CALM_STEP, CHANGING, PAN, WHIP][k] for k in rng.choice(4, 200, p=[0.7, 0.1, 0.1, 0.1])]
    ref = run(DetectSchedule(every=2, fast=15.0), steps)
    for off in (1, 2):
        sched = schedule(static_every=off)
        assert run(sched, steps) == ref and sched.static_frames == 0


def test_decisions_are_a_function_of_the_steps_only():
    rng = np.random.default_rng(7)
    steps = [Step(known=bool(rng.random() > 0.05), speed=float(rng.gamma(1.0, 2.0)), change=float(rng.gamma(1.5, 4.0)))
             for _ in range(500)]
    cuts = frozenset(int(i) for i in rng.choice(500, 6))
    a, b = schedule(), schedule()
    assert run(a, steps, cuts) == run(b, steps, cuts) and a.static_frames == b.static_frames > 50
    det = set(run(schedule(), steps, cuts)[0])
    assert det < set(range(500)) and len(det) < 0.6 * 500  # sparser than every=2 where static...
    assert len(det) > len(run(schedule(), [CALM_STEP] * 500)[0])  # ...and denser where not


# ---------------------------------------------------------------- the gate: only while the detector's runs agree


def gate_after(counts: list[int], **kw) -> SparseGate:
    gate = SparseGate(**{"window": 4, "max_faces": 2, "lag": 2, **kw})
    for c in counts:
        gate.record(lambda c=c: [c])
    return gate


def test_gate_opens_only_on_a_steady_few_faces_settled_lag_runs_back():
    assert not gate_after([1, 1, 1, 1]).open()  # the last run (lag 2: one not yet settled) is not counted
    assert gate_after([1, 1, 1, 1, 1]).open()
    assert gate_after([1, 1, 1, 1, 9]).open()  # a run within the lag is not looked at yet...
    assert not gate_after([1, 1, 1, 1, 9, 1]).open()  # ...and closes the gate once settled
    assert not gate_after([1, 2, 1, 1, 1]).open()  # a face found now and then: a crowd, or a doubt
    assert not gate_after([3, 3, 3, 3, 3]).open()  # more faces than max_faces
    assert gate_after([0, 0, 0, 0, 0]).open()  # an empty still shot
    assert not gate_after([1, 1, 1]).open()  # not enough runs yet


def test_gate_picks_the_static_rule_only_when_open():
    item = ("frame", "rgb", 0, False, None, True, True)  # static rule skips, normal rule detects, stride in force
    closed, opened = gate_after([1, 2, 1, 2, 1]), gate_after([1, 1, 1, 1, 1])
    assert closed.pick(item)[3] is True and closed.sparse_frames == 0
    assert opened.pick(item)[3] is False and opened.sparse_frames == 1
    same = ("frame", "rgb", 0, True, None, True, False)
    assert closed.pick(same) == opened.pick(same) == ("frame", "rgb", 0, True, None)


# ---------------------------------------------------------------- the picture change on pixels


@pytest.fixture(scope="module")
def photo(media):
    import cv2

    img = cv2.imread(str(media("images/dlib_faces/2007_007763.jpg")), cv2.IMREAD_GRAYSCALE)
    return np.ascontiguousarray(cv2.resize(img, (1280, 720)))


def test_picture_change_sees_a_small_local_change_that_a_frame_mean_would_not(photo):
    rng = np.random.default_rng(1)
    noisy = np.clip(photo.astype(int) + rng.normal(0, 2, photo.shape), 0, 255).astype(np.uint8)
    cm = CameraMotion(1280, 720)
    cm.update(photo)
    still = cm.update(noisy)
    assert still.known and still.speed < STILL_PX and still.change < CALM / 2  # sensor noise is calm
    moved = noisy.copy()
    moved[300:420, 600:700] = photo[300:420, 640:740]  # a 100x120 px patch (a face) moves 40 px
    step = cm.update(moved)
    assert step.known and step.speed < STILL_PX  # the camera did not move...
    assert step.change > CALM  # ...but part of the picture did
    whole = float(np.abs(moved.astype(int) - noisy.astype(int)).mean())
    assert whole < CALM / 4  # the frame's mean change would not have seen it
    assert picture_change(np.zeros((72, 128), np.uint8), np.zeros((72, 128), np.uint8)) == 0.0


# ---------------------------------------------------------------- end to end on a real clip


@pytest.fixture(scope="module")
def detector():
    return centerface()


def covered(face, masks, size, grid: int = 7) -> bool:
    """A grid of points over ``face`` (clipped to the frame) inside the union of the masks' ellipses."""
    x1, y1 = max(0.0, face[0]), max(0.0, face[1])
    x2, y2 = min(size[0] - 1.0, face[2]), min(size[1] - 1.0, face[3])
    xs, ys = np.meshgrid(np.linspace(x1, x2, grid), np.linspace(y1, y2, grid))
    inside = np.zeros(xs.shape, bool)
    for m in masks:
        cx, cy, rx, ry = (m[0] + m[2]) / 2, (m[1] + m[3]) / 2, (m[2] - m[0]) / 2, (m[3] - m[1]) / 2
        inside |= ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0 + 1e-9
    return bool(inside.all())


def test_static_talking_head_is_detected_less_and_masked_wherever_every_frame_finds_a_face(
        detector, media, tmp_path, caplog):
    caplog.set_level("INFO", logger="mediaanon.faces.blurrer")
    src = media("video/liveportrait/d18.mp4")  # 480x480, 216 frames: a talking head, still for the most part
    # ground truth: the detector on every frame, its own boxes (no growth, no held or lead masks)
    truth, _, info = FaceBlurrer(Blinking(detector), BlurSettings(detect_every=1, mask_scale=1.0, max_gap=0,
                                                                 lead=0)).process_video(src, tmp_path / "t.mp4")
    assert truth.detector_runs == truth.frames and truth.frames_with_detections >= 0.95 * truth.frames
    runs = {}
    for sparse in (2, 4):
        det = Blinking(detector)
        rep, _, _ = FaceBlurrer(det, BlurSettings(detect_every=2, static_every=sparse)).process_video(
            src, tmp_path / f"s{sparse}.mp4")
        size = (info.width, info.height)
        missed = [(i, k) for i, boxes in truth.masks.items() for k, b in enumerate(boxes)
                  if not covered(b, rep.masks.get(i, []), size)]
        assert missed == [], f"static_every {sparse}: faces found on every frame left unmasked at {missed[:10]}"
        assert rep.detector_runs == det.calls
        runs[sparse] = rep
    off, on = runs[2], runs[4]
    assert off.static_frames == 0 and off.summary()["static_frames"] == 0
    assert on.static_frames >= 0.5 * on.frames and on.summary()["static_frames"] == on.static_frames
    assert on.summary()["static_every"] == 4
    assert on.detector_runs < 0.8 * off.detector_runs  # fewer detector runs...
    assert on.frames_masked >= off.frames_masked  # ...and no frame less masked
    assert "static_every 4 on" in caplog.text


def test_still_crowd_shot_loses_no_face_the_normal_stride_masks(detector, media, tmp_path):
    # a stage musical's audience: a still camera, four faces and dim ones CenterFace finds now and then;
    # before the gate, the static stride masked 18 face-frames fewer than stride 2 here
    src = media("video/face_recognition_short_hamilton_clip.mp4")
    truth, _, info = FaceBlurrer(Blinking(detector), BlurSettings(detect_every=1, mask_scale=1.0, max_gap=0,
                                                                 lead=0)).process_video(src, tmp_path / "t.mp4")
    size = (info.width, info.height)
    hit = {}
    for sparse in (2, 4):
        rep, _, _ = FaceBlurrer(Blinking(detector), BlurSettings(detect_every=2, static_every=sparse)).process_video(
            src, tmp_path / f"s{sparse}.mp4")
        hit[sparse] = {(i, k) for i, boxes in truth.masks.items() for k, b in enumerate(boxes)
                       if covered(b, rep.masks.get(i, []), size)}
    assert len(hit[2]) > 1000
    assert hit[2] - hit[4] == set()


@pytest.mark.parametrize("value", [0, 13])
def test_static_every_option_is_validated(value):
    from mediaanon.stages.blur_faces import BlurFacesOptions

    with pytest.raises(ValueError, match="static_every"):
        BlurFacesOptions(static_every=value).validate()
    BlurFacesOptions(static_every=1).validate()
    BlurFacesOptions(static_every=12).validate()
    assert BlurFacesOptions().static_every == 4 and BlurSettings().static_every == 1  # on in the stage, off in the library


def test_static_every_reaches_the_blurrer():
    from tests._faces import blur_stage

    assert blur_stage({"verify": False}).settings.static_every == 4
    assert blur_stage({"verify": False, "static_every": 6}).blurrer.settings.static_every == 6


def test_static_schedule_does_not_depend_on_the_detector_lanes(detector, media, tmp_path):
    """The stride is chosen from the pixels in the reader: one lane or several, the same frames and masks."""
    import dataclasses

    src = media("video/liveportrait/d18.mp4")
    settings = BlurSettings(detect_every=2, static_every=4, coarse_size="320")

    class Serial:
        runtime = dataclasses.replace(detector.runtime, lanes=1)
        run = staticmethod(detector.run)

    class Wide:  # several lanes whatever this machine's cores, so their results arrive out of step
        runtime = dataclasses.replace(detector.runtime, lanes=3)
        run = staticmethod(detector.run)

    one, _, _ = FaceBlurrer(Serial(), settings).process_video(src, tmp_path / "a.mp4")
    many, _, _ = FaceBlurrer(Wide(), settings).process_video(src, tmp_path / "b.mp4")
    assert one.static_frames == many.static_frames > 0 and one.detector_runs == many.detector_runs
    assert one.full_runs == many.full_runs and one.masks == many.masks and one.masks
