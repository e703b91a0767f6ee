"""Precise RoI Pooling (Jiang et al., ECCV 2018) in plain PyTorch, on any device.

Each output bin is the exact average of the bilinearly interpolated feature map over the bin,
so the result is differentiable with respect to the features and to the box coordinates
(ATOM refines boxes by gradient ascent through it). The integral has a closed form: along each
axis, the interpolation weight of feature cell i integrated over [a, b] is T(b - i) - T(a - i),
where T is the antiderivative of the triangle kernel max(0, 1 - |u|); a bin is then
Ky @ f @ Kx^T / (bin area).
"""

from __future__ import annotations

import torch
from torch import nn, Tensor


def _triangle_antiderivative(t: Tensor) -> Tensor:
    """T(t) = integral of max(0, 1 - |u|) from -inf to t."""
    t = t.clamp(-1.0, 1.0)
    return torch.where(t <= 0.0, 0.5 * (t + 1.0) ** 2, 1.0 - 0.5 * (1.0 - t) ** 2)


def _axis_weights(start: Tensor, end: Tensor, bins: int, cells: int) -> Tensor:
    """Integrated interpolation weights Tensor[K, bins, cells] of each bin over each cell."""
    steps = torch.arange(bins + 1, dtype=start.dtype, device=start.device) / bins
    edges = start[:, None] + (end - start)[:, None] * steps  # [K, bins + 1]
    grid = torch.arange(cells, dtype=start.dtype, device=start.device)
    cumulative = _triangle_antiderivative(edges[:, :, None] - grid)  # [K, bins + 1, cells]
    return cumulative[:, 1:] - cumulative[:, :-1]


def prroi_pool2d(features: Tensor, rois: Tensor, output_size: tuple[int, int],
                 spatial_scale: float) -> Tensor:
    """Pool each box of rois over features.

    Args:
        features: Tensor[B, C, H, W].
        rois: Tensor[K, 5] of (batch index, x1, y1, x2, y2) in input-image pixels; a box is
            mapped to feature cells by spatial_scale, with cell (i, j) at continuous (y=i, x=j).
        output_size: (PH, PW) bins per box.
        spatial_scale: feature cells per input pixel (1/8 for stride 8).

    Returns:
        Tensor[K, C, PH, PW]: the mean of the zero-padded bilinear interpolant over each bin;
        0 for bins of zero area.
    """
    bins_h, bins_w = output_size
    channels, height, width = features.shape[1:]
    batch_index = rois[:, 0].long()
    x1, y1, x2, y2 = (rois[:, i] * spatial_scale for i in range(1, 5))
    x2 = torch.maximum(x2, x1)  # an inverted box has zero area
    y2 = torch.maximum(y2, y1)
    weights_x = _axis_weights(x1, x2, bins_w, width)  # [K, PW, W]
    weights_y = _axis_weights(y1, y2, bins_h, height)  # [K, PH, H]
    # Channel-last rows [H, W * C]: free for channels-last maps (the tracker's), and the two
    # products below then need no copy of the map or of the intermediate.
    rows = features.permute(0, 2, 3, 1).reshape(len(features), height, width * channels)
    pooled = features.new_zeros(len(rois), bins_h, bins_w, channels)
    for batch in torch.unique(batch_index).tolist():
        selected = (batch_index == batch).nonzero()[:, 0]
        count = len(selected)
        along_y = weights_y[selected].reshape(count * bins_h, height) @ rows[batch]
        along_x = weights_x[selected].repeat_interleave(bins_h, dim=0) @ \
            along_y.reshape(count * bins_h, width, channels)  # [n*PH, PW, C]
        pooled = pooled.index_copy(0, selected,
                                   along_x.reshape(count, bins_h, bins_w, channels))
    pooled = pooled.permute(0, 3, 1, 2)
    bin_area = ((x2 - x1) / bins_w) * ((y2 - y1) / bins_h)  # [K]
    safe_area = torch.where(bin_area > 0, bin_area, torch.ones_like(bin_area))
    return torch.where(bin_area[:, None, None, None] > 0,
                       pooled / safe_area[:, None, None, None], torch.zeros_like(pooled))


class PrRoIPool2D(nn.Module):
    """Module form of prroi_pool2d (no parameters)."""

    def __init__(self, pooled_height: int, pooled_width: int, spatial_scale: float) -> None:
        super().__init__()
        if pooled_height < 1 or pooled_width < 1 or spatial_scale <= 0:
            raise ValueError('pooled sizes must be >= 1 and spatial_scale > 0')
        self.output_size = (pooled_height, pooled_width)
        self.spatial_scale = spatial_scale

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        return prroi_pool2d(features, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale})')
