"""Make small, real media files with ffmpeg for tests (sine tones, test patterns)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from mediaanon.media import ffmpeg


def make(dst: Path, *args: str) -> Path:
    subprocess.run([ffmpeg.ffmpeg_binary(), "-v", "error", "-y", *args, str(dst)], check=True)
    return dst


def tone(dst: Path, seconds: float = 2.0, rate: int = 16000, channels: int = 1, freq: int = 440) -> Path:
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    return make(dst, "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}",
                "-af", f"aformat=channel_layouts={layout}", "-ac", str(channels))


def video(dst: Path, seconds: float = 1.0, audio_streams: int = 1, size: str = "320x240", rate: int = 25,
          tags: bool = True) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    for i in range(audio_streams):
        args += ["-f", "lavfi", "-i", f"sine=frequency={300 + 200 * i}:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v"] + [x for i in range(audio_streams) for x in ("-map", f"{i + 1}:a")]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    if tags:
        args += ["-metadata", "title=Interview with Jane Doe", "-metadata", "location=+52.5200+013.4050/",
                 "-metadata", "creation_time=2024-05-01T10:00:00Z", "-metadata:s:a:0", "title=Jane's microphone"]
    return make(dst, *args)
