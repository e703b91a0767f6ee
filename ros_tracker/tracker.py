"""The interface every tracker implements, whatever its family, and how a family tells the
registry to build its trackers."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.weights import Weights


@dataclass(frozen=True)
class TrackResult:
    """What a tracker says about one frame.

    Attributes:
        box: the target's box in pixels of that frame.
        confidence: the tracker's confidence in [0, 1].
        found: False when the tracker itself believes the target is not in the frame.
        stage_ms: milliseconds spent in each stage of the tracker on this frame (for benchmarks;
            empty for trackers that do not report stages).
        signals: named cues of the tracker's certainty beyond confidence and found, which its
            calibrated confidence weighs (ros_tracker.confidence).
    """

    box: Box
    confidence: float
    found: bool
    stage_ms: Mapping[str, float] = field(default_factory=dict)
    signals: Mapping[str, float] = field(default_factory=dict)


class Tracker(abc.ABC):
    """A single-object tracker over BGR frames (numpy uint8 arrays of shape [H, W, 3])."""

    #: The device the tracker computes on ('cpu', 'cuda:0', ...).
    device: str = 'cpu'

    @abc.abstractmethod
    def initialize(self, frame: np.ndarray, box: Box) -> None:
        """Start following the object inside box on frame, forgetting any previous target."""

    @abc.abstractmethod
    def track(self, frame: np.ndarray) -> TrackResult:
        """Locate the target on the next frame."""


def warm_up(tracker: Tracker, width: int = 640, height: int = 480, steps: int = 3) -> None:
    """Run one initialization and a few tracking steps on a synthetic textured frame.

    Lazy allocations, kernel selection and caches happen here instead of on the user's first
    init box, which is why the node calls this at start-up.
    """
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    tracker.initialize(frame, Box(width / 4.0, height / 4.0, width / 4.0, height / 4.0))
    for _ in range(steps):
        tracker.track(frame)


@dataclass(frozen=True)
class BuildOptions:
    """Settings that every tracker accepts, whatever its family.

    Attributes:
        device: 'auto', 'cpu', 'cuda' or 'cuda:N'.
        weights: the resolved weights (ros_tracker.registry.resolve_weights); None for the
            tracker's default: its shipped file, or random weights where it has none.
        half: run the network in half precision where the tracker has one.
    """

    device: str = 'auto'
    weights: Weights | None = None
    half: bool = False


@dataclass(frozen=True)
class TrackerSpec:
    """How to build one tracker; each family exports the specs of its trackers.

    Attributes:
        description: one line for command-line listings and launch-argument help.
        params_type: the frozen dataclass holding the tracker's own parameters.
        build: makes a tracker from its parameters and the common options (their weights
            resolved).
        network: makes the tracker's (randomly initialized) network, for summaries; None for
            trackers without one.
        signals: the cues the tracker adds to TrackResult.signals, whose calibrated confidence
            (ros_tracker.confidence) its parameters confidence_model and min_probability hold;
            None for a tracker whose confidence is not calibrated.
    """

    description: str
    params_type: type
    build: Callable[[Any, BuildOptions], Tracker]
    network: Callable[[], Any] | None = None
    signals: tuple[str, ...] | None = None
