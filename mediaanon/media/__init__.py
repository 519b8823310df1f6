"""Media plumbing: locating ffmpeg, probing inputs, extracting and muxing streams."""
