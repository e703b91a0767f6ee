"""Each benchmark layout, written in miniature by the test and read back."""

import math

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.datasets.readers import (polygon_to_box, read_got10k, read_lasot, read_otb,
                                          read_sequence, read_uav123, read_vot)


def images(folder, count, pattern):
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(1, count + 1):
        cv2.imwrite(str(folder / pattern.format(index)), np.zeros((4, 6, 3), np.uint8))


def test_otb_tab_separated_and_one_based(tmp_path):
    sequence_dir = tmp_path / 'Basketball'
    images(sequence_dir / 'img', 3, '{:04d}.jpg')
    (sequence_dir / 'groundtruth_rect.txt').write_text('198\t214\t34\t81\n197,214,34,81\n'
                                                       '196 213 34 82\n')
    sequence = read_otb(sequence_dir)
    assert sequence.name == 'OTB/Basketball' and len(sequence) == 3
    assert sequence.boxes[0] == Box(197, 213, 34, 81)  # 1-based -> 0-based
    assert sequence.frame(2).shape == (4, 6, 3)


def test_uav123_nan_rows_are_absent(tmp_path):
    images(tmp_path / 'data_seq' / 'UAV123' / 'bike1', 3, '{:06d}.jpg')
    (tmp_path / 'anno' / 'UAV123').mkdir(parents=True)
    (tmp_path / 'anno' / 'UAV123' / 'bike1.txt').write_text('1,2,3,4\nNaN,NaN,NaN,NaN\n5,6,7,8\n')
    sequence = read_uav123(tmp_path, 'bike1')
    assert sequence.boxes == [Box(1, 2, 3, 4), None, Box(5, 6, 7, 8)]


def test_uav123_sub_sequences_take_their_frame_range_from_config_seqs(tmp_path):
    images(tmp_path / 'data_seq' / 'UAV123' / 'bird1', 6, '{:06d}.jpg')
    (tmp_path / 'anno' / 'UAV123').mkdir(parents=True)
    (tmp_path / 'anno' / 'UAV123' / 'bird1_2.txt').write_text('1,2,3,4\n1,2,3,4\n1,2,3,4\n')
    (tmp_path / 'configSeqs.m').write_text(
        "seqs={struct('name','bird1_1','path','D:\\data_seq\\UAV123\\bird1\\',"
        "'startFrame',1,'endFrame',2,'nz',6,'ext','jpg','init_rect',[0,0,0,0]),...\n"
        "struct('name','bird1_2','path','D:\\data_seq\\UAV123\\bird1\\',"
        "'startFrame',3,'endFrame',5,'nz',6,'ext','jpg','init_rect',[0,0,0,0])};\n")
    sequence = read_uav123(tmp_path, 'bird1_2')
    assert sequence.name == 'UAV123/bird1_2'
    assert [p.name for p in sequence.frame_paths] == ['000003.jpg', '000004.jpg', '000005.jpg']


def test_uav123_sub_sequence_without_config_seqs_is_a_clear_error(tmp_path):
    images(tmp_path / 'data_seq' / 'UAV123' / 'bird1', 2, '{:06d}.jpg')
    (tmp_path / 'anno' / 'UAV123').mkdir(parents=True)
    (tmp_path / 'anno' / 'UAV123' / 'bird1_1.txt').write_text('1,2,3,4\n')
    with pytest.raises(ValueError, match="needs the benchmark's configSeqs.m"):
        read_uav123(tmp_path, 'bird1_1')


def test_got10k_absence_label(tmp_path):
    folder = tmp_path / 'GOT-10k_Val_000001'
    images(folder, 3, '{:08d}.jpg')
    (folder / 'groundtruth.txt').write_text('1,2,3,4\n2,3,4,5\n3,4,5,6\n')
    (folder / 'absence.label').write_text('0\n1\n0\n')
    assert read_got10k(folder).boxes == [Box(1, 2, 3, 4), None, Box(3, 4, 5, 6)]


def test_lasot_occlusion_and_out_of_view(tmp_path):
    folder = tmp_path / 'airplane' / 'airplane-1'
    images(folder / 'img', 4, '{:08d}.jpg')
    (folder / 'groundtruth.txt').write_text('1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n')
    (folder / 'full_occlusion.txt').write_text('0,1,0,0')
    (folder / 'out_of_view.txt').write_text('0,0,0,1')
    sequence = read_lasot(folder)
    assert sequence.name == 'LaSOT/airplane-1'
    assert [box is None for box in sequence.boxes] == [False, True, False, True]


def test_vot_polygons_become_axis_aligned_boxes(tmp_path):
    folder = tmp_path / 'ball1'
    images(folder / 'color', 3, '{:08d}.jpg')
    (folder / 'groundtruth.txt').write_text(
        '10,20,30,20,30,40,10,40\n5.5,6.5,7,8\nnan,nan,nan,nan,nan,nan,nan,nan\n')
    sequence = read_vot(folder)
    assert sequence.boxes == [Box(10, 20, 20, 20), Box(5.5, 6.5, 7, 8), None]


def test_rotated_polygon_and_bad_rows():
    # A diamond: its bounding box spans the extreme corners.
    assert polygon_to_box([5, 0, 10, 5, 5, 10, 0, 5]) == Box(0, 0, 10, 10)
    assert polygon_to_box([math.nan] * 8) is None
    with pytest.raises(ValueError, match='expected 4 numbers or a polygon'):
        polygon_to_box([1, 2, 3, 4, 5])


def test_read_sequence_dispatches_on_the_layout(tmp_path):
    folder = tmp_path / 'GOT-10k_Val_000002'
    images(folder, 2, '{:08d}.jpg')
    (folder / 'groundtruth.txt').write_text('1,2,3,4\n1,2,3,4\n')
    assert read_sequence('got10k', tmp_path, 'GOT-10k_Val_000002').name == \
        'GOT-10k/GOT-10k_Val_000002'
    with pytest.raises(ValueError, match="unknown layout 'imagenet'"):
        read_sequence('imagenet', tmp_path, 'x')
    with pytest.raises(ValueError, match='CHUNK/SEQUENCE'):
        read_sequence('trackingnet', tmp_path, 'x')
