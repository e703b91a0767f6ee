import pytest

from ros_tracker.frame_buffer import FrameBuffer, LatestSlot


def test_nearest_within_tolerance():
    buffer = FrameBuffer(capacity=3)
    for stamp in (100, 200, 300):
        buffer.push(stamp, f'frame{stamp}')
    assert buffer.nearest(210, tolerance_ns=20) == (200, 'frame200')
    assert buffer.nearest(250, tolerance_ns=20) is None
    assert buffer.latest() == (300, 'frame300')


def test_capacity_keeps_the_newest():
    buffer = FrameBuffer(capacity=2)
    for stamp in (1, 2, 3):
        buffer.push(stamp, stamp)
    assert len(buffer) == 2
    assert buffer.nearest(1, tolerance_ns=0) is None
    buffer.clear()
    assert buffer.latest() is None


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        FrameBuffer(0)


def test_latest_slot_replaces_and_reports_drops():
    slot = LatestSlot()
    assert slot.put('a') is False
    assert slot.put('b') is True
    assert slot.take() == 'b'
    assert slot.take() is None
    assert slot.put('c') is False
