"""Image patches around the target and ATOM's first-frame augmentations."""

from __future__ import annotations

from dataclasses import dataclass
import math

import cv2
import numpy as np
import torch
from torch import Tensor
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def image_to_tensor(frame_bgr: np.ndarray, device: torch.device) -> Tensor:
    """A BGR uint8 frame as an RGB float Tensor[1, 3, H, W] in 0..255."""
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    return torch.from_numpy(rgb).to(device).permute(2, 0, 1)[None].float()


def normalize(patch: Tensor) -> Tensor:
    """RGB 0..255 patches to the backbone's input: /255, ImageNet mean and std."""
    mean = patch.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = patch.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (patch / 255.0 - mean) / std


def sample_patch(image: Tensor, center_yx: Tensor, size_yx: Tensor, output_size: int) -> Tensor:
    """The square-ish region of size_yx image pixels around center_yx, resized to output_size.

    Outside the image the border pixels are repeated. When the region is more than 2.1 times
    larger than the output, the image is first subsampled by an integer stride (as officially),
    which keeps the resize cheap and alias-free.
    """
    factor = float(torch.min(size_yx / output_size))
    stride = max(int(factor - 0.1), 1)
    center = center_yx.long()  # truncated, as officially
    if stride > 1:
        offset = center % stride
        image = image[..., int(offset[0])::stride, int(offset[1])::stride]
        center = torch.div(center - offset, stride, rounding_mode='floor')
    size = torch.clamp(torch.round(size_yx / stride), min=2).long()
    top_left = center - torch.div(size - 1, 2, rounding_mode='floor')
    height, width = image.shape[-2:]
    rows = torch.arange(int(size[0]), device=image.device) + top_left[0]
    cols = torch.arange(int(size[1]), device=image.device) + top_left[1]
    rows, cols = rows.clamp(0, height - 1), cols.clamp(0, width - 1)
    patch = image[..., rows, :][..., cols]
    if patch.shape[-2:] == (output_size, output_size):
        return patch.clone()
    return F.interpolate(patch, (output_size, output_size), mode='bilinear', align_corners=False)


@dataclass(frozen=True)
class Transform:
    """One first-frame augmentation: kind ('identity', 'shift', 'flip', 'blur', 'rotate'),
    its argument, and the shift (y, x) in output pixels of the crop it produces."""

    kind: str
    argument: tuple[float, float] | float | None
    shift: tuple[int, int]


def first_frame_transforms(relative_shifts: list[tuple[float, float]], flip: bool,
                           blur_sigmas: list[tuple[float, float]], angles: tuple,
                           output_size: int, random_shift_factor: float,
                           generator: torch.Generator) -> list[Transform]:
    """ATOM's augmentations; the flip, blurs and rotations also get a random shift (the
    identity and the relative shifts none, as officially)."""

    def random_shift() -> tuple[int, int]:
        shift = (torch.rand(2, generator=generator) - 0.5) * output_size * random_shift_factor
        return int(shift[0]), int(shift[1])

    transforms = [Transform('identity', None, (0, 0))]
    for dy, dx in relative_shifts:
        transforms.append(Transform('shift', (dy, dx), (int(dy * output_size / 2),
                                                        int(dx * output_size / 2))))
    if flip:
        transforms.append(Transform('flip', None, random_shift()))
    transforms += [Transform('blur', sigma, random_shift()) for sigma in blur_sigmas]
    transforms += [Transform('rotate', float(angle), random_shift()) for angle in angles]
    return transforms


def _gaussian_blur(image: Tensor, sigma_yx: tuple[float, float]) -> Tensor:
    channels = image.shape[1]
    for axis, sigma in enumerate(sigma_yx):
        radius = math.ceil(2 * sigma)
        grid = torch.arange(-radius, radius + 1, dtype=image.dtype, device=image.device)
        kernel = torch.exp(-0.5 * (grid / sigma) ** 2)
        kernel = (kernel / kernel.sum()).repeat(channels, 1, 1)
        shape = (channels, 1, -1, 1) if axis == 0 else (channels, 1, 1, -1)
        padding = (0, 0, radius, radius) if axis == 0 else (radius, radius, 0, 0)
        image = F.conv2d(F.pad(image, padding, mode='replicate'), kernel.view(shape),
                         groups=channels)
    return image


def _rotate(image: Tensor, angle: float) -> Tensor:
    array = image[0].permute(1, 2, 0).cpu().numpy()
    height, width = array.shape[:2]
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, 1.0)
    rotated = cv2.warpAffine(array, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return torch.from_numpy(rotated).to(image.device).permute(2, 0, 1)[None]


def apply_transform(expanded: Tensor, transform: Transform, output_size: int) -> Tensor:
    """The transform's output_size crop of the expanded patch Tensor[1, 3, S, S]."""
    image = expanded
    if transform.kind == 'flip':
        image = image.flip(3)
    elif transform.kind == 'blur':
        image = _gaussian_blur(image, transform.argument)
    elif transform.kind == 'rotate':
        image = _rotate(image, transform.argument)
    pad_h = (output_size - image.shape[2]) / 2
    pad_w = (output_size - image.shape[3]) / 2
    shift_y, shift_x = transform.shift
    # Negative padding crops: a centred output_size window moved by the shift.
    padding = (math.floor(pad_w) + shift_x, math.ceil(pad_w) - shift_x,
               math.floor(pad_h) + shift_y, math.ceil(pad_h) - shift_y)
    return F.pad(image, padding, mode='replicate')
