import math

import pytest

from ros_tracker.boxes import Box, InvalidBoxError, iou, validate_init_box


def test_conversions_round_trip():
    box = Box.from_center(50.0, 40.0, 20.0, 10.0)
    assert box == Box(40.0, 35.0, 20.0, 10.0)
    assert box.center == (50.0, 40.0)
    assert box.xyxy() == (40.0, 35.0, 60.0, 45.0)
    assert Box.from_xyxy(*box.xyxy()) == box
    assert box.area == 200.0


def test_iou_closed_form():
    # Two 10x10 boxes overlapping in a 5x10 strip: 50 / (100 + 100 - 50).
    assert iou(Box(0, 0, 10, 10), Box(5, 0, 10, 10)) == pytest.approx(1.0 / 3.0)
    assert iou(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1.0
    assert iou(Box(0, 0, 10, 10), Box(20, 20, 5, 5)) == 0.0
    assert iou(Box(0, 0, 0, 0), Box(0, 0, 0, 0)) == 0.0


def test_clip_keeps_inside_part():
    assert Box(-10, -5, 30, 20).clip(100, 100) == Box(0, 0, 20, 15)
    assert Box(90, 90, 30, 30).clip(100, 100) == Box(90, 90, 10, 10)
    assert Box(200, 200, 10, 10).clip(100, 100).area == 0.0


def test_validate_init_box_clips_a_box_crossing_the_border():
    assert validate_init_box(Box(-10, 10, 30, 20), 100, 80) == Box(0, 10, 20, 20)


@pytest.mark.parametrize('box, reason', [
    (Box(10, 10, 0, 20), 'non-positive'),
    (Box(10, 10, -5, 20), 'non-positive'),
    (Box(math.nan, 10, 5, 20), 'non-finite'),
    (Box(10, 10, math.inf, 20), 'non-finite'),
    (Box(500, 500, 20, 20), 'outside the 100x80 image'),
    (Box(99, 10, 20, 20), 'outside the 100x80 image'),
])
def test_validate_init_box_rejects_unusable_boxes(box, reason):
    with pytest.raises(InvalidBoxError, match=reason):
        validate_init_box(box, 100, 80)
