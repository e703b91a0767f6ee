"""Object cut-outs: images of single objects with an alpha mask (PNG with transparency), such
as Debian's tuxpaint-stamps-default or openclipart-png, pasted over real frames to make
training targets whose boxes are exact.

A fixed tenth of a folder's cut-outs (by a checksum of the file's path relative to the
folder) is held out, so that a model can be validated on objects it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import zlib

import cv2
import numpy as np

#: Which part of a folder's cut-outs a source reads.
CUTOUT_PARTS = ('train', 'held_out', 'all')
#: Sub-folders left out by default: letters, digits and signs are not objects to track.
EXCLUDED_FOLDERS = ('symbols',)
HELD_OUT_EVERY = 10


@dataclass(frozen=True)
class CutOut:
    """An object image: BGR uint8 [H, W, 3] and its opacity, float32 in [0, 1] [H, W], trimmed
    to the opaque part."""

    color: np.ndarray
    alpha: np.ndarray


def is_held_out(relative_path: str) -> bool:
    """Whether the cut-out at this path (relative to its folder) belongs to the held-out part."""
    return zlib.crc32(relative_path.encode('utf-8')) % HELD_OUT_EVERY == 0


def find_cutouts(root: Path, part: str = 'train',
                 excluded: tuple[str, ...] = EXCLUDED_FOLDERS) -> list[Path]:
    """The PNG files under root, outside the excluded sub-folders, of one part."""
    if part not in CUTOUT_PARTS:
        raise ValueError(f'cut-out part {part!r}: expected one of {", ".join(CUTOUT_PARTS)}')
    paths = []
    for path in sorted(root.rglob('*.png')):
        relative = path.relative_to(root)
        if relative.parts[0] in excluded:
            continue
        if part == 'all' or (part == 'held_out') == is_held_out(relative.as_posix()):
            paths.append(path)
    return paths


def read_cutout(path: Path, max_side: int = 256, min_opaque_pixels: int = 64) -> CutOut | None:
    """The cut-out in a PNG file, its longer side at most max_side; None when the file has no
    alpha channel or too few opaque pixels to be an object."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        return None
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)
    opaque = image[:, :, 3] > 127
    if opaque.sum() < min_opaque_pixels:
        return None
    rows, columns = np.flatnonzero(opaque.any(axis=1)), np.flatnonzero(opaque.any(axis=0))
    image = image[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale = max_side / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return CutOut(np.ascontiguousarray(image[:, :, :3]),
                  image[:, :, 3].astype(np.float32) / 255)
