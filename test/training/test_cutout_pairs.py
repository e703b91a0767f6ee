"""Cut-out pairs for the IoU-Net: exact boxes, placements in closed form, and pairs in
ImagePairs."""

from dataclasses import replace
import math

import numpy as np
import pytest
import torch

from ros_tracker.datasets.cutouts import CutOut, read_cutout
from ros_tracker.datasets.sequence import StillImage
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.training.atom_samples import ImagePairs, PairSettings
from ros_tracker.training.atom_trainer import spearman
from ros_tracker.training.cutout_pairs import (CutoutPairSettings, opaque_box, paste, Placement,
                                               render_cutout_pair)
from scenes import write_cutout

RED = (0, 0, 255)
STILL_MOTION = CutoutPairSettings(motion=0.0, scale_sigma=0.0, aspect_sigma=0.0,
                                  rotation_sigma=0.0, brightness_sigma=0.0, max_distractors=0,
                                  occlusion_probability=0.0)


def solid(width: int, height: int, color=RED) -> CutOut:
    return CutOut(np.full((height, width, 3), color, np.uint8),
                  np.ones((height, width), np.float32))


def test_a_placement_maps_the_cutout_to_its_centre_size_and_aspect():
    cutout = solid(40, 10)  # sqrt(w * h) = 20
    matrix = Placement((100.0, 50.0), 40.0, 4.0, 0.0).matrix(cutout)
    corners = np.array([[0, 0, 1], [40, 10, 1]]) @ matrix.T
    # scale 2, then the width times 2 and the height divided by 2
    assert corners == pytest.approx(np.array([[20.0, 45.0], [180.0, 55.0]]))


def test_a_quarter_turn_swaps_width_and_height():
    frame = np.zeros((200, 200, 3), np.uint8)
    box = opaque_box(paste(frame, solid(60, 20), Placement((100.0, 100.0), math.sqrt(1200), 1.0,
                                                           90.0)))
    assert (box.w, box.h) == pytest.approx((20, 60), abs=1)
    assert box.center == pytest.approx((100, 100), abs=1)


def test_the_box_is_the_extent_of_the_target_and_the_target_is_pasted():
    background = np.full((240, 320, 3), 90, np.uint8)
    unscaled = replace(STILL_MOTION, target_size=(math.sqrt(30 * 20) / 240,) * 2)
    frames, boxes = render_cutout_pair(background, solid(30, 20), [], np.random.default_rng(0),
                                       unscaled)
    assert boxes[0] == boxes[1]
    for frame, box in zip(frames, boxes):
        assert (box.w, box.h) == pytest.approx((30, 20), abs=1)
        x, y, w, h = (int(v) for v in (box.x, box.y, box.w, box.h))
        assert (frame[y + 1:y + h - 1, x + 1:x + w - 1] == RED).all()
        outside = np.ones(frame.shape[:2], bool)
        outside[y - 1:y + h + 1, x - 1:x + w + 1] = False  # edge pixels less than half opaque
        assert (frame[outside] == 90).all()
    assert (background == 90).all(), 'the background is left as it was'


def test_an_occluder_covers_the_target_but_not_its_box():
    background = np.full((240, 320, 3), 90, np.uint8)
    settings = replace(STILL_MOTION, occlusion_probability=1.0, occluder_size=(0.5, 0.5))
    frames, boxes = render_cutout_pair(background, solid(40, 40), [solid(10, 10, (255, 0, 0))],
                                       np.random.default_rng(1), settings)
    assert boxes[0] == boxes[1]
    box = boxes[1]
    inside = frames[1][int(box.y):int(box.y + box.h), int(box.x):int(box.x + box.w)]
    assert (inside == (255, 0, 0)).all(axis=2).sum() > 0.1 * box.w * box.h
    assert not (frames[0] == (255, 0, 0)).all(axis=2).any(), 'only the second frame is covered'


def test_image_pairs_draw_cutout_pairs_over_the_stills(tmp_path, tiny_data):
    write_cutout(tmp_path / 'objects' / 'a.png', size=(30, 30), margin=3, color=RED)
    stills = [StillImage(p, []) for p in sorted(tiny_data.rglob('*.jpg'))[:3]]
    data = TrainingData(stills=stills, cutouts=[tmp_path / 'objects' / 'a.png'])
    settings = PairSettings(output_size=128, grayscale_probability=0.0, brightness_jitter=0.0,
                            cutout_probability=1.0)
    pair = ImagePairs(data, settings, 0, cutout_pairs=STILL_MOTION)[0]
    assert read_cutout(tmp_path / 'objects' / 'a.png').alpha.shape == (30, 30)
    x, y, w, h = pair.reference_box
    assert pair.reference[int(y + h / 2), int(x + w / 2)] == pytest.approx((255, 0, 0), abs=2)
    assert (x + w / 2, y + h / 2) == pytest.approx((64, 64), abs=0.5), 'the crop is centred'


def test_spearman_matches_the_closed_form():
    predicted = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4], [4.0, 3.0, 2.0, 1.0]])
    true = torch.tensor([[0.1, 0.3, 0.2, 0.4], [0.5, 0.6, 0.7, 0.8], [0.5, 0.6, 0.7, 0.8]])
    # rank differences (0, 1, -1, 0): 1 - 6 * 2 / (4 * (16 - 1)) = 0.8
    assert spearman(predicted, true).tolist() == pytest.approx([0.8, 1.0, -1.0])
