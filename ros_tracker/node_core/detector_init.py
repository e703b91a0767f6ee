"""Which detection of a detector's output starts a track (e.g. yolo_ros's Detection2DArray)."""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Sequence

from ros_tracker.boxes import Box


@dataclass(frozen=True)
class Candidate:
    """One detection offered to start a track.

    Attributes:
        box: the detection's pixel box.
        detection_id: the detector's id for it ('' when it has none).
        class_id: its best hypothesis's class.
        score: that hypothesis's score.
    """

    box: Box
    detection_id: str
    class_id: str
    score: float


@dataclass(frozen=True)
class Selection:
    """How a detection is chosen: select is 'best_class' (highest score among class_id, any
    class when class_id is ''), 'id' (the detection whose id is detection_id) or 'nearest'
    (centre nearest to point, given as fractions of the image width and height)."""

    select: str = 'best_class'
    class_id: str = ''
    detection_id: str = ''
    point: tuple[float, float] = (0.5, 0.5)
    min_score: float = 0.0


def choose_detection(candidates: Sequence[Candidate], selection: Selection, width: int,
                     height: int) -> Candidate | None:
    """The candidate that starts the track, or None when none qualifies."""
    usable = [c for c in candidates if c.score >= selection.min_score and c.box.is_finite()]
    if selection.select == 'id':
        return next((c for c in usable if c.detection_id == selection.detection_id), None)
    if selection.select == 'nearest':
        px, py = selection.point[0] * width, selection.point[1] * height
        return min(usable, default=None,
                   key=lambda c: math.hypot(c.box.center[0] - px, c.box.center[1] - py))
    if selection.select == 'best_class':
        wanted = selection.class_id
        of_class = [c for c in usable if not wanted or c.class_id == wanted]
        return max(of_class, default=None, key=lambda c: c.score)
    raise ValueError(f"unknown selection {selection.select!r}; accepted: 'best_class', 'id', "
                     "'nearest'")
