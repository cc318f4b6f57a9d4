"""Counting warm bodies in a small thermal image: background, hot pixels, blobs, peaks.

Pure logic on lists of 64 floats (°C, row by row), no numpy: an 8x8 image is too small for an
array library to pay for its import on a Pi. People are warmer than the room by a few degrees
in the pixels they fill; the background is what each pixel reads when nobody covers it.

- The background of a pixel is the median of its recent readings taken while it, and every
  pixel next to it, was cold (no body in or next to it). So a long, still meeting does not
  sink into the background, while the room's slow warming through the day is followed.
- Until a pixel has such history, the frame's own median stands in for it: people cover a
  minority of an 8x8 view, so the median pixel is the room.
- A warm object present from the start (a radiator, a laptop) looks like a person until
  :meth:`BackgroundModel.learn_empty` is called at a moment the room is known to be empty
  (fusion decides that from the other sensors).
- Hot pixels (background + threshold) form 8-connected blobs; a blob counts one person per
  local peak, so two people sitting close enough to merge into one blob still count two.
"""

from collections import deque
from statistics import median

SIZE = 8
PIXELS = SIZE * SIZE


def neighbours(index: int) -> list[int]:
    """The up to eight pixels touching ``index``."""
    row, col = divmod(index, SIZE)
    return [
        r * SIZE + c
        for r in range(max(0, row - 1), min(SIZE, row + 2))
        for c in range(max(0, col - 1), min(SIZE, col + 2))
        if (r, c) != (row, col)
    ]


_NEIGHBOURS = [neighbours(i) for i in range(PIXELS)]


class BackgroundModel:
    """Per-pixel running median of cold readings (see the module docstring)."""

    def __init__(self, history: int = 50, min_history: int = 5) -> None:
        self.min_history = min_history
        self._history = [deque[float](maxlen=history) for _ in range(PIXELS)]
        self._learn_empty = False

    def estimate(self, frame: list[float]) -> list[float]:
        fallback = median(frame)
        return [median(h) if len(h) >= self.min_history else fallback for h in self._history]

    def update(self, frame: list[float], hot: set[int]) -> None:
        if self._learn_empty:
            # Enough copies to be trusted at once; later cold readings dilute them as usual.
            for h, value in zip(self._history, frame, strict=True):
                h.clear()
                h.extend([value] * self.min_history)
            self._learn_empty = False
            return
        for index, value in enumerate(frame):
            if index not in hot and not any(n in hot for n in _NEIGHBOURS[index]):
                self._history[index].append(value)

    def learn_empty(self) -> None:
        """Take the next frame as the empty room (every pixel), forgetting the past."""
        self._learn_empty = True


def hot_pixels(frame: list[float], background: list[float], threshold_c: float) -> set[int]:
    return {i for i in range(PIXELS) if frame[i] - background[i] >= threshold_c}


def blobs(hot: set[int]) -> list[list[int]]:
    """8-connected groups of hot pixels (a flood fill: 64 pixels need nothing faster)."""
    seen: set[int] = set()
    groups = []
    for start in sorted(hot):
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            pixel = stack.pop()
            group.append(pixel)
            for n in _NEIGHBOURS[pixel]:
                if n in hot and n not in seen:
                    seen.add(n)
                    stack.append(n)
        groups.append(sorted(group))
    return groups


def peaks(group: list[int], excess: list[float]) -> int:
    """Local maxima in a blob; on a tie (readings come in 0.25 °C steps) the first one wins."""
    members = set(group)
    count = 0
    for p in group:
        rivals = [n for n in _NEIGHBOURS[p] if n in members]
        if all(excess[p] > excess[n] or (excess[p] == excess[n] and p < n) for n in rivals):
            count += 1
    return max(1, count)


def count_people(frame: list[float], background: list[float], hot: set[int]) -> int:
    excess = [f - b for f, b in zip(frame, background, strict=True)]
    return sum(peaks(g, excess) for g in blobs(hot))
