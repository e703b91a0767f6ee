import math

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import parse_box, read_uniform_sequence


def test_parse_box_separators_and_absent_rows():
    assert parse_box('1,2,3,4') == Box(1, 2, 3, 4)
    assert parse_box('1\t2\t3\t4') == Box(1, 2, 3, 4)
    assert parse_box('nan,nan,nan,nan') is None
    with pytest.raises(ValueError, match='expected 4 numbers'):
        parse_box('1,2,3')


def test_reads_the_uniform_layout(tmp_path):
    folder = tmp_path / 'OTB' / 'Toy'
    (folder / 'img').mkdir(parents=True)
    for index in (1, 2):
        cv2.imwrite(str(folder / 'img' / f'{index:05d}.jpg'), np.full((8, 10, 3), 50, np.uint8))
    (folder / 'groundtruth.txt').write_text('1,2,3,4\nnan,nan,nan,nan\n')
    (folder / 'meta.json').write_text('{"attributes": ["OCC"]}')
    sequence = read_uniform_sequence(folder)
    assert sequence.name == 'OTB/Toy' and len(sequence) == 2
    assert sequence.boxes == [Box(1, 2, 3, 4), None]
    assert sequence.attributes == ['OCC'] and not sequence.gaps_unannotated
    assert sequence.frame(1).shape == (8, 10, 3)


def test_frame_count_must_match_ground_truth(tmp_path):
    folder = tmp_path / 'D' / 'S'
    (folder / 'img').mkdir(parents=True)
    (folder / 'groundtruth.txt').write_text('1,2,3,4\n')
    with pytest.raises(ValueError, match='0 frames but 1 ground-truth boxes'):
        read_uniform_sequence(folder)


def test_shared_sequences_are_readable(shared_sequences):
    sequence = read_uniform_sequence(shared_sequences / 'OTB' / 'Crossing')
    assert len(sequence) == 120 and sequence.boxes[0] == Box(204, 150, 17, 50)
    assert not any(box is None or math.isnan(box.x) for box in sequence.boxes)


def test_meta_says_when_rows_without_a_box_were_not_annotated(tmp_path):
    folder = tmp_path / 'MIL' / 'Toy'
    (folder / 'img').mkdir(parents=True)
    cv2.imwrite(str(folder / 'img' / '00001.jpg'), np.zeros((4, 4, 3), np.uint8))
    (folder / 'groundtruth.txt').write_text('1,2,3,4\n')
    (folder / 'meta.json').write_text(
        '{"nan_rows_mean": "not annotated (every 5th frame is annotated)"}')
    assert read_uniform_sequence(folder).gaps_unannotated
