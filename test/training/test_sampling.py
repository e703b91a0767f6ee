import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import StillImage
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.training.atom_samples import ImagePairs, PairSettings
from ros_tracker.training.sampling import draw_target

IMAGE = np.zeros((300, 400, 3), np.uint8)


def test_annotated_stills_give_one_of_their_boxes():
    boxes = [Box(1, 2, 3, 4), Box(5, 6, 7, 8)]
    drawn = {draw_target(StillImage(Path('x.png'), boxes), IMAGE, np.random.default_rng(seed))
             for seed in range(20)}
    assert drawn == set(boxes)


def test_stills_without_boxes_give_random_regions_inside_the_image():
    still = StillImage(Path('x.png'), [])
    boxes = [draw_target(still, IMAGE, np.random.default_rng(seed)) for seed in range(200)]
    for box in boxes:
        assert 0 <= box.x and box.x + box.w <= 400 and 0 <= box.y and box.y + box.h <= 300
        assert 0.08 * 300 - 1e-9 <= math.sqrt(box.w * box.h) <= 0.4 * 300 + 1e-9
        assert 1 / 2.5 - 1e-9 <= box.w / box.h <= 2.5 + 1e-9
    sizes = np.array([math.sqrt(b.w * b.h) for b in boxes])
    assert sizes.min() < 40 and sizes.max() > 90  # the whole range is used
    assert draw_target(still, IMAGE, np.random.default_rng(7)) == boxes[7]


def test_image_pairs_come_from_unannotated_images(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / 'texture.png'
    cv2.imwrite(str(path), rng.integers(0, 256, (120, 160, 3), dtype=np.uint8))
    pairs = ImagePairs(TrainingData(stills=[StillImage(path, [])]),
                       PairSettings(output_size=96, synthetic_probability=0.0), seed=1)
    pair = pairs[3]
    # the same image twice: the reference region sits centred, 1/5 of the crop
    assert pair.reference_box[2] * pair.reference_box[3] == pytest.approx((96 / 5) ** 2, rel=1e-4)
    assert pair.reference.shape == pair.test.shape == (96, 96, 3)
    assert pair.ious.min() > 0.1
