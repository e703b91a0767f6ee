"""Synthetic camera scenes with exactly known target boxes, for tests."""

from __future__ import annotations

import numpy as np

from ros_tracker.boxes import Box

WIDTH, HEIGHT, SIZE = 320, 240, 40


def _target_pattern() -> np.ndarray:
    """A 40x40 coloured checkerboard with a cross: textured, unlike the background."""
    cells = (np.indices((SIZE, SIZE)) // 8).sum(axis=0) % 2
    pattern = np.zeros((SIZE, SIZE, 3), np.uint8)
    pattern[cells == 1] = (20, 40, 230)
    pattern[cells == 0] = (240, 220, 30)
    pattern[SIZE // 2 - 2:SIZE // 2 + 2, :] = (255, 255, 255)
    pattern[:, SIZE // 2 - 2:SIZE // 2 + 2] = (255, 255, 255)
    return pattern


BACKGROUND = np.random.default_rng(7).integers(60, 120, (HEIGHT, WIDTH, 3), dtype=np.uint8)
PATTERN = _target_pattern()


def scene(x: int, y: int, width: int = WIDTH, height: int = HEIGHT) -> tuple[np.ndarray, Box]:
    """A BGR frame with the target's top-left corner at (x, y), and the target's visible box."""
    frame = np.ascontiguousarray(np.resize(BACKGROUND, (height, width, 3)))
    x1, y1 = max(x, 0), max(y, 0)
    x2, y2 = min(x + SIZE, width), min(y + SIZE, height)
    if x2 > x1 and y2 > y1:
        frame[y1:y2, x1:x2] = PATTERN[y1 - y:y2 - y, x1 - x:x2 - x]
    return frame, Box(float(x), float(y), float(SIZE), float(SIZE))
