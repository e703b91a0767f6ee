"""Box-by-box agreement of two eval runs, and `ros-tracker agree` on it."""

import json

import pytest

from ros_tracker.cli import main
from ros_tracker.evaluation.agreement import box_agreement
from ros_tracker.evaluation.results import run_label


def write_run(folder, boxes_by_sequence):
    (folder / 'boxes').mkdir(parents=True)
    for name, boxes in boxes_by_sequence.items():
        (folder / 'boxes' / f'{name}.txt').write_text(
            ''.join(f'{x},{y},{w},{h}\n' for x, y, w, h in boxes))


def test_agreement_is_the_median_and_minimum_iou_per_sequence(tmp_path):
    write_run(tmp_path / 'a', {'OTB_Couple': [(0, 0, 10, 10)] * 3, 'only_a': [(0, 0, 1, 1)]})
    # Frame by frame: identical, shifted by half a width (IoU 1/3), identical.
    write_run(tmp_path / 'b', {'OTB_Couple': [(0, 0, 10, 10), (5, 0, 10, 10), (0, 0, 10, 10)]})
    agreement = box_agreement(tmp_path / 'a', tmp_path / 'b')
    assert list(agreement) == ['OTB_Couple']
    assert agreement['OTB_Couple'] == {'frames': 3, 'median_iou': 1.0,
                                       'min_iou': pytest.approx(1 / 3)}


def test_runs_of_different_length_or_without_common_sequences_are_refused(tmp_path):
    write_run(tmp_path / 'a', {'s': [(0, 0, 10, 10)] * 3})
    write_run(tmp_path / 'b', {'s': [(0, 0, 10, 10)] * 2})
    write_run(tmp_path / 'c', {'t': [(0, 0, 10, 10)]})
    with pytest.raises(ValueError, match='s.txt: 3 boxes in .* 2 in'):
        box_agreement(tmp_path / 'a', tmp_path / 'b')
    with pytest.raises(ValueError, match='no sequence in common'):
        box_agreement(tmp_path / 'a', tmp_path / 'c')


def test_agree_fails_below_the_accepted_median(tmp_path, capsys):
    write_run(tmp_path / 'a', {'s': [(0, 0, 10, 10)] * 3})
    write_run(tmp_path / 'b', {'s': [(5, 0, 10, 10)] * 3})
    assert main(['agree', str(tmp_path / 'a'), str(tmp_path / 'b'), '--out',
                 str(tmp_path / 'agreement.json')]) == 0
    assert 's: 3 frames, median IoU 0.333, min 0.333' in capsys.readouterr().out
    assert json.loads((tmp_path / 'agreement.json').read_text())['s']['frames'] == 3
    assert main(['agree', str(tmp_path / 'a'), str(tmp_path / 'b'),
                 '--min-median-iou', '0.5']) == 1
    assert 'a median IoU of 0.333 is below 0.5' in capsys.readouterr().err


def test_half_precision_runs_are_labelled_apart():
    assert run_label({'tracker': 'atom', 'weights': 'atom_distilled.pt', 'half': True}) == \
        'atom half'
    assert run_label({'tracker': 'dense_re3', 'weights': '/w/dense.pt'}) == 'dense_re3 (dense)'
