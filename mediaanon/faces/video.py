"""Video decode and encode that keep the recording intact (PyAV).

Why PyAV and not ffmpeg pipes (deface's imageio route): a raw-video pipe
carries pixels but no timestamps, so the writer has to assume a constant
frame rate; variable-frame-rate phone recordings then drift out of sync with
their audio (deface #5, #52).  Here every decoded frame keeps its ``pts`` and
duration and the encoder writes the same values, so the output has the same
frame count, timestamps and duration as the input.

Pixels stay in planar YUV as decoded (:class:`Picture`): the masks are drawn
into the Y/U/V planes directly and the encoder takes them back without any
RGB round trip.  Only the small detector input is converted to RGB.

Rotation: phone clips store landscape pixels plus a display matrix.  The
reader turns the pixels upright (so the detector sees faces upright) and the
writer writes no rotation, so players and the muxer see the same picture the
detector saw.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from mediaanon.errors import InputError, StageError

log = logging.getLogger(__name__)

NATIVE_FORMATS = {"yuv420p": ("yuv420p", False), "yuvj420p": ("yuv420p", True),
                  "yuv444p": ("yuv444p", False), "yuvj444p": ("yuv444p", True)}
"""decoded pixel format -> (working format, full range) for formats used as they are."""


@dataclass
class Picture:
    """One frame's pixels, upright, in planar 8-bit YUV.

    ``buf`` is the packed array PyAV converts from/to (``(H*3/2, W)`` for
    yuv420p, ``(3, H, W)`` for yuv444p); ``planes`` are views into it, so a
    mask drawn into a plane is in ``buf`` too.  yuv444p is used only for odd
    frame sizes, which 4:2:0 H.264 cannot represent.
    """

    buf: np.ndarray
    fmt: str  # yuv420p | yuv444p
    width: int
    height: int

    @property
    def planes(self) -> list[np.ndarray]:
        w, h = self.width, self.height
        if self.fmt == "yuv444p":
            return [self.buf[0], self.buf[1], self.buf[2]]
        flat = self.buf.reshape(-1)
        n = w * h
        q = n // 4
        return [flat[:n].reshape(h, w), flat[n:n + q].reshape(h // 2, w // 2),
                flat[n + q:n + 2 * q].reshape(h // 2, w // 2)]

    @property
    def chroma_shift(self) -> int:
        """log2 of the chroma subsampling (1 for 4:2:0, 0 for 4:4:4)."""
        return 1 if self.fmt == "yuv420p" else 0

    @classmethod
    def blank(cls, fmt: str, width: int, height: int) -> "Picture":
        shape = (height * 3 // 2, width) if fmt == "yuv420p" else (3, height, width)
        return cls(np.empty(shape, np.uint8), fmt, width, height)

    def rotated(self, ccw: int) -> "Picture":
        """The picture turned ``ccw`` degrees counter-clockwise (0/90/180/270)."""
        import cv2

        if ccw % 360 == 0:
            return self
        code = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}[ccw % 360]
        w, h = (self.height, self.width) if ccw % 180 else (self.width, self.height)
        out = Picture.blank(self.fmt, w, h)
        for src, dst in zip(self.planes, out.planes):
            cv2.rotate(src, code, dst=dst)
        return out

    def to_rgb(self, size: tuple[int, int]) -> np.ndarray:
        """RGB uint8 at ``size`` (W, H; both even) for the detector: resize first, convert after."""
        import cv2

        w, h = size
        y, u, v = self.planes
        interp = cv2.INTER_AREA if w < self.width else cv2.INTER_LINEAR
        if self.fmt == "yuv420p":
            small = Picture.blank("yuv420p", w, h)
            sy, su, sv = small.planes
            cv2.resize(y, (w, h), dst=sy, interpolation=interp)
            cv2.resize(u, (w // 2, h // 2), dst=su, interpolation=interp)
            cv2.resize(v, (w // 2, h // 2), dst=sv, interpolation=interp)
            return cv2.cvtColor(small.buf, cv2.COLOR_YUV2RGB_I420)
        ycrcb = cv2.merge([cv2.resize(p, (w, h), interpolation=interp) for p in (y, v, u)])
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


@dataclass(frozen=True)
class StreamInfo:
    """Facts about the input's first video stream that the output must match."""

    width: int  # upright (after rotation)
    height: int
    rotation: int  # degrees counter-clockwise the stored pixels are turned for display
    time_base: Fraction
    average_rate: Fraction | None
    frames: int | None  # as the container states it (may be absent)
    duration: float | None  # seconds, stream duration if known
    fmt: str  # working format: yuv420p | yuv444p
    full_range: bool
    color: tuple[int, int, int]  # colorspace, primaries, transfer (AVCOL_* codes)


@dataclass
class DecodedFrame:
    index: int
    pts: int  # in StreamInfo.time_base
    duration: int  # in StreamInfo.time_base
    picture: Picture


class VideoReader:
    """Iterate the first video stream's frames as upright :class:`Picture`s.

    Frames come out in presentation order with the decoder's pts; a frame
    without a pts (raw streams) gets the previous one plus its duration.
    """

    def __init__(self, path: Path, threads: int = 0, rotation_hint: int = 0):
        import av

        try:
            self.container = av.open(str(path))
        except Exception:  # noqa: BLE001 - PyAV raises many types for a bad file
            raise InputError("cannot open the video stream (corrupt or unsupported?)") from None
        vids = [s for s in self.container.streams.video if not _is_attached_pic(s)]
        if not vids:
            self.container.close()
            raise InputError("no video stream to anonymize")
        self.stream = vids[0]
        self.stream.thread_type = "AUTO"  # frame threads: decoding stays well ahead of the detector
        if threads:
            self.stream.thread_count = threads
        self._decoded = self.container.decode(self.stream)
        try:
            # The first frame tells what the stream header may not: pixel format and the
            # display matrix (PyAV exposes rotation per frame, not per stream).
            self._first = next(self._decoded)
        except StopIteration:
            self.container.close()
            raise InputError("the video stream has no decodable frame") from None
        except Exception as exc:  # noqa: BLE001 - av.error.*
            self.container.close()
            raise InputError(f"video decoding failed at frame 0: {type(exc).__name__}") from None
        cc = self.stream.codec_context
        first = self._first
        w, h = first.width, first.height
        # PyAV >= 14 gives the display matrix per frame; older versions need the probe's value
        # (``rotation_hint``, counter-clockwise degrees)
        rotation = float(first.rotation or 0) if hasattr(first, "rotation") else float(rotation_hint)
        rotation = int(round(rotation / 90.0)) * 90 % 360
        fmt, full = _working_format(first.format.name, w, h)
        uw, uh = (h, w) if rotation % 180 else (w, h)
        tb = self.stream.time_base or Fraction(1, 90000)
        self._coded = (w, h)
        self.info = StreamInfo(
            width=uw, height=uh, rotation=rotation, time_base=Fraction(tb),
            average_rate=Fraction(self.stream.average_rate) if self.stream.average_rate else None,
            frames=self.stream.frames or None,
            duration=float(self.stream.duration * tb) if self.stream.duration else None,
            fmt=fmt, full_range=full or _color_int(first, "color_range") == 2,
            color=(_color_int(first, "colorspace"), _color_int(first, "color_primaries"),
                   _color_int(first, "color_trc")),
        )

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.container.close()

    def __iter__(self) -> Iterator[DecodedFrame]:
        default_step = self._default_step()
        pending = None  # one frame of lookahead to fill missing durations
        index = 0
        last_pts = None
        try:
            for frame in _chain(self._first, self._decoded):
                pts = frame.pts if frame.pts is not None else frame.dts
                if pts is None:
                    pts = (last_pts + default_step) if last_pts is not None else 0
                if last_pts is not None and pts <= last_pts:
                    log.warning("non-increasing video timestamp at frame %d; nudged by one tick", index)
                    pts = last_pts + 1
                if pending is not None:
                    if pending.duration <= 0:
                        pending.duration = pts - pending.pts
                    yield pending
                last_pts = pts
                pending = DecodedFrame(index, pts, int(frame.duration or 0), self._picture(frame))
                index += 1
        except StageError:
            raise
        except Exception as exc:  # noqa: BLE001 - av.error.* for corrupt packets
            raise InputError(f"video decoding failed at frame {index}: {type(exc).__name__}") from None
        if pending is not None:
            if pending.duration <= 0:
                pending.duration = default_step
            yield pending

    def _default_step(self) -> int:
        rate = self.info.average_rate or Fraction(25)
        return max(1, round(1 / (rate * self.info.time_base)))

    def _picture(self, frame) -> Picture:
        fmt = self.info.fmt
        name = frame.format.name
        if (frame.width, frame.height) != self._coded:
            # a mid-stream size change: keep the output's single size (H.264 in MP4 has one)
            log.warning("video size changed mid-stream to %dx%d; scaled back to %dx%d",
                        frame.width, frame.height, *self._coded)
            frame = frame.reformat(width=self._coded[0], height=self._coded[1], format=fmt)
        elif NATIVE_FORMATS.get(name, ("",))[0] != fmt:
            frame = frame.reformat(format=fmt)
        pic = Picture(frame.to_ndarray(), fmt, frame.width, frame.height)
        return pic.rotated(self.info.rotation)


class VideoWriter:
    """H.264 MP4, video only, with the caller's pts and durations, no rotation tag."""

    def __init__(self, path: Path, info: StreamInfo, crf: int = 18, preset: str = "veryfast", threads: int = 0,
                 x264_params: str = ""):
        import av

        self.container = av.open(str(path), "w", format="mp4")
        rate = info.average_rate or Fraction(25)
        s = self.container.add_stream("libx264", rate=rate)
        s.width, s.height = info.width, info.height
        s.pix_fmt = info.fmt
        s.time_base = info.time_base
        s.codec_context.time_base = info.time_base
        opts = {"crf": str(crf), "preset": preset}
        if threads:
            opts["threads"] = str(threads)
        if x264_params:
            opts["x264-params"] = x264_params
        s.options = opts
        cc = s.codec_context
        cc.color_range = 2 if info.full_range else 1
        for attr, value in zip(("colorspace", "color_primaries", "color_trc"), info.color):
            if value not in (0, 2):  # 0 = RGB/reserved, 2 = unspecified: leave the encoder's default
                try:
                    setattr(cc, attr, value)
                except (AttributeError, ValueError, TypeError):
                    pass
        self.stream = s
        self.info = info
        self._durations: dict[int, int] = {}
        self.frames = 0

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.container.close()

    def write(self, pts: int, duration: int, picture: Picture) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(picture.buf, format=picture.fmt)
        frame.pts = pts
        frame.time_base = self.info.time_base
        frame.color_range = 2 if self.info.full_range else 1
        self._durations[pts] = duration
        self._mux(self.stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        self._mux(self.stream.encode(None))
        self.container.close()

    def _mux(self, packets) -> None:
        for p in packets:
            d = self._durations.pop(p.pts, None) if p.pts is not None else None
            if d:
                p.duration = d
            self.container.mux(p)


def frame_times(path: Path) -> list[float]:
    """Presentation times (seconds) of every frame of the first video stream, sorted.

    Read from the demuxer (no decoding), so it is cheap enough to compare an
    output with its input after every run; packets the container marks as
    discarded (before an edit list's start) are not frames.
    """
    import av

    with av.open(str(path)) as c:
        vids = [s for s in c.streams.video if not _is_attached_pic(s)]
        if not vids:
            return []
        s = vids[0]
        tb = s.time_base
        times = [float(p.pts * tb) for p in c.demux(s)
                 if p.pts is not None and p.size and not getattr(p, "is_discard", False)]
    return sorted(times)


def _working_format(pix_fmt: str, width: int, height: int) -> tuple[str, bool]:
    if pix_fmt in NATIVE_FORMATS:
        fmt, full = NATIVE_FORMATS[pix_fmt]
        if fmt == "yuv420p" and (width % 2 or height % 2):
            return "yuv444p", full
        return fmt, full
    even = width % 2 == 0 and height % 2 == 0
    return ("yuv420p" if even else "yuv444p"), False


def _chain(first, rest):
    yield first
    yield from rest


def _color_int(cc, attr: str) -> int:
    try:
        return int(getattr(cc, attr) or 0)
    except (TypeError, ValueError, AttributeError):
        return 0


def _is_attached_pic(stream) -> bool:
    try:
        return bool(stream.disposition & 1024)  # AV_DISPOSITION_ATTACHED_PIC
    except Exception:  # noqa: BLE001
        return False
