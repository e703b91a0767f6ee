"""CSRT on real annotated video from ../shared (a sanity bound, not a benchmark)."""

from ros_tracker.boxes import iou
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.registry import build_tracker


def test_follows_a_pedestrian_on_otb_crossing(shared_sequences):
    sequence = read_uniform_sequence(shared_sequences / 'OTB' / 'Crossing')
    tracker = build_tracker('csrt')
    tracker.initialize(sequence.frame(0), sequence.boxes[0])
    overlaps = [iou(tracker.track(sequence.frame(i)).box, sequence.boxes[i])
                for i in range(1, 60)]
    assert sum(overlaps) / len(overlaps) > 0.5
