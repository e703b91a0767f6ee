"""The scale filter: its features on hand-made patches, and the size changes it recovers."""

import math

import numpy as np
import pytest

from ros_tracker.atom.scale_filter import gradient_histograms, ScaleFilter, ScaleFilterParams
from scenes import zoomed_scene


def test_a_vertical_edge_fills_the_first_orientation_bin_of_its_cells():
    patch = np.zeros((1, 8, 8), np.float32)
    patch[0, :, 4:] = 100.0  # intensity steps along x between columns 3 and 4
    features = gradient_histograms(patch)[0]
    histograms, intensity = features[:4 * 9].reshape(4, 9), features[4 * 9:]
    # Columns 3 and 4 see a central difference of 50; column 3 is in the left cells, 4 in the
    # right ones: every cell has one unit-normalized histogram with all weight in bin 0.
    expected = np.zeros((4, 9), np.float32)
    expected[:, 0] = 4 * 50 / (4 * 50 + 1e-3)
    np.testing.assert_allclose(histograms, expected, rtol=1e-6)
    np.testing.assert_allclose(intensity, [0.0, 100 / 255, 0.0, 100 / 255], rtol=1e-6)


@pytest.mark.parametrize('steps', [0, 4, -4, 8])
def test_the_filter_finds_how_much_the_target_grew_to_a_step(steps):
    # Within one 1.02 step: the window over the pyramid pulls estimates slightly towards 1,
    # which later frames make up for.
    zoom = 1.02 ** steps
    first, box = zoomed_scene(1.0)
    gray = first.mean(axis=2).astype(np.float32)
    centre, size = (box.y + (box.h - 1) / 2, box.x + (box.w - 1) / 2), (box.h, box.w)
    scale_filter = ScaleFilter()
    scale_filter.initialize(gray, centre, size)
    zoomed = zoomed_scene(zoom)[0].mean(axis=2).astype(np.float32)
    found = math.log(scale_filter.estimate(zoomed, centre, size)) / math.log(1.02)
    assert abs(found - steps) <= 1 + 1e-9


def test_estimate_needs_a_filter_and_bad_settings_are_named():
    with pytest.raises(RuntimeError, match='before initialize'):
        ScaleFilter().estimate(np.zeros((20, 20), np.float32), (10, 10), (8, 8))
    with pytest.raises(ValueError, match='scales must be odd and at least 3, got 32'):
        ScaleFilterParams(scales=32)
    with pytest.raises(ValueError, match='step must exceed 1, got 0.98'):
        ScaleFilterParams(step=0.98)
    with pytest.raises(ValueError, match=r'learning_rate must be in \(0, 1\], got 0'):
        ScaleFilterParams(learning_rate=0)
