"""One target's life: initialization, per-frame tracking, lost hysteresis and every failure path.

This holds all the decisions the node makes about a target, without ROS, so each bad-input case
is tested directly; the node only converts messages and publishes what comes out.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import unicodedata

import numpy as np

from ros_tracker.boxes import Box, validate_init_box
from ros_tracker.node_core.lost import LostHysteresis
from ros_tracker.tracker import Tracker, TrackResult


class TargetState(str, enum.Enum):
    """IDLE: no target. TRACKING: target followed. LOST: target kept but not seen for a while."""

    IDLE = 'idle'
    TRACKING = 'tracking'
    LOST = 'lost'


@dataclass(frozen=True)
class FrameOutcome:
    """The session's answer for one processed frame.

    Attributes:
        stamp_ns: the frame's stamp.
        state: the target state after this frame.
        track_id: the current track's id ('' when idle).
        label: the class label to publish with the box.
        result: the tracker's output on this frame (None when no tracker ran).
        warning: what went wrong on this frame, for the log ('' when nothing did).
        tracker_failed: the tracker raised on this frame (counted in the node's diagnostics).
    """

    stamp_ns: int
    state: TargetState
    track_id: str
    label: str
    result: TrackResult | None
    warning: str = ''
    tracker_failed: bool = False

    @property
    def lost(self) -> bool:
        return self.state is not TargetState.TRACKING


#: Longest track id or label kept from a request; the rest is cut off.
MAX_IDENTIFIER_LENGTH = 128


def clean_identifier(text: str) -> str:
    """An id or label from a message, safe to log and publish: control and other invisible
    characters (newlines, ANSI escapes) removed, at most MAX_IDENTIFIER_LENGTH characters."""
    visible = ''.join(c for c in text if not unicodedata.category(c).startswith('C'))
    return visible[:MAX_IDENTIFIER_LENGTH]


class TrackerFailure(RuntimeError):
    """The tracker raised; the target was dropped."""


class TrackingSession:
    """Drives a Tracker for one target at a time.

    Args:
        tracker: the tracker to drive.
        lost_after: consecutive not-found frames before the target is declared lost.
        found_after: consecutive found frames before a lost target is declared found again.
        min_score: confidence under which a frame counts as not found, on top of the tracker's
            own not-found flag.
        default_label: class label used when an init request carries none.
    """

    def __init__(self, tracker: Tracker, lost_after: int = 3, found_after: int = 2,
                 min_score: float = 0.0, default_label: str = 'target') -> None:
        self.tracker = tracker
        self.min_score = min_score
        self.default_label = default_label
        self.hysteresis = LostHysteresis(lost_after, found_after)
        self.state = TargetState.IDLE
        self.track_id = ''
        self.label = default_label
        self._count = 0
        self._size: tuple[int, int] | None = None
        self._last_stamp_ns: int | None = None

    def initialize(self, frame: np.ndarray, box: Box, stamp_ns: int,
                   track_id: str = '', label: str = '') -> Box:
        """Start a new track on frame; returns the (clipped) box actually used.

        Raises:
            InvalidBoxError: the box is unusable; the current target is kept.
            TrackerFailure: the tracker raised; the target is dropped.
        """
        height, width = frame.shape[:2]
        box = validate_init_box(box, width, height)
        try:
            self.tracker.initialize(frame, box)
        except Exception as error:  # the node must survive any tracker fault (e.g. CUDA OOM)
            self.reset()
            raise TrackerFailure(f'tracker failed to initialize: {error!r}') from error
        self._count += 1
        self.track_id = clean_identifier(track_id) or f'track_{self._count}'
        self.label = clean_identifier(label) or self.default_label
        self.state = TargetState.TRACKING
        self.hysteresis.restart()
        self._size = (height, width)
        self._last_stamp_ns = stamp_ns
        return box

    def reset(self) -> None:
        """Forget the target."""
        self.state = TargetState.IDLE
        self.track_id = ''
        self._size = None

    def process(self, frame: np.ndarray, stamp_ns: int) -> FrameOutcome | None:
        """Track on a frame newer than the last one; None when the frame was already processed."""
        if self._last_stamp_ns is not None and stamp_ns <= self._last_stamp_ns:
            if stamp_ns == self._last_stamp_ns:
                return None
            jump_s = (self._last_stamp_ns - stamp_ns) * 1e-9
            self._last_stamp_ns = stamp_ns
            return self._drop(stamp_ns, f'image stamps went backwards by {jump_s:.3f} s')
        self._last_stamp_ns = stamp_ns
        if self.state is TargetState.IDLE:
            return self._outcome(stamp_ns, None)
        if frame.shape[:2] != self._size:
            return self._drop(stamp_ns, f'image size changed from {self._size[1]}x{self._size[0]}'
                                        f' to {frame.shape[1]}x{frame.shape[0]}')
        try:
            result = self.tracker.track(frame)
        except Exception as error:  # the node must survive any tracker fault (e.g. CUDA OOM)
            return self._drop(stamp_ns, f'tracker failed: {error!r}', tracker_failed=True)
        if not result.box.is_finite():
            return self._drop(stamp_ns, f'tracker returned a non-finite box {result.box}')
        found = result.found and result.confidence >= self.min_score
        lost = self.hysteresis.update(found)
        self.state = TargetState.LOST if lost else TargetState.TRACKING
        return self._outcome(stamp_ns, result)

    def _drop(self, stamp_ns: int, reason: str, tracker_failed: bool = False) -> FrameOutcome:
        had_target = self.state is not TargetState.IDLE
        self.reset()
        warning = f'{reason}; target dropped' if had_target else reason
        return self._outcome(stamp_ns, None, warning, tracker_failed)

    def _outcome(self, stamp_ns: int, result: TrackResult | None, warning: str = '',
                 tracker_failed: bool = False) -> FrameOutcome:
        return FrameOutcome(stamp_ns, self.state, self.track_id, self.label, result, warning,
                            tracker_failed)
