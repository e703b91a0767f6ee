import pytest

from ros_tracker.boxes import iou
from ros_tracker.registry import build_tracker
from scenes import scene


def test_follows_a_moving_target_with_high_confidence():
    tracker = build_tracker('csrt')
    tracker.initialize(*scene(40, 100))
    for step in range(1, 40):
        frame, truth = scene(40 + 3 * step, 100 + step % 3)
        result = tracker.track(frame)
        assert result.found
        assert iou(result.box, truth) > 0.7
        assert 0.5 < result.confidence <= 1.0


def test_reports_not_found_once_the_target_left_the_image():
    tracker = build_tracker('csrt')
    tracker.initialize(*scene(200, 100))
    results = [tracker.track(scene(200 + 8 * step, 100)[0]) for step in range(1, 30)]
    assert not any(result.found for result in results[-10:])
    # the appearance check's own confidence, and the calibrated probability built on it
    assert max(result.signals['confidence'] for result in results[-10:]) < 0.1
    assert max(result.confidence for result in results[-10:]) < 0.2


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError, match='min_confidence'):
        build_tracker('csrt', {'min_confidence': 2.0})
    with pytest.raises(ValueError, match='unknown CsrtParams'):
        build_tracker('csrt', {'paddding': 2.0})


def test_track_before_initialize_is_an_error():
    with pytest.raises(RuntimeError, match='before initialize'):
        build_tracker('csrt').track(scene(0, 0)[0])


@pytest.mark.parametrize('name', ['kcf'])
def test_other_opencv_trackers_follow_the_target(name):
    tracker = build_tracker(name)
    tracker.initialize(*scene(40, 100))
    for step in range(1, 15):
        frame, truth = scene(40 + 3 * step, 100)
        result = tracker.track(frame)
        assert result.found and iou(result.box, truth) > 0.6


def test_nano_tracks_with_its_shared_models(shared_sequences):
    models = shared_sequences.parent.parent / 'peers' / 'nanotrack'
    tracker = build_tracker('nano', {'backbone': str(models / 'nanotrack_v2_backbone.onnx'),
                                     'neckhead': str(models / 'nanotrack_v2_head.onnx')})
    tracker.initialize(*scene(40, 100))
    for step in range(1, 10):
        frame, truth = scene(40 + 3 * step, 100)
        result = tracker.track(frame)
        assert 0.0 <= result.confidence <= 1.0
    assert iou(result.box, truth) > 0.5
