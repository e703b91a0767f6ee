import math

import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.evaluation.metrics import (accuracy, normalized_centre_error,
                                            NORMALIZED_THRESHOLDS, precision_curve,
                                            success_curve)


def test_success_curve_counts_overlaps_strictly_above_each_threshold():
    curve = success_curve(np.array([0.0, 0.5, 1.0]))
    assert len(curve) == 21
    assert curve[0] == pytest.approx(2 / 3)  # IoU > 0: 0.5 and 1.0
    assert curve[10] == pytest.approx(1 / 3)  # IoU > 0.5: only 1.0
    assert curve[20] == 0.0  # nothing is above 1


def test_accuracy_hand_computed():
    truth = [Box(0, 0, 10, 10), Box(0, 0, 10, 10), None, Box(100, 100, 10, 10)]
    predicted = [Box(0, 0, 10, 10), Box(5, 0, 10, 10), Box(0, 0, 5, 5), Box(0, 0, 10, 10)]
    found = [True, True, False, True]
    result = accuracy(predicted, found, truth)
    # Scored frames: IoUs 1, 1/3, 0 (the absent frame is left out).
    assert result.frames == 3
    expected_auc = np.mean([(np.array([1, 1 / 3, 0]) > t).mean() for t in np.linspace(0, 1, 21)])
    assert result.auc == pytest.approx(expected_auc)
    assert (result.op50, result.op75) == pytest.approx((1 / 3, 1 / 3))
    # Centre errors 0, 5 and 141.4 px.
    assert result.precision20 == pytest.approx(2 / 3)
    # Missed frames: the absent one and the last; the tracker flagged only the absent one.
    assert (result.lost_precision, result.lost_recall) == (1.0, 0.5)


def test_undefined_flag_quality_is_nan():
    result = accuracy([Box(0, 0, 1, 1)], [True], [Box(0, 0, 1, 1)])
    assert math.isnan(result.lost_precision) and math.isnan(result.lost_recall)
    with pytest.raises(ValueError, match='one entry per frame'):
        accuracy([], [True], [])


def test_precision_curve_counts_errors_at_or_below_each_threshold():
    curve = precision_curve(np.array([0.0, 20.0, 20.5, 100.0]))
    assert len(curve) == 51
    assert curve[0] == 0.25 and curve[20] == 0.5 and curve[21] == 0.75 and curve[50] == 0.75


def test_normalized_centre_error_uses_the_ground_truth_size():
    # Centre (25, 10) against (15, 15) of a 20 x 10 box: 0.5 widths and 0.5 heights off.
    assert normalized_centre_error(Box(20, 5, 10, 10), Box(5, 10, 20, 10)) == pytest.approx(
        math.hypot(0.5, 0.5))


def test_normalized_precision_hand_computed():
    truth = [Box(0, 0, 100, 50)] * 2 + [None]
    # Normalized errors 0.1 (10 px of a 100 px width) and 0.2 (10 px of a 50 px height);
    # the frame without ground truth is left out.
    predicted = [Box(10, 0, 100, 50), Box(0, 10, 100, 50), Box(500, 500, 1, 1)]
    result = accuracy(predicted, [True, True, True], truth)
    thresholds = NORMALIZED_THRESHOLDS
    expected = np.mean([(0.1 <= t) / 2 + (0.2 <= t) / 2 for t in thresholds])
    assert result.norm_precision == pytest.approx(expected)
    # 41 of the 51 thresholds reach 0.1 and 31 reach 0.2: (41 + 31) / 2 / 51.
    assert result.norm_precision == pytest.approx(72 / 102, abs=0.02)


def test_zero_overlap_frames_count_as_misses_in_every_metric():
    truth = [Box(0, 0, 10, 10)] * 4
    predicted = [Box(0, 0, 10, 10), Box(0, 0, 10, 10), Box(50, 50, 10, 10), Box(50, 50, 10, 10)]
    result = accuracy(predicted, [True, True, False, True], truth)
    assert result.success[0] == 0.5  # IoU > 0 on two frames of four
    assert result.auc == pytest.approx(np.mean([0.5] * 20 + [0.0]))
    assert result.precision20 == 0.5 and result.op50 == 0.5
    # Two missed frames; one flagged and it really missed.
    assert (result.lost_precision, result.lost_recall) == (1.0, 0.5)


def test_all_absent_sequence_scores_nothing_and_every_flag_is_right():
    result = accuracy([Box(0, 0, 5, 5)] * 2, [False, False], [None, None])
    assert result.frames == 0 and result.auc == 0.0 and result.norm_precision == 0.0
    assert (result.lost_precision, result.lost_recall) == (1.0, 1.0)


def test_unannotated_gaps_are_left_out_of_the_lost_flag_quality():
    truth = [Box(0, 0, 10, 10), None, None]
    predicted = [Box(0, 0, 10, 10)] * 3
    found = [True, False, True]
    absent = accuracy(predicted, found, truth)
    assert (absent.lost_precision, absent.lost_recall) == (1.0, 0.5)
    unannotated = accuracy(predicted, found, truth, gaps_unannotated=True)
    assert math.isnan(unannotated.lost_precision) and math.isnan(unannotated.lost_recall)
    assert unannotated.frames == absent.frames == 1


def test_size_drift_is_the_per_frame_trend_of_the_size_against_the_target():
    truth = [Box(10, 10, 40, 20)] * 5
    shrinking = [Box(10, 10, 40 * 0.99 ** t, 20 * 0.99 ** t) for t in range(5)]
    assert accuracy(shrinking, [True] * 5, truth).size_drift == pytest.approx(-0.01, abs=1e-9)
    growing = [Box(10, 10, 40 * 1.02 ** t, 20) for t in range(5)]  # sqrt of the area: 1.02^(t/2)
    assert accuracy(growing, [True] * 5, truth).size_drift == pytest.approx(1.02 ** 0.5 - 1)
    assert accuracy(truth, [True] * 5, truth).size_drift == pytest.approx(0.0, abs=1e-12)
    assert accuracy(truth[:1], [True], truth[:1]).size_drift == 0.0
