import pytest
import torch

from ros_tracker.atom.prroi_pool import prroi_pool2d, PrRoIPool2D


def bilinear(feature: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Zero-padded bilinear interpolant of feature[C, H, W] at points (y, x)."""
    height, width = feature.shape[-2:]
    rows = torch.arange(height, dtype=feature.dtype)
    cols = torch.arange(width, dtype=feature.dtype)
    wy = (1 - (y[:, None] - rows).abs()).clamp(min=0)  # [N, H]
    wx = (1 - (x[:, None] - cols).abs()).clamp(min=0)  # [N, W]
    return torch.einsum('nh,chw,nw->cn', wy, feature, wx)


def brute_force(feature, box, output_size, scale, samples=400):
    """Midpoint-rule integration of the interpolant over every bin."""
    x1, y1, x2, y2 = (v * scale for v in box)
    bins_h, bins_w = output_size
    out = torch.zeros(feature.shape[0], bins_h, bins_w, dtype=feature.dtype)
    for p in range(bins_h):
        for q in range(bins_w):
            ya = y1 + (y2 - y1) * p / bins_h
            yb = y1 + (y2 - y1) * (p + 1) / bins_h
            xa = x1 + (x2 - x1) * q / bins_w
            xb = x1 + (x2 - x1) * (q + 1) / bins_w
            t = (torch.arange(samples, dtype=feature.dtype) + 0.5) / samples
            ys, xs = torch.meshgrid(ya + (yb - ya) * t, xa + (xb - xa) * t, indexing='ij')
            out[:, p, q] = bilinear(feature, ys.flatten(), xs.flatten()).mean(dim=1)
    return out


@pytest.mark.parametrize('output_size, scale, box', [
    ((3, 3), 1 / 16, (30.0, 40.0, 170.0, 150.0)),
    ((1, 1), 1 / 16, (-20.0, 10.0, 100.0, 300.0)),  # partly outside the map
    ((5, 5), 1 / 8, (100.5, 7.25, 160.0, 90.0)),
])
def test_matches_numerical_integration(output_size, scale, box):
    torch.manual_seed(0)
    features = torch.randn(2, 3, 18, 18, dtype=torch.float64)
    rois = torch.tensor([[1.0, *box]], dtype=torch.float64)
    pooled = prroi_pool2d(features, rois, output_size, scale)
    expected = brute_force(features[1], box, output_size, scale)
    assert pooled.shape == (1, 3, *output_size)
    assert torch.allclose(pooled[0], expected, atol=1e-4)


def test_constant_map_inside_gives_the_constant_and_empty_boxes_give_zero():
    features = torch.full((1, 2, 10, 10), 3.0, dtype=torch.float64)
    rois = torch.tensor([[0, 16.0, 16.0, 64.0, 56.0], [0, 20.0, 20.0, 20.0, 50.0]],
                        dtype=torch.float64)
    pooled = prroi_pool2d(features, rois, (2, 2), 1 / 8)
    assert torch.allclose(pooled[0], torch.full((2, 2, 2), 3.0, dtype=torch.float64))
    assert torch.count_nonzero(pooled[1]) == 0


def test_gradients_with_respect_to_boxes_and_features():
    torch.manual_seed(1)
    features = torch.randn(1, 2, 9, 9, dtype=torch.float64, requires_grad=True)
    coordinates = torch.tensor([[10.3, 12.7, 50.2, 41.9], [3.1, 20.4, 30.6, 60.3]],
                               dtype=torch.float64, requires_grad=True)

    def pool(features, coordinates):
        rois = torch.cat([torch.zeros(2, 1, dtype=torch.float64), coordinates], dim=1)
        return prroi_pool2d(features, rois, (3, 3), 1 / 8)

    assert torch.autograd.gradcheck(pool, (features, coordinates))


def test_module_form():
    module = PrRoIPool2D(5, 5, 1 / 8)
    assert repr(module) == 'PrRoIPool2D(output_size=(5, 5), spatial_scale=0.125)'
    out = module(torch.randn(1, 4, 36, 36), torch.tensor([[0.0, 10, 10, 100, 120]]))
    assert out.shape == (1, 4, 5, 5)
    with pytest.raises(ValueError):
        PrRoIPool2D(0, 5, 1 / 8)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_matches_cpu():
    torch.manual_seed(2)
    features = torch.randn(2, 8, 36, 36)
    rois = torch.tensor([[0, 10.0, 20.0, 150.0, 200.0], [1, -5.0, 3.0, 60.0, 90.5]])
    expected = prroi_pool2d(features, rois, (5, 5), 1 / 8)
    pooled = prroi_pool2d(features.cuda(), rois.cuda(), (5, 5), 1 / 8)
    assert torch.allclose(pooled.cpu(), expected, atol=1e-5)


def test_boxes_of_several_images_in_any_order():
    torch.manual_seed(3)
    features = torch.randn(3, 4, 12, 12, dtype=torch.float64)
    rois = torch.tensor([[2, 5.0, 6, 60, 70], [0, 10, 10, 50, 40], [2, 0, 0, 90, 90],
                         [1, 30, 20, 80, 85]], dtype=torch.float64)
    together = prroi_pool2d(features, rois, (3, 3), 1 / 8)
    for row, roi in enumerate(rois):
        alone = prroi_pool2d(features[int(roi[0])][None],
                             torch.cat([roi.new_zeros(1), roi[1:]])[None], (3, 3), 1 / 8)
        assert torch.allclose(together[row], alone[0])


def test_channels_last_maps_pool_like_contiguous_ones():
    torch.manual_seed(4)
    features = torch.randn(2, 6, 10, 14, dtype=torch.float64)
    rois = torch.tensor([[1, 4.0, 3, 70, 50], [0, -8, 12, 40, 77]], dtype=torch.float64,
                        requires_grad=True)
    contiguous = prroi_pool2d(features, rois, (3, 2), 1 / 8)
    (box_gradient,) = torch.autograd.grad(contiguous.sum(), rois)
    channels_last = prroi_pool2d(features.contiguous(memory_format=torch.channels_last),
                                 rois, (3, 2), 1 / 8)
    (box_gradient_last,) = torch.autograd.grad(channels_last.sum(), rois)
    assert torch.allclose(channels_last, contiguous)
    assert torch.allclose(box_gradient_last, box_gradient)
