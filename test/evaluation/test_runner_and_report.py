import json

import cv2
import pytest

from ros_tracker.cli import main
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.evaluation.runner import (load_sequences, results_document, run_sequence,
                                           sequence_names, SPLITS)
from ros_tracker.registry import build_tracker
from scenes import scene


def write_sequence(folder, frames=8):
    (folder / 'img').mkdir(parents=True)
    lines = []
    for index in range(frames):
        frame, box = scene(40 + 3 * index, 100)
        cv2.imwrite(str(folder / 'img' / f'{index + 1:05d}.jpg'), frame,
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines.append('nan,nan,nan,nan' if index == 5 else f'{box.x},{box.y},{box.w},{box.h}')
    (folder / 'groundtruth.txt').write_text('\n'.join(lines) + '\n')


def test_run_sequence_scores_annotated_frames_and_times_tracking(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'square')
    sequence = read_uniform_sequence(tmp_path / 'Synthetic' / 'square')
    run = run_sequence(build_tracker('csrt'), sequence)
    assert run.accuracy.frames == 7  # one frame has no box
    assert len(run.frame_ms) == 7 and len(run.boxes) == 8 and run.accuracy.auc > 0.7
    document = results_document('csrt', [run], {'weights': ''}, 'cpu')
    overall = document['overall']
    assert overall['frames'] == 7 and overall['fps'] > 0
    assert set(overall['lost']) == {'precision', 'recall', 'f1'}
    assert document['sequences']['Synthetic/square']['auc'] == overall['auc']


def test_eval_and_report_commands(tmp_path):
    write_sequence(tmp_path / 'data' / 'Synthetic' / 'square')
    out = tmp_path / 'csrt'
    assert main(['eval', '--tracker', 'csrt', '--dataset', str(tmp_path / 'data'),
                 '--sequences', 'Synthetic/square', '--out', str(out)]) == 0
    document = json.loads((out / 'results.json').read_text())
    assert document['tracker'] == 'csrt' and 'Synthetic/square' in document['sequences']
    boxes = (out / 'boxes' / 'Synthetic_square.txt').read_text().splitlines()
    assert len(boxes) == 8 and boxes[0] == '40.00,100.00,40.00,40.00'
    assert main(['report', str(out), '--out', str(tmp_path / 'docs')]) == 0
    report = (tmp_path / 'docs' / 'benchmarks.md').read_text()
    assert '| csrt | ' in report and '| Synthetic/square | ' in report


def test_splits(shared_sequences):
    assert not set(SPLITS['eval']) & set(SPLITS['train'])
    assert len(load_sequences(shared_sequences, sequence_names('eval'))) == 10
    with pytest.raises(ValueError, match="unknown split 'test'"):
        sequence_names('test')
