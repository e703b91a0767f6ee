"""An annotated sequence and the reader of the project's uniform layout.

Uniform layout: ``<root>/<dataset>/<sequence>/img/00001.jpg ...``, ``groundtruth.txt`` with one
``x,y,w,h`` line per frame (0-based pixels; ``nan`` where there is no box) and ``meta.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import math
from pathlib import Path

import cv2
import numpy as np

from ros_tracker.boxes import Box


@dataclass(frozen=True)
class Sequence:
    """Frames of one track with their ground truth.

    Attributes:
        name: ``<dataset>/<sequence>``.
        frame_paths: image files in order.
        boxes: ground-truth box per frame; None where there is no box.
        attributes: challenge attributes (benchmark abbreviations such as OCC, FM).
        gaps_unannotated: True where a frame without a box was not annotated (only every n-th
            frame was), rather than one without the target.
    """

    name: str
    frame_paths: list[Path]
    boxes: list[Box | None]
    attributes: list[str] = field(default_factory=list)
    gaps_unannotated: bool = False

    def __post_init__(self) -> None:
        if len(self.frame_paths) != len(self.boxes):
            raise ValueError(f'{self.name}: {len(self.frame_paths)} frames but '
                             f'{len(self.boxes)} ground-truth boxes')

    def __len__(self) -> int:
        return len(self.frame_paths)

    def frame(self, index: int) -> np.ndarray:
        """Frame index as a BGR uint8 array."""
        return read_image(self.frame_paths[index])


@dataclass(frozen=True)
class StillImage:
    """A still image with the boxes of its objects (ImageNet DET, COCO), or with none when any
    region of it may serve as a target: the source of synthetic sequences and of image
    pairs."""

    path: Path
    boxes: list[Box]

    def image(self) -> np.ndarray:
        """The image as a BGR uint8 array."""
        return read_image(self.path)


def read_image(path: Path) -> np.ndarray:
    """An image file as a BGR uint8 array; OSError when it cannot be read."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f'cannot read {path}')
    return image


def parse_box(line: str) -> Box | None:
    """A ground-truth line (comma, tab or space separated) as a Box; None for nan rows."""
    values = [float(v) for v in line.replace(',', ' ').replace('\t', ' ').split()]
    if len(values) != 4:
        raise ValueError(f'expected 4 numbers, got {line!r}')
    return None if any(math.isnan(v) for v in values) else Box(*values)


def read_uniform_sequence(directory: str | Path) -> Sequence:
    """Read one sequence folder of the uniform layout."""
    directory = Path(directory)
    lines = (directory / 'groundtruth.txt').read_text(encoding='utf-8').split('\n')
    boxes = [parse_box(line) for line in lines if line.strip()]
    frames = sorted((directory / 'img').glob('*.jpg'))
    meta_path = directory / 'meta.json'
    meta = json.loads(meta_path.read_text(encoding='utf-8')) if meta_path.exists() else {}
    return Sequence(f'{directory.parent.name}/{directory.name}', frames, boxes,
                    list(meta.get('attributes', [])),
                    str(meta.get('nan_rows_mean', '')).startswith('not annotated'))
