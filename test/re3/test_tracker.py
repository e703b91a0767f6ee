import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.re3.tracker import clamp_box, crop, crop_window, decode
from ros_tracker.registry import build_tracker
from scenes import scene

VARIANTS = ['re3', 'residual_re3', 'dense_re3']


def test_crop_window_and_decoding_are_inverse():
    box = Box(100.0, 50.0, 40.0, 20.0)
    window = crop_window(box, 2.0)
    assert window == Box(80.0, 40.0, 80.0, 40.0)  # twice the size, same centre, not squared
    # The box fills the middle half of its crop: (2.5, 2.5, 7.5, 7.5) on the 0..10 scale.
    assert decode(np.array([2.5, 2.5, 7.5, 7.5]), window) == box
    assert decode(np.array([7.5, 7.5, 2.5, 2.5]), window) == box  # corners sorted


def test_crop_is_black_outside_the_image():
    image = np.full((100, 100, 3), 200, np.uint8)
    patch = crop(image, Box(-100.0, 0.0, 200.0, 100.0))  # left half outside
    assert patch.shape == (227, 227, 3)
    assert patch[:, :110].max() == 0 and patch[:220, 120:220].min() == 200


def test_clamp_keeps_a_pixel_inside_the_image():
    assert clamp_box(Box(-50, -50, 20, 20), 100, 80) == Box(0, 0, 1, 1)
    assert clamp_box(Box(90, 70, 30, 30), 100, 80) == Box(90, 70, 10, 10)


def run(tracker, steps):
    tracker.initialize(*scene(60, 100))
    return [tracker.track(scene(60 + 3 * step, 100)[0]) for step in range(1, steps + 1)]


@pytest.mark.parametrize('variant', VARIANTS)
def test_every_variant_tracks_deterministically(variant):
    first = run(build_tracker(variant), 4)
    second = run(build_tracker(variant), 4)
    assert [r.box for r in first] == [r.box for r in second]
    assert all(r.box.is_finite() and r.box.w >= 1 and 0.0 <= r.confidence <= 1.0
               for r in first)
    assert all(r.found == (r.confidence >= 0.15) for r in first)


def test_lstm_state_is_reset_after_every_32nd_tracked_frame_as_officially():
    # The official tracker counts its forward passes from 0 (the init pass) and resets after
    # the pass whose count is a positive multiple of 32: the 32nd and 64th tracked frames.
    results = run(build_tracker('dense_re3'), 65)
    resets = [index + 1 for index, r in enumerate(results) if 'reset' in r.stage_ms]
    assert resets == [32, 64]


def test_confidence_falls_for_size_jumps():
    tracker = build_tracker('re3')
    frame, box = scene(60, 100)
    tracker.initialize(frame, box)
    assert tracker._confidence(frame, box) == pytest.approx(1.0)
    bigger = Box.from_center(*box.center, box.w * 3, box.h)  # area x3 in one frame
    assert tracker._confidence(frame, bigger) <= 0.5


def test_runs_on_real_video(shared_sequences):
    sequence = read_uniform_sequence(shared_sequences / 'OTB' / 'Crossing')
    tracker = build_tracker('dense_re3')
    tracker.initialize(sequence.frame(0), sequence.boxes[0])
    for index in range(1, 4):
        assert tracker.track(sequence.frame(index)).box.is_finite()
