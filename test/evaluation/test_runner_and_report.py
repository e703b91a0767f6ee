import json

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.cli import main
from ros_tracker.datasets.sequence import read_uniform_sequence, Sequence
from ros_tracker.datasets.splits import split_names, SPLITS
from ros_tracker.evaluation.results import results_document, run_label
from ros_tracker.evaluation.runner import load_sequences, run_sequence, run_with_resets
from ros_tracker.registry import build_tracker
from ros_tracker.tracker import Tracker, TrackResult
from scenes import write_sequence


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
    (tmp_path / 'data' / 'Synthetic' / 'square' / 'meta.json').write_text(
        '{"attributes": ["FM", "SV"]}')
    results = []
    for tracker in ('csrt', 'kcf'):
        out = tmp_path / tracker
        assert main(['eval', '--tracker', tracker, '--dataset', str(tmp_path / 'data'),
                     '--sequences', 'Synthetic/square', '--out', str(out),
                     '--no-progress']) == 0
        results.append(out)
    document = json.loads((results[0] / 'results.json').read_text())
    assert document['tracker'] == 'csrt' and 'Synthetic/square' in document['sequences']
    expected = {'auc', 'op50', 'op75', 'precision20', 'norm_precision', 'fps', 'frames',
                'failures', 'mean_iou', 'lost', 'median_ms', 'p90_ms'}
    assert expected <= set(document['sequences']['Synthetic/square'])
    assert expected <= set(document['overall'])
    assert set(document['overall']['lost']) == {'precision', 'recall', 'f1'}
    assert document['attributes']['FM']['sequences'] == ['Synthetic/square']
    assert document['attributes']['FM']['auc'] == document['overall']['auc']
    assert len(document['overall']['success_curve']) == len(document['thresholds']['success'])
    boxes = (results[0] / 'boxes' / 'Synthetic_square.txt').read_text().splitlines()
    assert len(boxes) == 8 and boxes[0] == '40.00,100.00,40.00,40.00'
    docs = tmp_path / 'docs'
    assert main(['report', *map(str, results), '--out', str(docs)]) == 0
    report = (docs / 'benchmarks.md').read_text()
    assert '| csrt | ' in report and '| kcf | ' in report and '| Synthetic/square | ' in report
    assert '| FM (1) | ' in report and '![success plot](plots/success.png)' in report
    for plot in ('success', 'precision', 'success_attributes', 'precision_attributes'):
        image = cv2.imread(str(docs / 'plots' / f'{plot}.png'))
        assert image is not None and image.shape[0] > 200, plot


def test_splits(shared_sequences):
    assert not set(SPLITS['eval']) & set(SPLITS['train'])
    assert len(load_sequences(shared_sequences, split_names('eval'))) == 10
    with pytest.raises(ValueError, match="unknown split 'test'"):
        split_names('test')


class ReplayTracker(Tracker):
    """Answers with a prepared box per frame; frames carry their index in their pixels."""

    def __init__(self, answers):
        self.answers = answers
        self.starts = []

    def initialize(self, frame, box):
        self.starts.append(int(frame[0, 0, 0]))

    def track(self, frame):
        return TrackResult(self.answers[int(frame[0, 0, 0])], 1.0, True)


class IndexedSequence(Sequence):
    def frame(self, index):
        return np.full((4, 4, 3), index, np.uint8)


def test_reset_protocol_counts_failures_and_skips_burn_in():
    truth = [Box(0, 0, 10, 10)] * 40
    answers = {i: Box(0, 0, 10, 10) for i in range(40)}
    answers[15] = Box(50, 50, 10, 10)  # no overlap: a failure at frame 15
    answers[5] = Box(5, 0, 10, 10)  # IoU 1/3, but inside the first burn-in: not scored
    tracker = ReplayTracker(answers)
    sequence = IndexedSequence('toy', [None] * 40, truth)
    progress = []
    result = run_with_resets(tracker, sequence, skip=5, burn_in=10, progress=progress.append)
    assert sum(progress) == 39  # every frame after the first, skipped ones included
    assert result.failures == 1
    assert tracker.starts == [0, 20]  # re-initialized 5 frames after the failure
    # Scored: frames 11-14 after the first start, 31-39 after the second.
    assert result.scored_frames == 4 + 9 and result.mean_iou == 1.0


def test_report_has_the_node_benchmark_table(tmp_path):
    bench = tmp_path / 'node-csrt'
    bench.mkdir()
    mode = {'camera': '30 Hz', 'rate_hz': 30.0, 'sent': 10, 'processed': 9, 'dropped': 1,
            'latency_median_ms': 27.5, 'latency_p90_ms': 30.0, 'added_latency_ms': 2.5,
            'fps': 29.0, 'throughput_ratio': 0.967}
    (bench / 'node_benchmark.json').write_text(json.dumps({
        'tracker': 'csrt', 'sequence': 'OTB/Couple', 'frame_size': '640x480', 'device': 'cpu',
        'dds_profile': 'default', 'date': '2026-01-01', 'machine': 'test machine',
        'bare': {'fps': 40.0, 'median_ms': 25.0, 'p90_ms': 26.0, 'frames': 10},
        'modes': [mode]}))
    assert main(['report', str(bench), '--out', str(tmp_path / 'docs')]) == 0
    report = (tmp_path / 'docs' / 'benchmarks.md').read_text()
    assert ('| csrt | default | OTB/Couple 640x480 | 30 Hz | 9 | 1 | 27.5 | 30.0 | 2.5 | 29.0 '
            '| 40.0 | 0.967 |') in report


def test_results_are_labelled_with_weights_only_when_they_tell_runs_apart():
    assert run_label({'tracker': 'csrt', 'weights': 'none'}) == 'csrt'
    assert run_label({'tracker': 'atom', 'weights': 'atom_distilled.pt'}) == 'atom'
    assert run_label({'tracker': 'dense_re3', 'weights': 'random'}) == 'dense_re3'
    assert run_label({'tracker': 'atom', 'weights': 'atom_official.pt'}) == 'atom (atom_official)'
    assert run_label({'tracker': 'dense_re3', 'weights': 'dense_re3_cpu.pt'}) == (
        'dense_re3 (dense_re3_cpu)')
