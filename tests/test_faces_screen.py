"""The check before encoding (faces.screen): order, repairs with their pad, rescans, bounds.

The release and repair logic is tested with a detector that reads the pixels: it "finds a face"
wherever a bright square shows in the luma plane, so a repair that darkens the square really
clears the rescan.  The real BlazeFace path is tested end to end in test_faces_verify.py.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from mediaanon.faces.fills import FillStyle, rgb_to_yuv
from mediaanon.faces.screen import OutputScreen
from mediaanon.faces.video import DecodedFrame, Picture

W = H = 64
FACE = (20, 20, 36, 36)  # where the bright square (the "face") is drawn


class Squares:
    """Finds the bright square wherever its centre is still bright, and a face that moves on every
    scan in frames carrying the stubborn marker (no repair can clear those)."""

    name, tiles = "squares", 1

    def __init__(self, workers: int = 2, delay: float = 0.0):
        self.workers, self.delay = workers, delay
        self.calls = self.stubborn_scans = 0
        self.lock = threading.Lock()

    def _ready(self) -> None:
        pass

    def detect(self, rgb: np.ndarray) -> list:
        with self.lock:
            self.calls += 1
        if self.delay:
            time.sleep(self.delay * (1 + rgb[0, 0, 0] % 3))  # scans finish out of order
        h, w = rgb.shape[:2]
        sx, sy = w / W, h / H
        x1, y1, x2, y2 = FACE
        centre = rgb[int((y1 + y2) / 2 * sy), int((x1 + x2) / 2 * sx)]
        if rgb[0, 1, 0] > 200:  # the stubborn marker: a face found somewhere new on every scan
            with self.lock:
                self.stubborn_scans += 1
                dx = 12 * (self.stubborn_scans % 4)
            return [((2 + dx) * sx, 40 * sy, (12 + dx) * sx, 50 * sy, 0.9)]
        if centre.mean() > 200:
            return [(x1 * sx, y1 * sy, x2 * sx, y2 * sy, 0.9)]
        return []


def frame(i: int, face: bool, stubborn: bool = False) -> DecodedFrame:
    pic = Picture.blank("yuv420p", W, H)
    pic.buf[:] = 128
    y = pic.planes[0]
    y[:] = 60 + i % 3  # a dim background, a little different per frame
    if face:
        x1, y1, x2, y2 = FACE
        y[y1:y2, x1:x2] = 235
    if stubborn:
        y[0:2, 0:4] = 235
    return DecodedFrame(i, i * 1000, 1000, pic)


def run(screen: OutputScreen, frames: list) -> list:
    screen.open((W, H), 1 / 30000, rgb_to_yuv((0, 0, 0)))
    out = []
    for f in frames:
        out += screen.push(f, [])
        assert len(screen.window) <= 2 * screen.pad + 2 * screen.verifier.workers + 2  # memory stays bounded
    return out + screen.finish()


def screen_for(verifier, pad: int = 2, passes: int = 2, every: int = 1) -> OutputScreen:
    return OutputScreen(verifier, FillStyle("solid", ellipse=False), mask_scale=1.2, pad=pad, passes=passes,
                        every=every)


def test_clean_frames_pass_through_in_order_scanned_once():
    v = Squares(delay=0.001)
    s = screen_for(v)
    out = run(s, [frame(i, False) for i in range(40)])
    assert [f.index for f, _ in out] == list(range(40))
    summary = s.result.summary()
    assert v.calls == 40 and summary["frames_scanned"] == 40 and summary["residual_frames"] == 0
    assert summary["repairs"] == [] and summary["unresolved_faces"] == 0 and summary["repaired_frames"] == 0


def test_a_face_is_masked_with_its_pad_and_rechecked_before_it_is_written():
    def once():
        v = Squares(delay=0.001)
        s = screen_for(v, pad=2)
        out = run(s, [frame(i, i in faces) for i in range(30)])
        once.calls = v.calls
        return out, s.result.summary()

    faces = {10, 11, 12}
    out, summary = once()
    assert once.calls == 30 + 3  # each frame once, and the three hits once more after their repair
    assert [f.index for f, _ in out] == list(range(30))
    repaired = {f.index for f, boxes in out if boxes}
    assert repaired == set(range(8, 15))  # the hits' frames and two either side
    for f, _ in out:  # every written picture: the square is dark wherever it was
        assert f.picture.planes[0][28, 28] < 40 or f.index not in faces
    assert summary["unresolved_faces"] == 0 and summary["repaired_frames"] == 7
    # frames 11 and 12 are scanned as the blurrer left them too, so their hits pad the repair as well
    assert summary["residual_frames"] == 3 and summary["repairs"][0]["frames"] == 3
    # the hits' frames are scanned again after their repair; the pad frames were judged clean already,
    # and masks added to a clean picture cannot uncover a face, so they are not
    assert summary["repairs"][0]["rescanned_frames"] == 3
    again, summary2 = once()  # scans finish out of order: the outcome does not depend on it
    assert summary2 | {"seconds": 0} == summary | {"seconds": 0}
    assert all(a.picture.buf.tobytes() == b.picture.buf.tobytes() for (a, _), (b, _) in zip(out, again))


def test_what_the_repair_cannot_clear_is_unresolved_after_the_passes():
    v = Squares()
    s = screen_for(v, pad=1, passes=2)
    out = run(s, [frame(i, False, stubborn=i == 5) for i in range(12)])
    assert [f.index for f, _ in out] == list(range(12))
    summary = s.result.summary()
    assert summary["repair_passes"] == 2 and [r["pass"] for r in summary["repairs"]] == [1, 2]
    assert summary["unresolved_faces"] == 1 and summary["unresolved_ranges"][0][2] == 1


def test_without_repair_every_hit_is_unresolved_and_nothing_is_drawn():
    s = screen_for(Squares(), passes=0)
    out = run(s, [frame(i, i in (3, 4)) for i in range(8)])
    assert not any(boxes for _f, boxes in out)
    assert s.result.summary()["unresolved_faces"] == 2


def test_sampling_scans_every_nth_frame_only():
    v = Squares()
    s = screen_for(v, every=3)
    out = run(s, [frame(i, False) for i in range(10)])
    assert len(out) == 10 and v.calls == 4 and s.result.summary()["every"] == 3
