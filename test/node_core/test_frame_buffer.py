import threading

import pytest

from ros_tracker.node_core.frame_buffer import FrameBuffer, LatestSlot


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


def test_the_buffer_is_bounded_in_bytes_and_keeps_the_newest():
    buffer = FrameBuffer(capacity=10, max_bytes=250)
    for stamp in (1, 2, 3):
        buffer.push(stamp, stamp, size_bytes=100)
    assert len(buffer) == 2 and buffer.size_bytes == 200
    assert buffer.nearest(1, tolerance_ns=0) is None
    buffer.push(4, 4, size_bytes=1000)  # larger than the budget alone: kept, the rest dropped
    assert len(buffer) == 1 and buffer.latest() == (4, 4)


def test_wait_nearest_waits_for_a_frame_on_its_way():
    buffer = FrameBuffer(capacity=3)
    buffer.push(100, 'old')
    pusher = threading.Timer(0.05, buffer.push, (200, 'new'))
    pusher.start()
    assert buffer.wait_nearest(200, tolerance_ns=0, timeout_s=5.0) == (200, 'new')
    assert buffer.wait_nearest(300, tolerance_ns=0, timeout_s=0.05) is None
    assert buffer.wait_nearest(150, tolerance_ns=0, timeout_s=5.0) is None  # a newer frame came


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
