"""The static box: the floor of the benchmarks."""

import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.registry import build_tracker

FRAME = np.zeros((48, 64, 3), np.uint8)


def test_the_static_box_reports_the_initial_box_on_every_frame():
    tracker = build_tracker('static')
    tracker.initialize(FRAME, Box(10, 12, 20, 8))
    results = [tracker.track(np.full_like(FRAME, i)) for i in range(3)]
    assert [r.box for r in results] == [Box(10, 12, 20, 8)] * 3
    assert all(r.found and r.confidence == 1.0 for r in results)
    tracker.initialize(FRAME, Box(1, 2, 3, 4))
    assert tracker.track(FRAME).box == Box(1, 2, 3, 4)


def test_the_static_box_needs_an_initial_box():
    with pytest.raises(RuntimeError, match='before initialize'):
        build_tracker('static').track(FRAME)
