import cv2

from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.evaluation.benchmark import (load_split, markdown_report, run_sequence,
                                              SPLITS, summary_row)
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


def test_run_sequence_and_report(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'square')
    sequence = read_uniform_sequence(tmp_path / 'Synthetic' / 'square')
    run = run_sequence(build_tracker('csrt'), sequence)
    assert run.accuracy.frames == 7  # one frame has no box
    assert len(run.frame_ms) == 7 and run.accuracy.auc > 0.7
    row = summary_row('csrt', [run])
    assert row['fps'] > 0 and row['median_ms'] > 0
    report = markdown_report({'csrt': [run]}, {'device': 'cpu'})
    assert '| csrt | ' in report and '- device: cpu' in report
    assert '| Synthetic/square | ' in report


def test_splits_never_overlap_and_load(shared_sequences):
    assert not set(SPLITS['eval']) & set(SPLITS['train'])
    assert len(load_split(shared_sequences, 'eval')) == 10
