"""From classification scores to a target displacement and ATOM's confidence flags."""

from __future__ import annotations

from dataclasses import dataclass
import enum
import math

import torch
from torch import Tensor

from ros_tracker.atom.params import AtomParams


class Flag(str, enum.Enum):
    """ATOM's verdict on a frame (Sec. 3.3, hard negative mining)."""

    NORMAL = 'normal'
    NOT_FOUND = 'not_found'
    UNCERTAIN = 'uncertain'
    HARD_NEGATIVE = 'hard_negative'


def _upsample_axis(x: Tensor, size: int, dim: int) -> Tensor:
    """Trigonometric interpolation along dim: the periodic signal sampled size times per period."""
    n = x.shape[dim]
    spectrum = torch.fft.fft(x, dim=dim)
    padded_shape = list(x.shape)
    padded_shape[dim] = size
    padded = spectrum.new_zeros(padded_shape)
    half = (n + 1) // 2  # non-negative frequencies 0 .. half - 1
    padded.narrow(dim, 0, half).copy_(spectrum.narrow(dim, 0, half))
    negative = n - half - (n % 2 == 0)  # negative frequencies, without the Nyquist bin
    if negative:
        source = spectrum.narrow(dim, n - negative, negative)
        padded.narrow(dim, size - negative, negative).copy_(source)
    if n % 2 == 0:  # the Nyquist bin at full weight at +n/2 and at -n/2, as officially
        nyquist = spectrum.narrow(dim, n // 2, 1)
        padded.narrow(dim, n // 2, 1).copy_(nyquist)
        padded.narrow(dim, size - n // 2, 1).add_(nyquist)
    return torch.fft.ifft(padded, dim=dim).real * (size / n)


def upsample_scores(scores: Tensor, size: int) -> Tensor:
    """Scores Tensor[..., n, n] interpolated to Tensor[..., size, size] with torch.fft."""
    return _upsample_axis(_upsample_axis(scores, size, -2), size, -1)


@dataclass(frozen=True)
class Localization:
    """Where the classifier puts the target.

    Attributes:
        displacement: (y, x) from the patch centre to the target, in patch pixels.
        score: the highest classification score.
        flag: ATOM's verdict.
        second_score: the highest score outside the target's neighbourhood (0 when the peak
            is too low for a second one to be looked for).
    """

    displacement: tuple[float, float]
    score: float
    flag: Flag
    second_score: float = 0.0


def localize(scores: Tensor, target_size_patch: Tensor, params: AtomParams) -> Localization:
    """ATOM's advanced localization on upsampled scores Tensor[S, S], where index i stands for
    a displacement of i - S/2 patch pixels; target_size_patch is (h, w) in patch pixels."""
    size = scores.shape[-1]
    centre = size // 2

    def peak(map_: Tensor) -> tuple[float, int, int]:
        index = int(torch.argmax(map_))
        return float(map_.flatten()[index]), index // size, index % size

    score1, y1, x1 = peak(scores)
    displacement1 = (float(y1 - centre), float(x1 - centre))
    if score1 < params.target_not_found_threshold:
        return Localization(displacement1, score1, Flag.NOT_FOUND)
    neighbourhood = params.target_neighborhood_scale * target_size_patch
    top = max(round(y1 - float(neighbourhood[0]) / 2), 0)
    bottom = min(round(y1 + float(neighbourhood[0]) / 2 + 1), size)
    left = max(round(x1 - float(neighbourhood[1]) / 2), 0)
    right = min(round(x1 + float(neighbourhood[1]) / 2 + 1), size)
    masked = scores.clone()
    masked[top:bottom, left:right] = 0
    score2, y2, x2 = peak(masked)
    displacement2 = (float(y2 - centre), float(x2 - centre))
    if score2 > params.distractor_threshold * score1:
        threshold = params.displacement_scale * size / 2
        near1 = math.hypot(*displacement1) < threshold
        near2 = math.hypot(*displacement2) < threshold
        if near1 and not near2:
            return Localization(displacement1, score1, Flag.HARD_NEGATIVE, score2)
        if near2 and not near1:
            return Localization(displacement2, score1, Flag.HARD_NEGATIVE, score2)
        return Localization(displacement1, score1, Flag.UNCERTAIN, score2)
    if (score2 > params.hard_negative_threshold * score1
            and score2 > params.target_not_found_threshold):
        return Localization(displacement1, score1, Flag.HARD_NEGATIVE, score2)
    return Localization(displacement1, score1, Flag.NORMAL, score2)
