"""Image pairs whose frozen-backbone features are computed once, for training ATOM's IoU-Net
within a CPU budget.

With the backbone frozen, running it on both crops is the larger part of a training step. The
pool runs it once per pair, in eval mode as the tracker does, keeps the features in float16 and
hands a pair out again with new proposals every time it is drawn: the IoU-Net still sees fresh
boxes on every draw while the crops themselves repeat.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ros_tracker.atom.model import AtomNet
from ros_tracker.boxes import Box
from ros_tracker.training.atom_samples import ImagePairs, perturbed_proposals, stack_images
from ros_tracker.training.task import as_list, fixed_batches

# Keeps the draws of pooled pairs apart from the pairs' own random streams.
DRAW_STREAM = 1


class FeaturePool:
    """The first size pairs of pairs with their backbone features.

    Args:
        net: ATOM's network; its backbone runs in eval mode, its training flag is restored.
        pairs: where the pairs come from; its settings also shape the proposals.
        size: pairs in the pool.
        chunk: pairs per backbone pass while the pool is built.
        device: where the features are kept.
        workers: data-loading processes that cut the crops.
    """

    def __init__(self, net: AtomNet, pairs: ImagePairs, size: int, chunk: int,
                 device: torch.device, workers: int = 0) -> None:
        if size < 1:
            raise ValueError(f'a feature pool needs at least one pair, got {size}')
        self.settings, self.seed, self.device = pairs.settings, pairs.seed, device
        self.reference: list[Tensor] = []
        self.test: list[Tensor] = []
        self.reference_boxes = torch.empty(size, 4, device=device)
        self.test_boxes = np.empty((size, 4), np.float32)
        loader = torch.utils.data.DataLoader(pairs, batch_sampler=fixed_batches(size, chunk),
                                             num_workers=workers, collate_fn=as_list)
        training = net.training
        net.eval()
        first = 0
        with torch.no_grad():
            for batch in loader:
                both = torch.cat([stack_images(batch, 'reference', device),
                                  stack_images(batch, 'test', device)])
                features = net.extract_features(both)
                for index, name in enumerate(net.iou_layers):
                    reference, test = features[name].half().chunk(2)
                    if not first:
                        shape = (size, *reference.shape[1:])
                        self.reference.append(reference.new_empty(shape))
                        self.test.append(test.new_empty(shape))
                    self.reference[index][first:first + len(batch)] = reference
                    self.test[index][first:first + len(batch)] = test
                for offset, pair in enumerate(batch):
                    self.reference_boxes[first + offset] = torch.from_numpy(pair.reference_box)
                    self.test_boxes[first + offset] = pair.test_box
                first += len(batch)
        net.train(training)

    def __len__(self) -> int:
        return len(self.test_boxes)

    def batch(self, indices: list[int]) -> dict[str, Tensor | list[Tensor]]:
        """Samples as training inputs: sample i draws a pooled pair and new proposals from
        (seed, i). Features are lists over the IoU-Net's layers, in float32."""
        slots, proposals, overlaps = [], [], []
        for index in indices:
            rng = np.random.default_rng([self.seed, DRAW_STREAM, index])
            slot = int(rng.integers(len(self)))
            boxes, ious = perturbed_proposals(Box(*self.test_boxes[slot].tolist()),
                                              self.settings, rng)
            slots.append(slot)
            proposals.append(boxes)
            overlaps.append(ious)
        chosen = torch.tensor(slots, device=self.device)
        return {'reference': [f[chosen].float() for f in self.reference],
                'test': [f[chosen].float() for f in self.test],
                'reference_box': self.reference_boxes[chosen],
                'proposals': torch.from_numpy(np.stack(proposals)).to(self.device),
                'ious': torch.from_numpy(np.stack(overlaps)).to(self.device)}
