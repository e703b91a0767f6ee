import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.training.synthetic import render_sequence, SyntheticSettings

RED = (0, 0, 255)


def _still():
    """A grey image with a small pure-red target: its resized copy in the background covers at
    most 4x4 canvas pixels, while the moving target is 60..200 pixels wide."""
    image = np.full((300, 400, 3), 90, np.uint8)
    image[100:103, 150:154] = RED
    return image, Box(150, 100, 4, 3)


def _red_mask(frame):
    return (frame[..., 2] > 200) & (frame[..., 1] < 60) & (frame[..., 0] < 60)


def test_boxes_are_where_the_target_is_rendered():
    image, box = _still()
    settings = SyntheticSettings(occluders_behind=0, occluders_in_front=0, blur_probability=0,
                                 illumination_sigma=0, feather=0, context=1.0)
    frames, boxes = render_sequence(image, box, 12, np.random.default_rng(5), settings)
    background = _red_mask(np.asarray(
        __import__('cv2').resize(image, (400, 400), interpolation=3)))
    checked = 0
    for frame, truth in zip(frames, boxes):
        mask = _red_mask(frame) & ~background
        x1, y1, x2, y2 = truth.xyxy()
        if x1 < 0 or y1 < 0 or x2 > 400 or y2 > 400:
            continue  # partly outside the canvas: the visible part is smaller
        ys, xs = np.nonzero(mask)
        assert (xs.min(), ys.min()) == pytest.approx((x1, y1), abs=1.0)
        assert (xs.max() + 1, ys.max() + 1) == pytest.approx((x2, y2), abs=1.0)
        checked += 1
    assert checked >= 6
    assert len({(round(b.x), round(b.y)) for b in boxes}) > 6  # the target moves


def test_the_same_seed_renders_the_same_sequence():
    image, box = _still()
    image[::7, ::5] = (20, 200, 20)  # texture for the occluders
    first = render_sequence(image, box, 5, np.random.default_rng(3))
    again = render_sequence(image, box, 5, np.random.default_rng(3))
    other = render_sequence(image, box, 5, np.random.default_rng(4))
    assert all(np.array_equal(a, b) for a, b in zip(first[0], again[0]))
    assert first[1] == again[1]
    assert first[1] != other[1]
    assert first[0][0].shape == (400, 400, 3) and first[0][0].dtype == np.uint8


def test_occluders_in_front_hide_part_of_the_target():
    image, box = _still()
    image[200:, :] = (255, 255, 255)  # occluders are cut from here or from the grey
    clear = SyntheticSettings(occluders_behind=0, occluders_in_front=0, blur_probability=0,
                              illumination_sigma=0, context=1.0)
    crowded = SyntheticSettings(occluders_behind=0, occluders_in_front=40, blur_probability=0,
                                illumination_sigma=0, context=1.0)
    plain, plain_boxes = render_sequence(image, box, 6, np.random.default_rng(2), clear)
    hidden, hidden_boxes = render_sequence(image, box, 6, np.random.default_rng(2), crowded)
    assert hidden_boxes[0] == plain_boxes[0]
    assert sum(_red_mask(f).sum() for f in hidden) < sum(_red_mask(f).sum() for f in plain)


def test_bad_arguments_are_refused():
    image, _ = _still()
    with pytest.raises(ValueError, match='no area inside'):
        render_sequence(image, Box(500, 10, 20, 20), 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match='length'):
        render_sequence(image, Box(10, 10, 20, 20), 0, np.random.default_rng(0))
