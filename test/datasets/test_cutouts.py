"""Object cut-outs: which files a folder gives, the held-out part, and the trimmed alpha."""

import zlib

import cv2
import numpy as np
import pytest

from ros_tracker.datasets.cutouts import find_cutouts, is_held_out, read_cutout
from ros_tracker.datasets.training_sets import read_source
from scenes import write_cutout


@pytest.fixture
def stamps(tmp_path):
    for name in ('animals/cat', 'animals/dog', 'food/apple', 'food/pear', 'town/house',
                 'vehicles/car', 'vehicles/bus', 'plants/tree', 'sports/ball', 'people/kid',
                 'hobbies/kite', 'space/moon', 'symbols/A'):
        write_cutout(tmp_path / f'{name}.png')
    return tmp_path


def test_a_tenth_is_held_out_by_the_checksum_of_the_relative_path(stamps):
    train, held_out = find_cutouts(stamps, 'train'), find_cutouts(stamps, 'held_out')
    everything = find_cutouts(stamps, 'all')
    assert sorted(train + held_out) == everything and not set(train) & set(held_out)
    assert len(everything) == 12, 'symbols/ is left out'
    for path in everything:
        relative = path.relative_to(stamps).as_posix()
        assert (path in held_out) == (zlib.crc32(relative.encode()) % 10 == 0)
    assert is_held_out('x') == (zlib.crc32(b'x') % 10 == 0)


def test_an_unknown_part_is_refused(stamps):
    with pytest.raises(ValueError, match="cut-out part 'test': expected one of train, "
                                         'held_out, all'):
        find_cutouts(stamps, 'test')


def test_a_source_spec_reads_cutouts(stamps):
    data = read_source(f'cutouts:{stamps}:all')
    assert len(data.cutouts) == 12 and not data.sequences and not data.stills
    assert data.describe() == '0 sequences, 0 still images, 12 cut-outs'


def test_a_cutout_is_trimmed_to_its_opaque_pixels_and_bounded_in_size(tmp_path):
    write_cutout(tmp_path / 'wide.png', size=(400, 100), color=(10, 20, 30))
    cutout = read_cutout(tmp_path / 'wide.png')
    assert cutout.alpha.shape == (64, 256) and cutout.color.shape == (64, 256, 3)
    assert cutout.alpha.min() == 1.0
    assert (cutout.color == (10, 20, 30)).all()
    assert read_cutout(tmp_path / 'wide.png', max_side=1000).alpha.shape == (100, 400)


def test_images_without_alpha_or_without_an_object_give_none(tmp_path):
    cv2.imwrite(str(tmp_path / 'rgb.png'), np.full((20, 20, 3), 128, np.uint8))
    cv2.imwrite(str(tmp_path / 'empty.png'), np.zeros((20, 20, 4), np.uint8))
    assert read_cutout(tmp_path / 'rgb.png') is None
    assert read_cutout(tmp_path / 'empty.png') is None
