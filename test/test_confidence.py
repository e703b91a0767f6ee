import math

import numpy as np
import pytest

from ros_tracker.baselines import StaticBoxTracker, StaticParams
from ros_tracker.boxes import Box
from ros_tracker.confidence import (best_threshold, box_dynamics, CalibratedTracker,
                                    Calibration, COMMON_SIGNALS, fit_logistic)
from ros_tracker.registry import build_tracker, signal_names, tracker_names
from scenes import BACKGROUND, scene


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_the_model_is_the_bias_then_one_weight_per_signal():
    calibration = Calibration.from_model(('a', 'b'), [0.5, 2.0, -1.0])
    assert calibration.model == (0.5, 2.0, -1.0)
    assert calibration.probability({'a': 1.0, 'b': 3.0}) == pytest.approx(_sigmoid(-0.5))
    with pytest.raises(ValueError, match=r'confidence_model needs 3 numbers \(the bias, then '
                                         r'one weight per signal: a, b\), got 2'):
        Calibration.from_model(('a', 'b'), [0.5, 2.0])


def test_box_dynamics_measure_the_change_of_size_and_the_motion():
    dynamics = box_dynamics(Box(0, 0, 10, 10), Box(30, 40, 20, 20))
    assert dynamics['size_change'] == pytest.approx(math.log(4))
    # the centre moves from (4.5, 4.5) to (39.5, 49.5): 57.0 pixels, 5.70 box sides
    assert dynamics['motion'] == pytest.approx(math.log1p(math.hypot(35, 45) / 10))


def test_logistic_fit_of_one_binary_signal_is_the_log_odds_of_each_group():
    # x = 0: 3 of 4 frames overlap; x = 1: 1 of 5. Without a penalty the maximum-likelihood
    # fit reproduces both rates exactly: bias = logit(3/4), bias + weight = logit(1/5).
    features = np.array([[0.0]] * 4 + [[1.0]] * 5)
    labels = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0])
    bias, weights = fit_logistic(features, labels, l2=0.0)
    assert bias == pytest.approx(math.log(3), abs=1e-8)
    assert bias + weights[0] == pytest.approx(math.log(1 / 4), abs=1e-8)


def test_the_threshold_maximizes_the_f1_of_the_not_found_flag():
    probabilities = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    overlaps = np.array([False, False, True, False, True, True])
    # below 0.3: 2 hits, F1 4/5; below 0.7: 3 hits and 1 false alarm, F1 6/7; below 0.9:
    # 3 hits and 2 false alarms, F1 6/8
    assert best_threshold(probabilities, overlaps) == pytest.approx(0.7)
    assert best_threshold(probabilities, np.ones(6, bool)) == 0.5


def test_a_calibrated_tracker_reports_the_probability_of_its_cues():
    model = (-2.0, 0.5, 0.25, 6.0, 0.0, -3.0, -4.0)
    calibration = Calibration.from_model(COMMON_SIGNALS, model, 0.99)
    tracker = CalibratedTracker(StaticBoxTracker(StaticParams()), calibration)
    frame, box = scene(100, 100)
    tracker.initialize(frame, box)
    same = tracker.track(frame)
    # the static box: confidence 1, found, the same content as the first and previous frame,
    # no change of size, no motion
    assert same.signals == {'confidence': 1.0, 'found': 1.0, 'first_agreement': 1.0,
                            'previous_agreement': 1.0, 'size_change': 0.0, 'motion': 0.0}
    assert same.box == box
    assert same.confidence == pytest.approx(_sigmoid(-2.0 + 0.5 + 0.25 + 6.0))  # 0.9914
    assert same.found
    gone = tracker.track(np.ascontiguousarray(np.resize(BACKGROUND, frame.shape)))
    first = gone.signals['first_agreement']
    assert first < 0.5 and gone.signals['previous_agreement'] < 0.5
    assert gone.confidence == pytest.approx(_sigmoid(-1.25 + 6.0 * first)) and not gone.found


def test_calibrated_trackers_come_from_the_registry_with_their_signals():
    tracker = build_tracker('csrt')
    assert isinstance(tracker, CalibratedTracker)
    assert signal_names('atom') == COMMON_SIGNALS + ('second_peak', 'uncertain')
    assert not isinstance(build_tracker('static'), CalibratedTracker)
    with pytest.raises(ValueError, match='static has no calibrated confidence'):
        signal_names('static')
    frame, box = scene(100, 100)
    tracker.initialize(frame, box)
    result = tracker.track(scene(103, 100)[0])
    assert 0.0 <= result.confidence <= 1.0 and set(COMMON_SIGNALS) <= set(result.signals)
    assert result.found == (result.confidence >= tracker.min_probability)
    with pytest.raises(ValueError, match='confidence_model needs 7 numbers'):
        build_tracker('kcf', {'confidence_model': [1.0, 2.0]})


@pytest.mark.parametrize('name', [n for n in tracker_names()])
def test_every_calibrated_tracker_holds_a_model_of_its_signals(name):
    from ros_tracker.registry import spec
    entry = spec(name)
    if entry.signals is None:
        assert 'confidence_model' not in entry.params_type.__dataclass_fields__
        return
    params = entry.params_type()
    assert len(params.confidence_model) == len(signal_names(name)) + 1
    assert 0.0 < params.min_probability < 1.0
