"""Absence sequences made from real frames, and the lost flag's scores around each absence."""

from dataclasses import replace
import json

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.cli import main
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.evaluation.absences import (absence_metrics, absence_outcome,
                                             absence_sequences, AbsenceOutcome, occlusion,
                                             out_of_view, real_absences, scene_cut)
from scenes import scene, WIDTH, write_sequence


@pytest.fixture()
def two_sequences(tmp_path):
    """A square moving right over 30 frames (every frame annotated), and another video (flat
    grey frames of another size)."""
    for name in ('square', 'other'):
        write_sequence(tmp_path / 'Synthetic' / name, frames=30)
    for path in (tmp_path / 'Synthetic' / 'other' / 'img').glob('*.jpg'):
        cv2.imwrite(str(path), np.full((100, 160, 3), 77, np.uint8))
    square = read_uniform_sequence(tmp_path / 'Synthetic' / 'square')
    other = read_uniform_sequence(tmp_path / 'Synthetic' / 'other')
    boxes = [scene(40 + 3 * i, 100)[1] for i in range(30)]
    return replace(square, boxes=boxes), replace(other, boxes=boxes)


def test_a_scene_cut_shows_the_other_video_without_a_target_then_the_target_again(
        two_sequences):
    square, other = two_sequences
    cut = scene_cut(square, other, 10, 6)
    assert len(cut) == 30 and cut.absences == [(10, 16)]
    assert cut.boxes[9] == square.boxes[9] and cut.boxes[10:16] == [None] * 6
    assert cut.boxes[16] == square.boxes[16]  # time went on while the target was away
    assert cut.frame(12).shape == square.frame(0).shape  # resized to the target's video
    assert np.abs(cut.frame(12).astype(int) - 77).max() <= 2
    assert np.array_equal(cut.frame(20), square.frame(20))


def test_an_occlusion_hides_the_target_under_another_videos_region(two_sequences):
    square, other = two_sequences
    hidden = occlusion(square, other, 10, 5)
    assert hidden.absences == [(10, 15)] and hidden.boxes[10:15] == [None] * 5
    box = square.boxes[12]
    frame, original = hidden.frame(12), square.frame(12)
    inside = frame[int(box.y):int(box.y + box.h), int(box.x):int(box.x + box.w)]
    assert np.abs(inside.astype(int) - 77).max() <= 2  # all of it grey: fully hidden
    assert not np.array_equal(inside, original[int(box.y):int(box.y + box.h),
                                               int(box.x):int(box.x + box.w)])
    assert np.array_equal(hidden.frame(20), square.frame(20))


def test_out_of_view_pans_away_so_the_target_leaves_the_picture_and_returns(two_sequences):
    square, _ = two_sequences  # the square stays in the left half: the window pans right
    panned = out_of_view(square, 12, 6, pan=3)
    assert panned is not None and panned.size == (WIDTH // 2, 120)
    (leave, back), = panned.absences
    assert 9 <= leave <= 12 and 18 <= back <= 22
    assert all(box is None for box in panned.boxes[leave:back])
    before = panned.boxes[5]
    assert before.w == 40 and 0 <= before.x <= WIDTH // 2 - 40  # whole, in window pixels
    assert panned.frame(5).shape == (120, WIDTH // 2, 3)


def test_real_absences_are_taken_as_they_are(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'gap', frames=8)  # frame 5 has no box
    real = real_absences(read_uniform_sequence(tmp_path / 'Synthetic' / 'gap'))
    assert real is not None and real.absences == [(5, 6)]
    unannotated = replace(read_uniform_sequence(tmp_path / 'Synthetic' / 'gap'),
                          gaps_unannotated=True)
    assert real_absences(unannotated) is None and absence_sequences([unannotated]) == []


def test_the_flag_delay_false_and_true_reacquisitions_are_counted_per_absence():
    truth = [Box(0, 0, 10, 10)] * 5 + [None] * 10 + [Box(0, 0, 10, 10)] * 10
    on, off = Box(0, 0, 10, 10), Box(50, 50, 10, 10)
    found = [True] * 7 + [False] * 8 + [False] * 3 + [True] * 7
    boxes = [on] * 25
    assert absence_outcome(boxes, found, truth, 5, 15) == AbsenceOutcome(2, False, 3)
    # Found again on something else while the target is away: a false re-acquisition.
    found = [True] * 6 + [False] * 3 + [True] * 16
    boxes = [on] * 6 + [off] * 9 + [on] * 10
    assert absence_outcome(boxes, found, truth, 5, 15) == AbsenceOutcome(1, True, 0)
    # Never flagged, never back on the target.
    assert absence_outcome([off] * 25, [True] * 25, truth, 5, 15) == AbsenceOutcome(
        None, False, None)


def test_absence_metrics_are_rates_over_absences():
    outcomes = [AbsenceOutcome(2, False, 3), AbsenceOutcome(9, True, None),
                AbsenceOutcome(None, False, 40)]
    metrics = absence_metrics(outcomes)
    assert metrics['absences'] == 3
    assert metrics['flagged_within_5'] == pytest.approx(1 / 3)
    assert metrics['median_flag_delay'] == 5.5
    assert metrics['reacquired_within_30'] == pytest.approx(2 / 3)
    assert metrics['false_reacquisitions'] == pytest.approx(1 / 3)


def test_eval_with_absences_scores_the_lost_flag_and_the_report_shows_it(tmp_path):
    for name in ('a', 'b'):
        write_sequence(tmp_path / 'data' / 'Synthetic' / name, frames=40)
        lines = (tmp_path / 'data' / 'Synthetic' / name / 'groundtruth.txt').read_text()
        box = scene(40 + 3 * 5, 100)[1]
        (tmp_path / 'data' / 'Synthetic' / name / 'groundtruth.txt').write_text(
            lines.replace('nan,nan,nan,nan', f'{box.x},{box.y},{box.w},{box.h}'))
    out = tmp_path / 'kcf'
    assert main(['eval', '--tracker', 'kcf', '--absences', '--dataset', str(tmp_path / 'data'),
                 '--sequences', 'Synthetic/a,Synthetic/b', '--out', str(out),
                 '--no-progress']) == 0
    document = json.loads((out / 'results.json').read_text())
    assert 'cut/Synthetic/a+Synthetic/b' in document['sequences']
    assert document['overall']['absences']['absences'] >= 4
    assert 'absence sequences made from' in document['data']
    docs = tmp_path / 'docs'
    assert main(['report', str(out), '--out', str(docs)]) == 0
    report = (docs / 'benchmarks.md').read_text()
    assert '## Lost flag when the target leaves' in report and '| kcf | ' in report
    ece = document['overall']['calibration']['ece']
    assert 0.0 <= ece <= 1.0 and f'| kcf | n/a | {ece:.3f} |' in report
