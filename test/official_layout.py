"""The official atom_default.pth state-dict layout, written from the documented key/shape table
(not from our modules), to check that the official weights would load strictly."""

from __future__ import annotations

import torch

# (module, weight shape) of the IoU-Net's Conv+BN blocks and LinearBlocks, in registration order.
IOU_NET_BLOCKS = [
    ('conv3_1r', (128, 128, 3, 3)), ('conv3_1t', (256, 128, 3, 3)),
    ('conv3_2t', (256, 256, 3, 3)), ('fc3_1r', (256, 128, 3, 3)),
    ('conv4_1r', (256, 256, 3, 3)), ('conv4_1t', (256, 256, 3, 3)),
    ('conv4_2t', (256, 256, 3, 3)), ('fc34_3r', (256, 512, 1, 1)),
    ('fc34_4r', (256, 512, 1, 1)),
]
LINEAR_BLOCKS = [('fc3_rt', (256, 6400)), ('fc4_rt', (256, 2304))]


def _batch_norm(prefix: str, channels: int) -> dict[str, torch.Size]:
    shapes = {f'{prefix}.{name}': (channels,)
              for name in ('weight', 'bias', 'running_mean', 'running_var')}
    shapes[f'{prefix}.num_batches_tracked'] = ()
    return shapes


def _resnet18_shapes() -> dict[str, tuple]:
    shapes = {'conv1.weight': (64, 3, 7, 7), **_batch_norm('bn1', 64)}
    inplanes = 64
    for stage, planes in enumerate((64, 128, 256, 512), start=1):
        for block in (0, 1):
            prefix = f'layer{stage}.{block}'
            first_in = inplanes if block == 0 else planes
            shapes[f'{prefix}.conv1.weight'] = (planes, first_in, 3, 3)
            shapes.update(_batch_norm(f'{prefix}.bn1', planes))
            shapes[f'{prefix}.conv2.weight'] = (planes, planes, 3, 3)
            shapes.update(_batch_norm(f'{prefix}.bn2', planes))
            if block == 0 and stage > 1:
                shapes[f'{prefix}.downsample.0.weight'] = (planes, inplanes, 1, 1)
                shapes.update(_batch_norm(f'{prefix}.downsample.1', planes))
        inplanes = planes
    shapes['fc.weight'] = (1000, 512)
    shapes['fc.bias'] = (1000,)
    return shapes


def official_shapes() -> dict[str, tuple]:
    """Every key of the official state dict with its shape."""
    shapes = {f'feature_extractor.{k}': v for k, v in _resnet18_shapes().items()}
    for name, weight in IOU_NET_BLOCKS:
        prefix = f'bb_regressor.{name}'
        shapes[f'{prefix}.0.weight'] = weight
        shapes[f'{prefix}.0.bias'] = weight[:1]
        shapes.update(_batch_norm(f'{prefix}.1', weight[0]))
    for name, weight in LINEAR_BLOCKS:
        prefix = f'bb_regressor.{name}'
        shapes[f'{prefix}.linear.weight'] = weight
        shapes[f'{prefix}.linear.bias'] = weight[:1]
        shapes.update(_batch_norm(f'{prefix}.bn', weight[0]))
    shapes['bb_regressor.iou_predictor.weight'] = (1, 512)
    shapes['bb_regressor.iou_predictor.bias'] = (1,)
    return shapes


def official_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """A synthetic state dict in the official layout (random values, positive BN variances)."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in official_shapes().items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(0, dtype=torch.int64)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=generator) + 0.5
        else:
            state[key] = torch.randn(shape, generator=generator) * 0.05
    return state
