"""Drawing training items: sources weighed equally, still images and their targets, box
arrays."""

from __future__ import annotations

import math
from typing import Generic, TypeVar

import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import StillImage
from ros_tracker.datasets.training_sets import TrainingData

T = TypeVar('T')


class EqualSources(Generic[T]):
    """Items grouped by the source they came from; a draw picks a source uniformly, then an
    item of it (a single source costs no draw, so one-source runs keep their samples)."""

    def __init__(self, items: list[T], sources: list[int]) -> None:
        groups: dict[int, list[T]] = {}
        for item, source in zip(items, sources):
            groups.setdefault(source, []).append(item)
        self.groups = list(groups.values())

    def __len__(self) -> int:
        return sum(len(group) for group in self.groups)

    def draw(self, rng: np.random.Generator) -> T:
        if len(self.groups) == 1:
            group = self.groups[0]
        else:
            group = self.groups[rng.integers(len(self.groups))]
        return group[rng.integers(len(group))]


def annotated_frames(data: TrainingData) -> list[StillImage]:
    """Still images for synthetic data: the data's stills, or else every 10th annotated frame of
    its sequences."""
    if data.stills:
        return data.stills
    return [StillImage(s.frame_paths[i], [s.boxes[i]]) for s in data.sequences
            for i in range(0, len(s), 10) if s.boxes[i] is not None]


def draw_target(still: StillImage, image: np.ndarray, rng: np.random.Generator,
                size_range: tuple[float, float] = (0.08, 0.4),
                max_aspect: float = 2.5) -> Box:
    """One of the still's boxes; for a still without boxes a random region inside the image,
    its size sqrt(w * h) log-uniform in size_range times the shorter image side and its aspect
    ratio log-uniform up to max_aspect either way."""
    if still.boxes:
        return still.boxes[rng.integers(len(still.boxes))]
    height, width = image.shape[:2]
    size = math.exp(rng.uniform(*np.log(size_range))) * min(width, height)
    aspect = math.exp(rng.uniform(-math.log(max_aspect), math.log(max_aspect)))
    w = min(size * math.sqrt(aspect), width)
    h = min(size / math.sqrt(aspect), height)
    return Box(rng.uniform(0, width - w), rng.uniform(0, height - h), w, h)


def box_array(boxes: list[Box]) -> np.ndarray:
    """Boxes as a float32 array [N, 4] of x, y, w, h."""
    return np.array([(b.x, b.y, b.w, b.h) for b in boxes], np.float32).reshape(-1, 4)
