import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.overlay import COLOURS, draw_outcome
from ros_tracker.session import FrameOutcome, TargetState
from ros_tracker.tracker import TrackResult


def test_draws_the_box_in_the_state_colour_without_touching_the_input():
    frame = np.zeros((100, 120, 3), np.uint8)
    outcome = FrameOutcome(0, TargetState.LOST, 'track_1', 'car',
                           TrackResult(Box(30, 40, 50, 30), 0.2, False))
    canvas = draw_outcome(frame, outcome, rate_hz=25.0)
    assert not frame.any()
    assert tuple(canvas[40, 55]) == COLOURS[TargetState.LOST]  # top edge of the box
    assert not canvas[55, 55].any()  # inside the box stays untouched
