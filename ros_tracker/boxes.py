"""Axis-aligned pixel boxes and the checks every tracker input goes through."""

from __future__ import annotations

from dataclasses import dataclass
import math


@dataclass(frozen=True)
class Box:
    """A box in pixels: top-left corner (x, y), width w and height h (the OTB convention)."""

    x: float
    y: float
    w: float
    h: float

    @classmethod
    def from_xyxy(cls, x1: float, y1: float, x2: float, y2: float) -> 'Box':
        return cls(x1, y1, x2 - x1, y2 - y1)

    @classmethod
    def from_center(cls, cx: float, cy: float, w: float, h: float) -> 'Box':
        return cls(cx - w / 2.0, cy - h / 2.0, w, h)

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    @property
    def area(self) -> float:
        return max(self.w, 0.0) * max(self.h, 0.0)

    def xyxy(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.x + self.w, self.y + self.h

    def is_finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.x, self.y, self.w, self.h))

    def clip(self, width: int, height: int) -> 'Box':
        """The part of the box inside a width x height image (zero size when outside)."""
        x1, y1, x2, y2 = self.xyxy()
        x1, x2 = min(max(x1, 0.0), width), min(max(x2, 0.0), width)
        y1, y2 = min(max(y1, 0.0), height), min(max(y2, 0.0), height)
        return Box.from_xyxy(x1, y1, max(x2, x1), max(y2, y1))


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0 when either is empty."""
    ax1, ay1, ax2, ay2 = a.xyxy()
    bx1, by1, bx2, by2 = b.xyxy()
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = a.area + b.area - inter
    return inter / union if union > 0.0 else 0.0


class InvalidBoxError(ValueError):
    """An initialization box that no tracker can start from."""


def validate_init_box(box: Box, width: int, height: int, min_size: float = 2.0) -> Box:
    """Return the init box clipped to the image, or raise InvalidBoxError saying why not.

    A box that sticks out of the image is clipped (users click near the border); one that is not
    finite, has no positive size, or keeps less than min_size pixels per side inside the image is
    rejected, because a tracker started from it would follow nothing.
    """
    if not box.is_finite():
        raise InvalidBoxError(f'box {box} has a non-finite coordinate')
    if box.w <= 0.0 or box.h <= 0.0:
        raise InvalidBoxError(f'box {box} has a non-positive width or height')
    clipped = box.clip(width, height)
    if clipped.w < min_size or clipped.h < min_size:
        raise InvalidBoxError(
            f'box {box} lies outside the {width}x{height} image '
            f'(less than {min_size:g} px per side inside)')
    return clipped
