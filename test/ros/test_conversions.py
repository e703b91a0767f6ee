import pytest
from std_msgs.msg import Header
from vision_msgs.msg import Detection2D

from ros_tracker.boxes import Box
from ros_tracker.node_core.session import FrameOutcome, TargetState
from ros_tracker.ros.conversions import (box_from_detection, detection_label, make_detection,
                                         ns_to_stamp, outcome_to_detections, stamp_to_ns)
from ros_tracker.tracker import TrackResult

HEADER = Header(stamp=ns_to_stamp(12_000_000_345), frame_id='camera')


def test_stamps_round_trip():
    assert (HEADER.stamp.sec, HEADER.stamp.nanosec) == (12, 345)
    assert stamp_to_ns(HEADER.stamp) == 12_000_000_345


def test_detection_fields():
    detection = make_detection(HEADER, Box(10, 20, 30, 40), 'track_2', 'car', 0.75)
    assert detection.header == HEADER and detection.id == 'track_2'
    assert (detection.bbox.center.position.x, detection.bbox.center.position.y) == (25.0, 40.0)
    assert (detection.bbox.size_x, detection.bbox.size_y, detection.bbox.center.theta) == (
        30.0, 40.0, 0.0)
    assert detection.results[0].hypothesis.class_id == 'car'
    assert detection.results[0].hypothesis.score == 0.75
    assert box_from_detection(detection) == Box(10, 20, 30, 40)
    assert detection_label(detection) == 'car'
    assert detection_label(Detection2D()) == ''


@pytest.mark.parametrize('state, count', [
    (TargetState.TRACKING, 1), (TargetState.LOST, 0), (TargetState.IDLE, 0)])
def test_one_detection_only_while_tracking(state, count):
    outcome = FrameOutcome(0, state, 'track_1', 'car', TrackResult(Box(0, 0, 4, 4), 0.5, True))
    message = outcome_to_detections(HEADER, outcome)
    assert message.header == HEADER and len(message.detections) == count
