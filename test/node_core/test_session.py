"""The tracking session's decisions, with the real CSRT tracker and with scripted faults."""

import numpy as np
import pytest

from ros_tracker.boxes import Box, InvalidBoxError
from ros_tracker.node_core.session import (clean_identifier, MAX_IDENTIFIER_LENGTH, TargetState,
                                           TrackerFailure, TrackingSession)
from ros_tracker.registry import build_tracker
from ros_tracker.tracker import Tracker, TrackResult
from scenes import scene


class ScriptedTracker(Tracker):
    """Replays found flags and raises when told to: drives the session's failure paths."""

    def __init__(self, flags=(), fail_on_track=False, fail_on_init=False):
        self.flags = list(flags)
        self.fail_on_track = fail_on_track
        self.fail_on_init = fail_on_init

    def initialize(self, frame, box):
        if self.fail_on_init:
            raise RuntimeError('CUDA out of memory')
        self.box = box

    def track(self, frame):
        if self.fail_on_track:
            raise RuntimeError('CUDA out of memory')
        found = self.flags.pop(0)
        return TrackResult(self.box, 0.9 if found else 0.1, found)


def frame(width=64, height=48):
    return np.zeros((height, width, 3), np.uint8)


def test_idle_until_initialized():
    session = TrackingSession(build_tracker('csrt'))
    outcome = session.process(*scene(10, 10)[:1], stamp_ns=1)
    assert outcome.state is TargetState.IDLE and outcome.lost and outcome.result is None


def test_tracks_with_ids_and_labels():
    session = TrackingSession(build_tracker('csrt'), default_label='thing')
    image, box = scene(40, 100)
    assert session.initialize(image, box, stamp_ns=1) == box
    outcome = session.process(scene(43, 100)[0], stamp_ns=2)
    assert outcome.state is TargetState.TRACKING and not outcome.lost
    assert (outcome.track_id, outcome.label) == ('track_1', 'thing')
    session.initialize(image, box, stamp_ns=3, track_id='person_7', label='person')
    assert (session.track_id, session.label) == ('person_7', 'person')
    session.initialize(image, box, stamp_ns=4)
    assert session.track_id == 'track_3'


def test_hysteresis_and_min_score():
    session = TrackingSession(ScriptedTracker([False, False, True, True, True]),
                              lost_after=2, found_after=2)
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    states = [session.process(frame(), stamp_ns=t).state for t in range(1, 6)]
    assert states == [TargetState.TRACKING, TargetState.LOST, TargetState.LOST,
                      TargetState.TRACKING, TargetState.TRACKING]
    # A confidence of 0.9 under min_score counts as not found even when the tracker says found.
    session = TrackingSession(ScriptedTracker([True]), lost_after=1, min_score=0.95)
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    assert session.process(frame(), stamp_ns=1).state is TargetState.LOST


def test_invalid_init_box_keeps_the_current_target():
    session = TrackingSession(ScriptedTracker([True]))
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    with pytest.raises(InvalidBoxError):
        session.initialize(frame(), Box(10, 10, 0, 20), stamp_ns=1)
    assert session.state is TargetState.TRACKING and session.track_id == 'track_1'


def test_image_size_change_drops_the_target():
    session = TrackingSession(ScriptedTracker([True]))
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    outcome = session.process(frame(width=32), stamp_ns=1)
    assert outcome.state is TargetState.IDLE and outcome.lost
    assert outcome.warning == 'image size changed from 64x48 to 32x48; target dropped'


def test_stamps_going_backwards_drop_the_target_and_start_a_new_timeline():
    session = TrackingSession(ScriptedTracker([True, True]))
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=2_000_000_000)
    assert session.process(frame(), stamp_ns=2_000_000_000) is None  # the init frame itself
    outcome = session.process(frame(), stamp_ns=500_000_000)
    assert outcome.state is TargetState.IDLE
    assert outcome.warning == 'image stamps went backwards by 1.500 s; target dropped'
    assert session.process(frame(), stamp_ns=600_000_000).warning == ''


def test_tracker_exception_drops_the_target():
    session = TrackingSession(ScriptedTracker(fail_on_track=True))
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    outcome = session.process(frame(), stamp_ns=1)
    assert outcome.tracker_failed and outcome.state is TargetState.IDLE
    assert outcome.warning == "tracker failed: RuntimeError('CUDA out of memory'); target dropped"


def test_tracker_exception_at_initialization_drops_the_target():
    session = TrackingSession(ScriptedTracker(fail_on_init=True))
    with pytest.raises(TrackerFailure, match='CUDA out of memory'):
        session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    assert session.state is TargetState.IDLE and session.track_id == ''


def test_non_finite_box_from_the_tracker_drops_the_target():
    tracker = ScriptedTracker([True])
    session = TrackingSession(tracker)
    session.initialize(frame(), Box(10, 10, 20, 20), stamp_ns=0)
    tracker.box = Box(float('nan'), 0, 1, 1)
    outcome = session.process(frame(), stamp_ns=1)
    assert outcome.state is TargetState.IDLE and 'non-finite box' in outcome.warning


def test_ids_and_labels_are_cleaned_before_they_are_logged_or_published():
    forged = 'drone\n[ERROR] [tracker]: FORGED LINE\x1b[31m'
    assert clean_identifier(forged) == 'drone[ERROR] [tracker]: FORGED LINE[31m'
    assert len(clean_identifier('x' * 1_000_000)) == MAX_IDENTIFIER_LENGTH == 128
    assert clean_identifier('\u00e9quipe 7') == '\u00e9quipe 7'  # printable text is kept
    session = TrackingSession(build_tracker('static'), default_label='target')
    frame, box = scene(40, 100)
    session.initialize(frame, box, 1, track_id='\n\x1b', label='\x00' + 'car' * 100)
    assert session.track_id == 'track_1', 'an id with nothing visible gets a fresh one'
    assert session.label == ('car' * 100)[:128]
