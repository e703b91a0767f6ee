import math

import pytest
import torch

from ros_tracker.atom.localization import Flag, localize, upsample_scores
from ros_tracker.atom.params import AtomParams


@pytest.mark.parametrize('n', [18, 17])
def test_upsampling_interpolates_band_limited_signals_exactly(n):
    size = 16 * n
    fine = torch.arange(size, dtype=torch.float64) / 16  # positions in coarse cells

    def signal(t):
        return 1.0 + torch.cos(2 * math.pi * 2 * t / n) + 0.5 * torch.sin(2 * math.pi * 3 * t / n)

    coarse = signal(torch.arange(n, dtype=torch.float64))
    image = coarse[:, None] * coarse[None, :]
    upsampled = upsample_scores(image, size)
    assert upsampled.shape == (size, size)
    assert torch.allclose(upsampled, signal(fine)[:, None] * signal(fine)[None, :], atol=1e-9)


def bump(y, x, height=1.0, size=288):
    grid = torch.arange(size, dtype=torch.float32)
    return height * torch.exp(-((grid[:, None] - y) ** 2 + (grid[None, :] - x) ** 2) / 200.0)


TARGET = torch.tensor([40.0, 40.0])


def test_single_peak_is_normal_with_its_displacement():
    result = localize(bump(150, 130), TARGET, AtomParams())
    assert result.flag is Flag.NORMAL and result.displacement == (6.0, -14.0)
    assert result.score == pytest.approx(1.0)


def test_low_peak_is_not_found():
    assert localize(bump(150, 130, 0.2), TARGET, AtomParams()).flag is Flag.NOT_FOUND


def test_distractors():
    params = AtomParams()
    # A far second peak almost as high as a near first one: hard negative, keep the near one.
    far = localize(bump(150, 150) + bump(150, 20, 0.9), TARGET, params)
    assert far.flag is Flag.HARD_NEGATIVE and far.displacement == (6.0, 6.0)
    # The higher peak is far, the second near: hard negative, move to the near one.
    swap = localize(bump(150, 20) + bump(150, 150, 0.9), TARGET, params)
    assert swap.flag is Flag.HARD_NEGATIVE and swap.displacement == (6.0, 6.0)
    # Two near peaks of similar height: uncertain.
    both = localize(bump(150, 120) + bump(150, 190, 0.9), TARGET, params)
    assert both.flag is Flag.UNCERTAIN
    # A clearly lower second peak above half the first: hard negative.
    weaker = localize(bump(150, 150) + bump(150, 40, 0.6), TARGET, params)
    assert weaker.flag is Flag.HARD_NEGATIVE


def test_the_second_score_is_the_peak_outside_the_targets_neighbourhood():
    params = AtomParams()
    result = localize(bump(150, 150) + bump(150, 40, 0.6), TARGET, params)
    assert result.score == pytest.approx(1.0, abs=1e-6)
    assert result.second_score == pytest.approx(0.6, abs=1e-3)
    assert localize(bump(150, 130, 0.2), TARGET, params).second_score == 0.0
