"""BlazeFace on the plain TFLite runtime: the same faces as MediaPipe's own graph.

The verifier stopped depending on MediaPipe (jax, matplotlib, two more OpenCV
builds); these tests pin that the re-implemented pre/post-processing finds
what MediaPipe's graph finds, and that the shipped model copies are the
sha256-pinned ones.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from mediaanon import models
from mediaanon.faces import blazeface

IMAGES = ["images/deepface/img1.jpg", "images/deepface/img2.jpg", "images/deepface/couple.jpg",
          "images/deepface/img11.jpg", "images/deepface/img20.jpg"]


def _rgb(path, long_side=640):
    import cv2

    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    s = min(1.0, long_side / max(img.shape[:2]))
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name,opts,count", [("blazeface-full", blazeface.FULL_RANGE, 2304),
                                             ("blazeface-short", blazeface.SHORT_RANGE, 896)])
def test_anchor_grid_matches_the_model_outputs(name, opts, count):
    a = blazeface.anchors(opts)
    assert a.shape == (count, 2)
    assert a.min() > 0 and a.max() < 1
    det = blazeface.BlazeFace(models.resolve(name).file(), opts)  # raises if the model disagrees
    assert det.detect(np.zeros((90, 160, 3), np.uint8)) == []  # a black frame has no face


def test_shipped_copies_resolve_without_mediapipe(monkeypatch):
    """The wheel's own copy is found (and hash-checked) when no package ships the model."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "mediapipe" else real(n, *a))
    monkeypatch.setenv("XDG_CACHE_HOME", "/nonexistent-cache")
    for name in ("blazeface-full", "blazeface-short"):
        r = models.resolve(name)
        assert r.origin == "bundled"
        assert models.sha256_file(r.file()) == r.sha256


def test_faces_found_and_boxes_in_image_coordinates(media):
    det = blazeface.BlazeFace(models.resolve("blazeface-full").file(), blazeface.FULL_RANGE, 0.5)
    rgb = _rgb(media("images/deepface/couple.jpg"))
    faces = det.detect(rgb)
    assert len(faces) == 2
    for x1, y1, x2, y2, score in faces:
        assert 0 <= x1 < x2 <= 1.05 and 0 <= y1 < y2 <= 1.05 and 0.5 <= score <= 1
    # the same picture letterboxed into a wider frame: same faces, moved
    h, w = rgb.shape[:2]
    wide = np.zeros((h, 2 * w, 3), np.uint8)
    wide[:, w:] = rgb
    moved = det.detect(wide)
    assert len(moved) == 2
    for (a, b) in zip(sorted(faces), sorted(moved)):
        assert abs((a[0] + 1) / 2 - b[0]) < 0.02 and abs(a[1] - b[1]) < 0.02


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe not installed (optional)")
@pytest.mark.parametrize("name,opts,selection", [("blazeface-full", blazeface.FULL_RANGE, 1),
                                                 ("blazeface-short", blazeface.SHORT_RANGE, 0)])
def test_same_faces_as_mediapipe_graph(media, name, opts, selection):
    from mediapipe.python.solutions import face_detection

    ours = blazeface.BlazeFace(models.resolve(name).file(), opts, 0.5)
    with face_detection.FaceDetection(model_selection=selection, min_detection_confidence=0.5) as mp:
        for rel in IMAGES:
            rgb = _rgb(media(rel))
            theirs = []
            for d in mp.process(rgb).detections or []:
                bb = d.location_data.relative_bounding_box
                theirs.append((bb.xmin, bb.ymin, bb.xmin + bb.width, bb.ymin + bb.height, d.score[0]))
            mine = ours.detect(rgb)
            assert len(mine) == len(theirs), rel
            for t in theirs:
                assert min(max(abs(np.subtract(m[:4], t[:4]))) for m in mine) < 0.03, rel
                assert min(abs(m[4] - t[4]) for m in mine) < 0.05, rel
