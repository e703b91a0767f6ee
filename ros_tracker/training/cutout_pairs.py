"""Image pairs of an object cut-out pasted over a real frame, the stand-in here for ATOM's
synthetic pairs of COCO objects: an unbounded number of distinct targets with exact boxes.

The target appears in both frames at a random size and place; in the second it has moved,
changed scale, aspect ratio, rotation and brightness. Other cut-outs are pasted as distractors
(sometimes a second copy of the target itself, the hardest distractor), and sometimes one of
them partly covers the target in the second frame. A box is the extent of the target's own
opaque pixels inside the frame, occluded or not, as an annotator would draw it.
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import math
from pathlib import Path

import cv2
import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.datasets.cutouts import CutOut, read_cutout


@dataclass(frozen=True)
class CutoutPairSettings:
    """How cut-out pairs are drawn.

    Attributes:
        target_size: range of the target's sqrt(w * h), as a fraction of the frame's shorter
            side (log-uniform).
        motion: standard deviation of the target's displacement, in target sizes.
        scale_sigma: standard deviation of the log scale change.
        aspect_sigma: standard deviation of the log aspect-ratio change.
        rotation_sigma: standard deviation of the in-plane rotation in degrees (each frame).
        brightness_sigma: standard deviation of the target's log brightness change.
        max_distractors: up to this many other cut-outs per pair.
        twin_probability: chance that a distractor is a copy of the target.
        occlusion_probability: chance that a distractor covers part of the target in the
            second frame.
        occluder_size: range of an occluder's size relative to the target's.
    """

    target_size: tuple[float, float] = (0.08, 0.4)
    motion: float = 0.5
    scale_sigma: float = 0.15
    aspect_sigma: float = 0.1
    rotation_sigma: float = 8.0
    brightness_sigma: float = 0.1
    max_distractors: int = 3
    twin_probability: float = 0.2
    occlusion_probability: float = 0.3
    occluder_size: tuple[float, float] = (0.3, 0.7)


@dataclass(frozen=True)
class Placement:
    """Where a cut-out lands: its centre, sqrt(w * h) and aspect ratio before rotation, and its
    rotation in degrees."""

    center: tuple[float, float]
    size: float
    aspect: float
    angle: float

    def matrix(self, cutout: CutOut) -> np.ndarray:
        """The 2 x 3 affine map from the cut-out's pixels to the frame's."""
        height, width = cutout.alpha.shape
        scale = self.size / math.sqrt(width * height)
        scale_x, scale_y = scale * math.sqrt(self.aspect), scale / math.sqrt(self.aspect)
        cos, sin = math.cos(math.radians(self.angle)), math.sin(math.radians(self.angle))
        linear = np.array([[cos, -sin], [sin, cos]]) @ np.diag([scale_x, scale_y])
        offset = np.array(self.center) - linear @ (np.array([width, height]) / 2)
        return np.hstack([linear, offset[:, None]])


@functools.lru_cache(maxsize=2048)
def cached_cutout(path: Path) -> CutOut | None:
    """read_cutout, once per file and process."""
    return read_cutout(path)


def paste(frame: np.ndarray, cutout: CutOut, placement: Placement,
          brightness: float = 1.0) -> np.ndarray:
    """Blends the placed cut-out into frame (in place) and returns its opacity over the frame."""
    height, width = frame.shape[:2]
    matrix = placement.matrix(cutout)
    color = cv2.warpAffine(cutout.color, matrix, (width, height), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(cutout.alpha, matrix, (width, height), flags=cv2.INTER_LINEAR)
    blended = (frame * (1 - alpha[:, :, None])
               + np.clip(color * brightness, 0, 255) * alpha[:, :, None])
    frame[:] = np.rint(blended).astype(np.uint8)
    return alpha


def opaque_box(alpha: np.ndarray) -> Box | None:
    """The extent of the pixels at least half opaque; None when there are none."""
    opaque = alpha >= 0.5
    rows, columns = np.flatnonzero(opaque.any(axis=1)), np.flatnonzero(opaque.any(axis=0))
    if not len(rows):
        return None
    return Box(float(columns[0]), float(rows[0]), float(columns[-1] + 1 - columns[0]),
               float(rows[-1] + 1 - rows[0]))


def _random_placement(frame: np.ndarray, size: float, settings: CutoutPairSettings,
                      rng: np.random.Generator) -> Placement:
    height, width = frame.shape[:2]
    return Placement((rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height), size,
                     1.0, rng.normal(0, settings.rotation_sigma))


def _moved(placement: Placement, frame: np.ndarray, settings: CutoutPairSettings,
           rng: np.random.Generator) -> Placement:
    height, width = frame.shape[:2]
    center = np.array(placement.center) + rng.normal(0, settings.motion * placement.size, 2)
    center = np.clip(center, (0.05 * width, 0.05 * height), (0.95 * width, 0.95 * height))
    return Placement((float(center[0]), float(center[1])),
                     placement.size * math.exp(rng.normal(0, settings.scale_sigma)),
                     placement.aspect * math.exp(rng.normal(0, settings.aspect_sigma)),
                     rng.normal(0, settings.rotation_sigma))


def render_cutout_pair(background: np.ndarray, target: CutOut, others: list[CutOut],
                       rng: np.random.Generator,
                       settings: CutoutPairSettings = CutoutPairSettings()
                       ) -> tuple[list[np.ndarray], list[Box]] | None:
    """Two frames (BGR) with the target pasted over background, and its box in each; None when
    the target ends up too small or outside a frame."""
    frames = [background.copy(), background.copy()]
    short_side = min(background.shape[:2])
    size = math.exp(rng.uniform(*np.log(settings.target_size))) * short_side
    first = _random_placement(background, size, settings, rng)
    placements = [first, _moved(first, background, settings, rng)]
    distractors = []
    for _ in range(rng.integers(settings.max_distractors + 1)):
        twin = rng.random() < settings.twin_probability or not others
        cutout = target if twin else others[rng.integers(len(others))]
        where = _random_placement(background, size * math.exp(rng.normal(0, 0.3)), settings,
                                  rng)
        distractors.append((cutout, where, _moved(where, background, settings, rng)))
    for cutout, *places in distractors:
        for frame, place in zip(frames, places):
            paste(frame, cutout, place)
    boxes = []
    for frame, place in zip(frames, placements):
        brightness = math.exp(rng.normal(0, settings.brightness_sigma))
        box = opaque_box(paste(frame, target, place, brightness))
        if box is None or min(box.w, box.h) < 4:
            return None
        boxes.append(box)
    if others and rng.random() < settings.occlusion_probability:
        box = boxes[1]
        center = (rng.uniform(box.x, box.x + box.w), rng.uniform(box.y, box.y + box.h))
        size = math.sqrt(box.w * box.h) * rng.uniform(*settings.occluder_size)
        paste(frames[1], others[rng.integers(len(others))],
              Placement(center, size, 1.0, rng.normal(0, settings.rotation_sigma)))
    return frames, boxes
