import math

import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.evaluation.metrics import accuracy, success_curve


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
