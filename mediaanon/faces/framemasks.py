"""The mask boxes drawn on each frame of a video, kept compactly until the stage ends.

Why kept at all: the residual check judges BlazeFace's hits against the masks
drawn on their own frame (:func:`mediaanon.faces.residuals.judge`), and the
log's masked time ranges are made from the frames that have masks, so every
frame's boxes live until the end of the stage.

Why compact: as a dict of lists of float tuples a frame cost about 330 bytes,
36 MB for an hour at 30 fps: memory that grew with the recording's length
(``bench/memory.py``).  Here a frame with masks costs 8 bytes of index and
offset plus 32 per box, in three flat arrays, and the values are the same
float64s (nothing is rounded, so a judgement cannot change).

The blurrer adds frames in ascending order; repairs add boxes to frames
already there (or earlier), which go to a small side table.
"""
from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence

Box = tuple[float, float, float, float]


class FrameMasks(Mapping):
    """Frame index -> the mask boxes (x1, y1, x2, y2 in frame pixels) drawn on it."""

    def __init__(self) -> None:
        self._frames = array("i")  # frame indices, ascending
        self._starts = array("i", [0])  # box i of frame k: _coords[4 * (_starts[k] + i):]
        self._coords = array("d")
        self._extra: dict[int, list[Box]] = {}  # boxes added out of order (repairs)

    def add(self, index: int, boxes: Iterable[Sequence[float]]) -> None:
        """Add ``boxes`` to frame ``index`` (no boxes: nothing is recorded)."""
        boxes = [tuple(float(v) for v in b[:4]) for b in boxes]
        if not boxes:
            return
        if not self._frames or index > self._frames[-1]:
            self._frames.append(index)
            for b in boxes:
                self._coords.extend(b)
            self._starts.append(len(self._coords) // 4)
        else:
            self._extra.setdefault(index, []).extend(boxes)  # type: ignore[arg-type]

    def _slot(self, index: int) -> int | None:
        """Position of frame ``index`` in the compact arrays, None if it has no boxes there."""
        k = bisect.bisect_left(self._frames, index)
        return k if k < len(self._frames) and self._frames[k] == index else None

    def _compact(self, index: int) -> list[Box]:
        k = self._slot(index)
        if k is None:
            return []
        c = self._coords
        return [(c[4 * i], c[4 * i + 1], c[4 * i + 2], c[4 * i + 3]) for i in range(self._starts[k], self._starts[k + 1])]

    def __getitem__(self, index: int) -> list[Box]:
        out = self._compact(index) + self._extra.get(index, [])
        if not out:
            raise KeyError(index)
        return out

    def __iter__(self) -> Iterator[int]:
        if not self._extra:
            return iter(self._frames)
        return iter(sorted(set(self._frames).union(self._extra)))

    def __len__(self) -> int:
        return len(self._frames) + sum(1 for i in self._extra if self._slot(i) is None)

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and (self._slot(index) is not None or index in self._extra)
