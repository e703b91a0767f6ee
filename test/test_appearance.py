import numpy as np
import pytest

from ros_tracker.appearance import agreement, grey_patch
from ros_tracker.boxes import Box


def test_agreement_closed_form():
    patch = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert agreement(patch, patch) == pytest.approx(1.0)
    assert agreement(patch, 2 * patch + 5) == pytest.approx(1.0)
    assert agreement(patch, -patch) == 0.0  # anti-correlated clips to 0
    assert agreement(np.ones((4, 4), np.float32), patch) == 0.0  # flat: nothing to compare


def test_grey_patch_samples_the_box_and_zero_fills_outside():
    frame = np.zeros((20, 20, 3), np.uint8)
    frame[:10, :10] = 255
    inside = grey_patch(frame, Box(0, 0, 10, 10), 4)
    assert inside.shape == (4, 4) and np.all(inside == 255)
    outside = grey_patch(frame, Box(-10, -10, 10, 10), 4)
    assert np.all(outside == 0)
