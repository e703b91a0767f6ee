import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.node_core.overlay import COLOURS, contact_sheet, draw_outcome
from ros_tracker.node_core.session import FrameOutcome, TargetState
from ros_tracker.tracker import TrackResult


def test_draws_the_box_in_the_state_colour_without_touching_the_input():
    frame = np.zeros((100, 120, 3), np.uint8)
    outcome = FrameOutcome(0, TargetState.LOST, 'track_1', 'car',
                           TrackResult(Box(30, 40, 50, 30), 0.2, False))
    canvas = draw_outcome(frame, outcome, rate_hz=25.0)
    assert not frame.any()
    assert tuple(canvas[40, 55]) == COLOURS[TargetState.LOST]  # top edge of the box
    assert not canvas[55, 55].any()  # inside the box stays untouched


def test_contact_sheet_picks_evenly_spaced_frames(tmp_path):
    path = str(tmp_path / 'video.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10, (64, 48))
    for value in range(0, 250, 25):  # 10 flat frames: 0, 25, ..., 225
        writer.write(np.full((48, 64, 3), value, np.uint8))
    writer.release()
    sheet = contact_sheet(path, count=4, columns=2, width=32)
    assert sheet.shape == (48, 64, 3)
    # Frames 0, 3, 6 and 9 of 10, row by row.
    assert [int(round(sheet[y, x].mean())) for y, x in ((5, 5), (5, 40), (30, 5), (30, 40))] == \
        pytest.approx([0, 75, 150, 225], abs=3)
    assert contact_sheet(str(tmp_path / 'missing.avi')) is None
