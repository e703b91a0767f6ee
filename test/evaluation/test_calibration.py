import json

import pytest

from ros_tracker.boxes import Box
from ros_tracker.cli import main
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.evaluation.calibration import fit_calibration, labelled_frames
from ros_tracker.evaluation.metrics import accuracy
from ros_tracker.evaluation.results import calibration_summary
from ros_tracker.evaluation.runner import SequenceRun
from ros_tracker.registry import signal_names
from scenes import scene, write_sequence

ON, OFF = Box(40, 100, 40, 40), Box(200, 20, 40, 40)


def _run(sequence, boxes, cues):
    score = accuracy(boxes, [True] * len(boxes), sequence.boxes, sequence.gaps_unannotated)
    return SequenceRun(sequence.name, boxes, [True] * len(boxes), score, 0.0,
                       [0.0] * (len(boxes) - 1), signals=cues)


def test_frames_are_labelled_by_overlap_and_absences_count_as_misses(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'a', frames=8)  # frame 5 has no box: absent
    sequence = read_uniform_sequence(tmp_path / 'Synthetic' / 'a')
    boxes = [sequence.boxes[0], ON, ON, OFF, ON, ON, ON, ON]
    cues = [{'x': float(i)} for i in range(7)]
    signals, overlaps = labelled_frames(sequence, _run(sequence, boxes, cues))
    assert signals == cues
    assert overlaps == [True, True, False, True, False, True, True]


def test_a_signal_that_separates_the_frames_gives_a_perfect_flag(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'a', frames=8)
    sequence = read_uniform_sequence(tmp_path / 'Synthetic' / 'a')
    boxes = [sequence.boxes[0], ON, ON, OFF, ON, ON, ON, ON]
    _, overlaps = labelled_frames(sequence, _run(sequence, boxes, [{}] * 7))
    cues = [{'x': 1.0 if overlap else 0.0} for overlap in overlaps]
    fit = fit_calibration(['x'], [sequence], [_run(sequence, boxes, cues)], l2=1e-2)
    assert fit.frames == 7 and fit.missed == 2
    assert fit.precision == fit.recall == fit.f1 == 1.0
    assert fit.model[1] > 0 and 0 < fit.min_probability < 1
    with pytest.raises(ValueError, match='Synthetic/a: the run recorded no y'):
        fit_calibration(['x', 'y'], [sequence], [_run(sequence, boxes, cues)])


def test_fit_confidence_prints_the_parameters_and_writes_the_fit(tmp_path, capsys):
    for name in ('a', 'b'):
        folder = tmp_path / 'data' / 'Synthetic' / name
        write_sequence(folder, frames=40)
        box = scene(40 + 3 * 5, 100)[1]  # annotated everywhere: absences are generated
        (folder / 'groundtruth.txt').write_text((folder / 'groundtruth.txt').read_text().replace(
            'nan,nan,nan,nan', f'{box.x},{box.y},{box.w},{box.h}'))
    out = tmp_path / 'fit'
    assert main(['fit-confidence', '--tracker', 'kcf', '--dataset', str(tmp_path / 'data'),
                 '--sequences', 'Synthetic/a,Synthetic/b', '--out', str(out),
                 '--no-progress']) == 0
    printed = capsys.readouterr().out
    document = json.loads((out / 'confidence.json').read_text())
    assert document['signals'] == list(signal_names('kcf'))
    assert len(document['model']) == len(signal_names('kcf')) + 1
    assert 'cut/Synthetic/a+Synthetic/b' in document['sequences']
    assert f"  confidence_model: [{', '.join(str(v) for v in document['model'])}]" in printed
    assert f"  min_probability: {document['min_probability']}" in printed


def test_reliability_pools_the_bins_of_all_runs_into_the_calibration_error():
    truth = [Box(0, 0, 10, 10)] * 3 + [None]
    predicted = [Box(0, 0, 10, 10), Box(50, 50, 10, 10), Box(1, 1, 10, 10), Box(0, 0, 10, 10)]
    # confidences 1.0 (overlaps), 0.15 (misses), 0.95 (overlaps), 0.05 (target absent)
    first = accuracy(predicted, [True] * 4, truth, confidence=[1.0, 0.15, 0.95, 0.05])
    assert first.reliability[0] == (1, 0.05, 0) and first.reliability[1] == (1, 0.15, 0)
    assert first.reliability[9] == (2, 1.95, 2)
    second = accuracy(predicted[:2], [True] * 2, truth[:2], confidence=[0.5, 0.55])
    summary = calibration_summary([first.reliability, second.reliability, ()])
    assert summary['frames'] == 6
    # gaps: 0.05, 0.15, 0.05 (bin 9) and 1.05 - 1 (bin 5): 0.3 over 6 frames
    assert summary['ece'] == pytest.approx(0.3 / 6)
    assert summary['bins'][5] == {'frames': 2, 'mean_confidence': pytest.approx(0.525),
                                  'overlap_rate': 0.5}
    assert calibration_summary([()])['frames'] == 0
