"""The floor of every benchmark: a "tracker" that keeps the initial box on every frame.

A learned tracker that does not beat it has learned nothing about following a target; the
evaluation toolkit runs it next to the trackers so that the comparison is in the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.tracker import Tracker, TrackerSpec, TrackResult


@dataclass(frozen=True)
class StaticParams:
    """The static box has no settings."""


class StaticBoxTracker(Tracker):
    """Reports the initialization box, found, with confidence 1, on every frame."""

    def __init__(self, params: StaticParams) -> None:
        self.params = params
        self._box: Box | None = None

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        self._box = box

    def track(self, frame: np.ndarray) -> TrackResult:
        if self._box is None:
            raise RuntimeError('track() called before initialize()')
        return TrackResult(self._box, 1.0, True)


SPEC = TrackerSpec(
    description='the initial box on every frame: the floor a tracker must beat (benchmarks)',
    params_type=StaticParams,
    build=lambda params, options: StaticBoxTracker(params),
)
