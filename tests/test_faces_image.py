"""blur_faces on still images: every annotated face masked, no EXIF/GPS out, orientation applied."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mediaanon.faces.image import metadata_markers, read_image
from tests._faces import blur_stage, run_stage


@pytest.fixture(scope="module")
def stage():
    s = blur_stage({})  # defaults: solid fill, verification on
    yield s
    s.close()


def gt_boxes(folder: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    for xml in ("training.xml", "testing.xml"):
        for img in ET.parse(folder / xml).getroot().iter("image"):
            out[img.get("file")] = [(int(b.get("left")), int(b.get("top")), int(b.get("width")), int(b.get("height")))
                                    for b in img.iter("box")]
    return out


def test_every_annotated_face_is_masked(stage, media, tmp_path):
    folder = media("images/dlib_faces")
    faces = missed = 0
    for name, boxes in gt_boxes(folder).items():
        summary, rec = run_stage(stage, folder / name, tmp_path / name)
        # unresolved: what the second detector still finds off our masks after repair (a hit on our own mask is none)
        assert rec.image.suffix == ".jpg" and summary["verify"]["unresolved_faces"] == 0
        before, after = read_image(folder / name).astype(int), read_image(rec.image).astype(int)
        for x, y, w, h in boxes:
            inner = (slice(y + h // 4, y + 3 * h // 4), slice(x + w // 4, x + 3 * w // 4))
            faces += 1
            missed += np.abs(after[inner] - before[inner]).mean() < 20
    assert faces == 43 and missed == 0


def test_exif_and_gps_are_not_written_and_orientation_is_applied(stage, media, tmp_path):
    from PIL import Image

    src = tmp_path / "phone.jpg"
    im = Image.open(media("images/dlib_faces/2008_002470.jpg"))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90 degrees clockwise
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    im.save(src, exif=exif, quality=95)
    assert "EXIF" in metadata_markers(src.read_bytes())
    summary, rec = run_stage(stage, src, tmp_path / "s")
    data = rec.image.read_bytes()
    assert metadata_markers(data) == []
    assert b"iPhone" not in data and b"Apple" not in data
    assert len(Image.open(rec.image).getexif()) == 0
    assert Image.open(rec.image).size == (332, 500)  # upright: width and height swapped
    assert summary["metadata_copied"] is False and summary["detections"] >= 3


def test_png_stays_png_without_text_chunks(stage, media, tmp_path):
    from PIL import Image, PngImagePlugin

    src = tmp_path / "in.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    Image.open(media("images/dlib_faces/2008_001009.jpg")).save(src, pnginfo=info)
    assert "PNG tEXt" in metadata_markers(src.read_bytes())
    _, rec = run_stage(stage, src, tmp_path / "s")
    assert rec.image.suffix == ".png" and metadata_markers(rec.image.read_bytes()) == []
    assert b"Jane" not in rec.image.read_bytes()
