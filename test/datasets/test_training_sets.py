import json

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
import ros_tracker.datasets.imagenet as imagenet
from ros_tracker.datasets.imagenet import read_det, read_vid, VID_CLASSES, vid_labels
from ros_tracker.datasets.training_sets import read_source, read_sources
from scenes import write_sequence


def _image(path, width=64, height=48):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((height, width, 3), 128, np.uint8))


def _xml(path, objects, width=64, height=48):
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ''.join(
        f'<object><trackid>{o.get("trackid", 0)}</trackid><name>{o["name"]}</name>'
        f'<bndbox><xmax>{o["box"][2]}</xmax><xmin>{o["box"][0]}</xmin>'
        f'<ymax>{o["box"][3]}</ymax><ymin>{o["box"][1]}</ymin></bndbox>'
        f'<occluded>{o.get("occluded", 0)}</occluded></object>' for o in objects)
    path.write_text(f'<annotation><folder>x</folder><size><width>{width}</width>'
                    f'<height>{height}</height></size>{body}</annotation>')


def _vid(root):
    """Two snippets: the first with track 0 (frames 0-1) and track 1 (frames 1-2); the second
    with a frame without objects and one whose object is not of a VID class."""
    cat, dog = VID_CLASSES[0], VID_CLASSES[5]
    snippet = root / 'Annotations/VID/train/ILSVRC2015_VID_train_0000/snip_a'
    _xml(snippet / '000000.xml', [{'name': cat, 'trackid': 0, 'box': (1, 2, 11, 22)}])
    _xml(snippet / '000001.xml', [{'name': cat, 'trackid': 0, 'box': (2, 2, 12, 22)},
                                  {'name': dog, 'trackid': 1, 'box': (30, 5, 40, 25),
                                   'occluded': 1}])
    _xml(snippet / '000002.xml', [{'name': dog, 'trackid': 1, 'box': (31, 5, 41, 25)}])
    other = root / 'Annotations/VID/train/ILSVRC2015_VID_train_0001/snip_b'
    _xml(other / '000000.xml', [])
    _xml(other / '000001.xml', [{'name': 'n99999999', 'trackid': 0, 'box': (0, 0, 5, 5)}])


def test_vid_label_cache_rows_follow_the_official_format(tmp_path):
    _vid(tmp_path)
    labels, names = vid_labels(tmp_path)
    assert names[0] == 'Data/VID/train/ILSVRC2015_VID_train_0000/snip_a/000000.JPEG'
    assert len(names) == 5  # one line per XML, with or without objects
    # xmin, ymin, xmax, ymax, video_id, track_id, im_id, class_idx, occluded; tracks contiguous
    assert labels.tolist() == [[1, 2, 11, 22, 0, 0, 0, 1, 0], [2, 2, 12, 22, 0, 0, 1, 1, 0],
                               [30, 5, 40, 25, 0, 1, 1, 6, 1], [31, 5, 41, 25, 0, 1, 2, 6, 0]]
    assert (tmp_path / 'labels/vid_train/labels.npy').is_file()


def test_vid_xml_is_parsed_only_once(tmp_path, monkeypatch):
    _vid(tmp_path)
    first = read_vid(tmp_path)

    def fail(path):
        raise AssertionError(f'parsed {path} again')

    monkeypatch.setattr(imagenet, '_objects', fail)
    again = read_vid(tmp_path)
    assert [(s.name, s.boxes, s.frame_paths) for s in again] == [
        (s.name, s.boxes, s.frame_paths) for s in first]


def test_vid_tracks_become_sequences_with_image_paths(tmp_path):
    _vid(tmp_path)
    cat, dog = read_vid(tmp_path)
    assert cat.name == 'VID/snip_a/0' and dog.name == 'VID/snip_a/1'
    assert cat.boxes == [Box(1, 2, 10, 20), Box(2, 2, 10, 20)]
    assert dog.boxes == [Box(30, 5, 10, 20), Box(31, 5, 10, 20)]
    assert dog.frame_paths[0] == (tmp_path / 'Data/VID/train/ILSVRC2015_VID_train_0000/snip_a/'
                                  '000001.JPEG')


def test_det_drops_boxes_under_one_percent_of_the_image(tmp_path):
    folder = tmp_path / 'Annotations/DET/train/ILSVRC2013_train/n01'
    _xml(folder / 'a.xml', [{'name': 'n01', 'box': (0, 0, 32, 24)},
                            {'name': 'n01', 'box': (0, 0, 5, 5)}], width=64, height=48)
    _xml(tmp_path / 'Annotations/DET/train/ILSVRC2014_train_0000/b.xml',
         [{'name': 'n02', 'box': (10, 10, 40, 40)}])
    _xml(folder / 'c.xml', [{'name': 'n01', 'box': (0, 0, 3, 3)}])
    stills = read_det(tmp_path)
    assert [(s.path.name, s.boxes) for s in stills] == [
        ('a.JPEG', [Box(0, 0, 32, 24)]), ('b.JPEG', [Box(10, 10, 30, 30)])]
    assert read_det(tmp_path, min_area_fraction=0.0)[0].boxes[1] == Box(0, 0, 5, 5)


def test_coco_leaves_out_crowds_and_tiny_boxes(tmp_path):
    (tmp_path / 'annotations').mkdir()
    _image(tmp_path / 'train2014' / 'COCO_1.jpg', 100, 100)
    content = {'images': [{'id': 1, 'file_name': 'COCO_1.jpg', 'width': 100, 'height': 100},
                          {'id': 2, 'file_name': 'COCO_2.jpg', 'width': 100, 'height': 100}],
               'annotations': [{'image_id': 1, 'bbox': [10, 20, 30, 40], 'iscrowd': 0},
                               {'image_id': 1, 'bbox': [0, 0, 50, 50], 'iscrowd': 1},
                               {'image_id': 2, 'bbox': [0, 0, 5, 5], 'iscrowd': 0}]}
    (tmp_path / 'annotations' / 'instances_train2014.json').write_text(json.dumps(content))
    (still,) = read_source(f'coco:{tmp_path}').stills
    assert still.path == tmp_path / 'train2014' / 'COCO_1.jpg'
    assert still.boxes == [Box(10, 20, 30, 40)]
    assert still.image().shape == (100, 100, 3)


def test_trackingnet_frames_are_sorted_by_number(tmp_path):
    chunk = tmp_path / 'TRAIN_0'
    for index in range(11):
        _image(chunk / 'frames' / 'seq' / f'{index}.jpg')
    (chunk / 'anno').mkdir()
    (chunk / 'anno' / 'seq.txt').write_text(''.join(f'{i},1,2,3\n' for i in range(11)))
    (sequence,) = read_source(f'trackingnet:{tmp_path}').sequences
    assert [p.name for p in sequence.frame_paths][9:] == ['9.jpg', '10.jpg']
    assert sequence.boxes[10] == Box(10, 1, 2, 3)


def test_got10k_train_list_and_lasot_classes(tmp_path):
    got = tmp_path / 'got' / 'GOT-10k_Train_000001'
    _image(got / '00000001.jpg')
    (got / 'groundtruth.txt').write_text('1,2,3,4\n')
    (tmp_path / 'got' / 'list.txt').write_text('GOT-10k_Train_000001\n')
    for name in ('cat/cat-1', 'dog/dog-1'):
        folder = tmp_path / 'lasot' / name
        _image(folder / 'img' / '00000001.jpg')
        (folder / 'groundtruth.txt').write_text('1,2,3,4\n')
    assert [s.name for s in read_source(f'got10k:{tmp_path / "got"}').sequences] == [
        'GOT-10k/GOT-10k_Train_000001']
    assert [s.name for s in read_source(f'lasot:{tmp_path / "lasot"}:dog').sequences] == [
        'LaSOT/dog-1']


def test_uniform_sources_by_names_or_all(tmp_path):
    write_sequence(tmp_path / 'A' / 'one')
    write_sequence(tmp_path / 'B' / 'two')
    data = read_sources([f'uniform:{tmp_path}', f'uniform:{tmp_path}:B/two'])
    assert [s.name for s in data.sequences] == ['A/one', 'B/two', 'B/two']
    assert data.describe() == '3 sequences, 0 still images'


@pytest.mark.parametrize('spec, message', [
    ('imagenet:/tmp', 'expected kind:root'), ('uniform', 'expected kind:root'),
    ('uniform:/no/such/folder', 'no such folder')])
def test_bad_source_specifications_are_explained(spec, message):
    with pytest.raises(ValueError, match=message):
        read_source(spec)


def test_an_empty_source_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='no annotated sequences or images'):
        read_source(f'got10k:{tmp_path}')


def test_image_folders_are_stills_without_boxes(tmp_path):
    _image(tmp_path / 'a.png')
    _image(tmp_path / 'deep' / 'er' / 'b.JPG')
    (tmp_path / 'notes.txt').write_text('not an image')
    data = read_source(f'images:{tmp_path}')
    assert [s.path.relative_to(tmp_path).as_posix() for s in data.stills] == ['a.png',
                                                                              'deep/er/b.JPG']
    assert all(s.boxes == [] for s in data.stills) and data.sequences == []
