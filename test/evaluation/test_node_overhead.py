import math

import pytest

from ros_tracker.evaluation.node_overhead import Playback, summarize

MS = 1_000_000


def test_summary_of_a_paced_playback_hand_computed():
    # Frames every 100 ms; the third never answered; latencies 12, 14 and 16 ms.
    playback = Playback('10 Hz', 10.0, sent_ns={0: 0, 100 * MS: 100 * MS, 200 * MS: 200 * MS,
                                                300 * MS: 300 * MS},
                        arrived_ns={0: 12 * MS, 100 * MS: 114 * MS, 300 * MS: 316 * MS})
    summary = summarize(playback, bare_frame_ms=[10.0, 10.0, 11.0])
    assert (summary['sent'], summary['processed'], summary['dropped']) == (4, 3, 1)
    assert summary['latency_median_ms'] == pytest.approx(14.0)
    assert summary['added_latency_ms'] == pytest.approx(4.0)  # bare median 10 ms
    # 3 frames answered in 316 ms, against the 10 Hz the camera allows (bare: ~97 fps).
    assert summary['fps'] == pytest.approx(3 / 0.316)
    assert summary['throughput_ratio'] == pytest.approx(3 / 0.316 / 10.0)


def test_full_speed_throughput_is_relative_to_the_bare_tracker():
    sent = {i * 20 * MS: i * 20 * MS for i in range(5)}
    arrived = {stamp: stamp + 25 * MS for stamp in sent}
    summary = summarize(Playback('full speed', None, sent, arrived), [20.0] * 4)
    assert summary['fps'] == pytest.approx(5 / 0.105)
    assert summary['throughput_ratio'] == pytest.approx(5 / 0.105 / 50.0)


def test_nothing_answered_gives_undefined_figures_not_an_error():
    summary = summarize(Playback('30 Hz', 30.0, {1: 1}, {}), [5.0])
    assert summary['processed'] == 0 and summary['dropped'] == 1
    assert math.isnan(summary['fps']) and math.isnan(summary['latency_median_ms'])
