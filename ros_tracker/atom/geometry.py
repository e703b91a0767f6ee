"""ATOM's geometry as pure functions: positions and sizes are (y, x) / (h, w) tensors in image
pixels, patch boxes are xywh in the pixels of a square sample patch."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ros_tracker.boxes import Box

#: Pixels of the sample patch per cell of the classifier's feature map (ResNet layer3).
FEATURE_STRIDE = 16


def centre_and_size(box: Box) -> tuple[Tensor, Tensor]:
    """The (y, x) centre and (h, w) size of box, in float32 whatever the box holds."""
    position = torch.tensor([box.y + (box.h - 1) / 2, box.x + (box.w - 1) / 2],
                            dtype=torch.float32)
    return position, torch.tensor([box.h, box.w], dtype=torch.float32)


def to_box(position: Tensor, size: Tensor) -> Box:
    """The Box with centre position and size."""
    (cy, cx), (h, w) = position.tolist(), size.tolist()
    return Box(cx - (w - 1) / 2, cy - (h - 1) / 2, w, h)


def search_scale(target_size: Tensor, search_area_scale: float, sample_size: int) -> float:
    """Image pixels per patch pixel when the patch covers search_area_scale times the target's
    side (the square root of its area)."""
    return math.sqrt(float((target_size * search_area_scale).prod())) / sample_size


def patch_box(position: Tensor, size: Tensor, sample_position: Tensor, scale: float,
              sample_size: int) -> Tensor:
    """The box of centre position and size, as xywh in the patch sampled at sample_position
    with scale."""
    centre = (position - sample_position) / scale + (sample_size - 1) / 2
    box_size = size / scale
    top_left = centre - (box_size - 1) / 2
    return torch.cat([top_left.flip(0), box_size.flip(0)])


def from_patch_box(box: Tensor, sample_position: Tensor, scale: float,
                   sample_size: int) -> tuple[Tensor, Tensor]:
    """The image centre and size of a patch box (the inverse of patch_box)."""
    centre = box[:2] + box[2:] / 2 - (sample_size - 1) / 2
    return centre.flip(0) * scale + sample_position, box[2:].flip(0) * scale


def feature_cells_per_pixel(sample_size: int) -> float:
    """Cells of the feature map per pixel of a patch of sample_size."""
    return (sample_size // FEATURE_STRIDE) / sample_size


def label_centres(position: Tensor, sample_position: Tensor, scale: float,
                  shifts: list[tuple[int, int]], sample_size: int) -> Tensor:
    """Label centres in feature cells for the target at position, one per patch shift (in
    patch pixels)."""
    cells = feature_cells_per_pixel(sample_size)
    base = (position - sample_position) / scale * cells + 0.5  # +0.5: the even filter
    offsets = torch.tensor(shifts, dtype=torch.float32) * cells
    return base[None] + offsets


def label_sigma(base_target_size: Tensor, output_sigma_factor: float, sample_size: int) -> float:
    """Width in feature cells of the Gaussian label of a target of base_target_size (in patch
    pixels)."""
    cells = base_target_size * feature_cells_per_pixel(sample_size)
    return output_sigma_factor * math.sqrt(float(cells.prod()))


def clamped_scale(scale: float, base_target_size: Tensor, image_size: Tensor) -> float:
    """scale kept, as officially, where the target is at least 10 px and at most the image."""
    smallest = float(torch.max(10.0 / base_target_size))
    largest = float(torch.min(image_size / base_target_size))
    return min(max(scale, smallest), largest)


def clamped_position(position: Tensor, target_size: Tensor, image_size: Tensor) -> Tensor:
    """position kept within 0.3 target sizes outside the image (as officially)."""
    margin = -0.3 * target_size
    return torch.maximum(torch.minimum(position, image_size - margin), margin)
