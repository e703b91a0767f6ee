"""vision_msgs detections to and from the core library's boxes and outcomes."""

from __future__ import annotations

from builtin_interfaces.msg import Time
from std_msgs.msg import Header
from vision_msgs.msg import Detection2D, Detection2DArray, ObjectHypothesisWithPose

from ros_tracker.boxes import Box
from ros_tracker.node_core.detector_init import Candidate
from ros_tracker.node_core.session import FrameOutcome


def stamp_to_ns(stamp: Time) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def ns_to_stamp(stamp_ns: int) -> Time:
    return Time(sec=stamp_ns // 1_000_000_000, nanosec=stamp_ns % 1_000_000_000)


def box_from_detection(detection: Detection2D) -> Box:
    """The pixel box of a Detection2D (vision_msgs 4.x: bbox.center.position is the centre)."""
    bbox = detection.bbox
    return Box.from_center(bbox.center.position.x, bbox.center.position.y,
                           bbox.size_x, bbox.size_y)


def detection_label(detection: Detection2D) -> str:
    """The first hypothesis's class id, or '' when the detection carries none."""
    return detection.results[0].hypothesis.class_id if detection.results else ''


def candidates_from(detections: Detection2DArray) -> list[Candidate]:
    """A detector's detections as init candidates, each with its best-scoring hypothesis."""
    candidates = []
    for detection in detections.detections:
        best = max((result.hypothesis for result in detection.results), default=None,
                   key=lambda hypothesis: hypothesis.score)
        candidates.append(Candidate(box_from_detection(detection), detection.id,
                                    best.class_id if best else '', best.score if best else 0.0))
    return candidates


def make_detection(header: Header, box: Box, track_id: str = '', label: str = '',
                   score: float = 1.0) -> Detection2D:
    """A Detection2D for box with the given header, id, class label and score."""
    detection = Detection2D(header=header, id=track_id)
    cx, cy = box.center
    detection.bbox.center.position.x = float(cx)
    detection.bbox.center.position.y = float(cy)
    detection.bbox.size_x = float(box.w)
    detection.bbox.size_y = float(box.h)
    hypothesis = ObjectHypothesisWithPose()
    hypothesis.hypothesis.class_id = label
    hypothesis.hypothesis.score = float(score)
    detection.results.append(hypothesis)
    return detection


def outcome_to_detections(header: Header, outcome: FrameOutcome) -> Detection2DArray:
    """The node's output for one frame: one detection while tracking, none otherwise."""
    message = Detection2DArray(header=header)
    if not outcome.lost and outcome.result is not None:
        message.detections.append(make_detection(
            header, outcome.result.box, outcome.track_id, outcome.label,
            outcome.result.confidence))
    return message
