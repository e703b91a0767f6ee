"""Synthetic camera scenes with exactly known target boxes, for tests."""

from __future__ import annotations

from pathlib import Path

import cv2
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


def write_sequence(folder: Path, frames: int = 8) -> None:
    """A square moving right, in the uniform layout; frame 5 has no ground-truth box."""
    (folder / 'img').mkdir(parents=True)
    lines = []
    for index in range(frames):
        frame, box = scene(40 + 3 * index, 100)
        cv2.imwrite(str(folder / 'img' / f'{index + 1:05d}.jpg'), frame,
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines.append('nan,nan,nan,nan' if index == 5 else f'{box.x},{box.y},{box.w},{box.h}')
    (folder / 'groundtruth.txt').write_text('\n'.join(lines) + '\n')


def zoomed_scene(zoom: float) -> tuple[np.ndarray, Box]:
    """The target of scene(140, 100) and its surroundings magnified by zoom about the target's
    centre, as when a camera flies towards it; and the magnified box."""
    frame, box = scene(140, 100)
    cx, cy = box.x + (box.w - 1) / 2, box.y + (box.h - 1) / 2
    matrix = np.array([[zoom, 0, cx * (1 - zoom)], [0, zoom, cy * (1 - zoom)]])
    zoomed = cv2.warpAffine(frame, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    w, h = box.w * zoom, box.h * zoom
    return zoomed, Box(cx - (w - 1) / 2, cy - (h - 1) / 2, w, h)


def write_cutout(path: Path, size: tuple[int, int] = (40, 30), margin: int = 5,
                 color: tuple[int, int, int] = (0, 0, 255)) -> None:
    """A PNG of an opaque size = (w, h) rectangle inside a transparent margin."""
    w, h = size
    image = np.zeros((h + 2 * margin, w + 2 * margin, 4), np.uint8)
    image[margin:margin + h, margin:margin + w] = (*color, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)
