"""Drawing training items: sources weighed equally, still images, box arrays."""

from __future__ import annotations

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


def box_array(boxes: list[Box]) -> np.ndarray:
    """Boxes as a float32 array [N, 4] of x, y, w, h."""
    return np.array([(b.x, b.y, b.w, b.h) for b in boxes], np.float32).reshape(-1, 4)
