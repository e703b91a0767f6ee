import pytest

from ros_tracker.node_core.lost import LostHysteresis


def run(hysteresis, flags):
    return [hysteresis.update(flag) for flag in flags]


def test_lost_after_n_consecutive_not_found_frames():
    hysteresis = LostHysteresis(lost_after=3, found_after=2)
    assert run(hysteresis, [False, False, True, False, False, False]) == [
        False, False, False, False, False, True]


def test_found_again_after_m_consecutive_found_frames():
    hysteresis = LostHysteresis(lost_after=1, found_after=2)
    assert run(hysteresis, [False, True, False, True, True, False]) == [
        True, True, True, True, False, True]


def test_restart_forgets_history():
    hysteresis = LostHysteresis(lost_after=2, found_after=5)
    run(hysteresis, [False, False])
    assert hysteresis.lost
    hysteresis.restart()
    assert not hysteresis.lost
    assert run(hysteresis, [False]) == [False]


def test_rejects_non_positive_patience():
    with pytest.raises(ValueError, match='>= 1'):
        LostHysteresis(0, 1)
