"""ATOM's tracking loop pinned to the official semantics where they have a closed form: the
Gauss-Newton step, the score upsampling, the crop centres, the augmentation shifts, the
position clamp and the IoU-Net's fallback."""

from dataclasses import replace
import math

import pytest
import torch

from ros_tracker.atom import geometry
from ros_tracker.atom.box_estimation import IouNetRefinement, Target
from ros_tracker.atom.localization import Flag, upsample_scores
from ros_tracker.atom.model import atom_net
from ros_tracker.atom.optim import gauss_newton_step
from ros_tracker.atom.params import AtomParams
from ros_tracker.atom.sampling import first_frame_transforms, sample_patch


def test_a_gauss_newton_step_is_the_full_step_even_where_the_loss_rises():
    # r(x) = x^2 - 1 from x = 0.1: J = 0.2, the step -r/J = 4.95 overshoots to x = 5.05 (loss
    # 0.49 -> 300); the official optimizer has no line search and takes it.
    (x,), loss = gauss_newton_step(lambda v: v[0] ** 2 - 1, [torch.tensor([0.1],
                                                                          dtype=torch.float64)],
                                   cg_iter=1)
    assert float(x) == pytest.approx(5.05, abs=1e-12)
    assert loss == pytest.approx(0.5 * 0.99 ** 2, abs=1e-12)


def test_upsampling_keeps_the_nyquist_bins_at_full_weight():
    # The even map [1, -1] is all Nyquist: with both bins at full weight it becomes
    # 2 cos(2 pi t / size), twice the split-bin interpolation's cos(2 pi t / size).
    size = 8
    coarse = torch.tensor([1.0, -1.0], dtype=torch.float64)
    upsampled = upsample_scores(coarse[:, None] * torch.ones(1, 2, dtype=torch.float64), size)
    t = torch.arange(size, dtype=torch.float64)
    expected = (2 * torch.cos(2 * math.pi * t / size))[:, None].expand(size, size)
    assert torch.allclose(upsampled, expected, atol=1e-12)


@pytest.mark.parametrize('centre, expected', [(10.7, 10), (10.2, 10), (-0.5, 0), (-1.5, -1)])
def test_patches_are_cut_at_the_truncated_centre(centre, expected):
    columns = torch.arange(40, dtype=torch.float32).expand(1, 3, 40, 40).clone() + 100
    patch = sample_patch(columns, torch.tensor([20.0, centre]), torch.tensor([5.0, 5.0]), 5)
    # A 5-pixel patch is centred on its third column; outside the image the border repeats.
    assert float(patch[0, 0, 2, 2]) == 100 + max(expected, 0)
    assert float(patch[0, 0, 2, 4]) == 100 + max(expected + 2, 0)


def test_relative_shifts_get_no_random_shift_and_the_others_do():
    transforms = first_frame_transforms([(0.6, 0.6), (-0.6, 0.6)], True, [(2.0, 0.2)], (),
                                        288, 1 / 3, torch.Generator().manual_seed(0))
    shifts = {t.kind: [] for t in transforms}
    for t in transforms:
        shifts[t.kind].append(t.shift)
    assert shifts['identity'] == [(0, 0)]
    assert shifts['shift'] == [(86, 86), (-86, 86)]  # int(+-0.6 * 144): truncated
    assert shifts['flip'] != [(0, 0)] and shifts['blur'] != [(0, 0)]


def test_the_position_is_kept_within_point_three_target_sizes_outside_the_image():
    size, image = torch.tensor([10.0, 20.0]), torch.tensor([100.0, 200.0])
    assert geometry.clamped_position(torch.tensor([1000.0, 1000.0]), size, image).tolist() \
        == [103.0, 206.0]
    assert geometry.clamped_position(torch.tensor([-50.0, -50.0]), size, image).tolist() \
        == [-3.0, -6.0]


def test_when_every_refined_box_is_implausible_the_target_returns_to_the_iou_nets_place():
    torch.manual_seed(0)
    net = atom_net().eval()
    # An aspect-ratio limit of 1 keeps no box: every refinement fails.
    params = replace(AtomParams(mode='full'), maximal_aspect_ratio=1.0)
    refinement = IouNetRefinement(net.bb_regressor, params, torch.device('cpu'), None,
                                  torch.Generator().manual_seed(0))
    features = [torch.randn(1, 128, 36, 36), torch.randn(1, 256, 18, 18)]
    start = torch.tensor([100.0, 120.0])
    target = Target(start, torch.tensor([40.0, 30.0]), 1.0, torch.tensor([40.0, 30.0]),
                    torch.tensor([240.0, 320.0]))
    refinement.start(None, target, features, torch.round(start))
    target.move_to(torch.tensor([110.0, 131.0]))  # where the classifier moved it
    refinement.estimate(None, target, features, torch.round(start), 1.0, Flag.NORMAL)
    assert target.position.tolist() == start.tolist()
    assert target.size.tolist() == [40.0, 30.0]
