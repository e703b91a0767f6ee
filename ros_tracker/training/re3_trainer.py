"""Training the Re3 family (re3, residual_re3, dense_re3) with the paper's curriculum.

Unrolled sequences go through the recurrent network with an L1 loss on the scaled box outputs
and Adam. The curriculum starts at 2 unrolls and batch 64; whenever the validation loss
plateaus, the unrolls double (up to 32) and the batch halves, and the probability of cropping at
the network's own prediction rises by 0.25 (for DenseRe3 only once 32 unrolls are reached, as
the paper did). The learning rate is 1e-5, 1e-6 after 10,000 steps; ResidualRe3 starts at 1e-4
and divides it by 10 at each plateau down to 1e-6, with the conv tower at a tenth of it. The
paper's tower starts from ImageNet weights; here it starts from a given tower state (one
distilled by ``ros-tracker train re3_tower``) or from scratch.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
import math
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
from torch import nn, Tensor
import torch.nn.functional as F

from ros_tracker.boxes import Box
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.re3.checkpoint import save_re3_net
from ros_tracker.re3.model import Re3Net, VARIANTS
from ros_tracker.re3.params import Re3Params
from ros_tracker.re3.tracker import (clamp_box, crop_pair, crop_window, decode, encode,
                                     Re3Tracker)
from ros_tracker.training.distributed import Distributed, StepBatches
from ros_tracker.training.loop import RunSettings
from ros_tracker.training.re3_samples import (ensure_coverage, Re3Augmentation, UnrolledSample,
                                              UnrolledSequences)
from ros_tracker.training.task import as_list, fixed_batches, seed_everything, TrainingTask
from ros_tracker.training.tracking_validation import picked_sequences, tracking_metrics
from ros_tracker.weights import load_state_dict_strictly


@dataclass(frozen=True)
class Re3Recipe:
    """The learning schedule and curriculum (defaults: the paper's Re3 and DenseRe3).

    Attributes:
        batch_size / unrolls: at the start of the curriculum.
        max_unrolls: the last stage's unrolls.
        min_batch_size: the batch never halves below this.
        lr: initial learning rate; late_lr from lr_drop_step on (0: no step drop).
        plateau_lr_factor: the learning rate is multiplied by this at every plateau, down to
            min_lr (1: plateaus leave it alone).
        conv_lr_scale: the conv tower's learning rate relative to the rest.
        weight_decay: Adam's L2 penalty.
        prediction_probability: the prediction-crop probability at the start (the official
            TensorFlow training crops at the network's own output with 0.8 from the first
            step; the paper's curriculum starts at 0 and raises it per plateau).
        prediction_step: rise of the prediction-crop probability per plateau.
        max_prediction_probability: its upper limit.
        prediction_after_max_unrolls: raise it only once max_unrolls is reached.
        patience: validations without improvement that make a plateau.
        min_stage_steps: steps every curriculum stage lasts at least before a plateau can end
            it (0: the paper's plateau test alone; a small validation set can call a plateau
            within a few dozen steps).
        min_improvement: relative decrease of the validation loss that counts as improvement.
        val_samples: fixed unrolled samples for the validation loss.
        val_frames: frames tracked per held-out sequence for the validation IoU.
        val_sequences: held-out sequences tracked for it (evenly spread over the held-out
            data, so that a large validation set stays cheap).
        start_at_previous_box: a network trained from scratch starts by answering the previous
            box's place in the crop (Re3Net.start_at): the stay-where-you-started tracker. The
            paper's random output layer answers random boxes, which on little data the network
            spends many steps unlearning.
        batch_norm_min_batch: batches smaller than this leave fc6's batch norm in inference
            mode (its running statistics frozen): normalized over two samples, every output is
            +-1 whatever the input.
        freeze_tower: the conv tower keeps its starting weights and no gradient flows
            through it (a pretrained or distilled tower; on a CPU it is two thirds of a step's
            cost, and fc6, the LSTMs and the head are what learns to track).
        grad_clip: largest global L2 norm of a step's gradients (0: no clipping). The official
            Re3 code does not clip; the LSTMs unrolled over up to 32 steps can blow a step up,
            and a clipped step at most moves the weights as far as a step of that norm.
    """

    batch_size: int = 64
    unrolls: int = 2
    max_unrolls: int = 32
    min_batch_size: int = 4
    lr: float = 1e-5
    late_lr: float = 1e-6
    lr_drop_step: int = 10_000
    plateau_lr_factor: float = 1.0
    min_lr: float = 1e-6
    conv_lr_scale: float = 1.0
    weight_decay: float = 0.0
    prediction_probability: float = 0.0
    prediction_step: float = 0.25
    max_prediction_probability: float = 0.75
    prediction_after_max_unrolls: bool = False
    patience: int = 3
    min_stage_steps: int = 0
    min_improvement: float = 0.01
    val_samples: int = 32
    val_frames: int = 100
    val_sequences: int = 20
    start_at_previous_box: bool = False
    batch_norm_min_batch: int = 8
    grad_clip: float = 10.0
    freeze_tower: bool = False


def paper_recipe(variant: str) -> Re3Recipe:
    """The paper's settings for a variant."""
    if variant not in VARIANTS:
        raise ValueError(f'unknown Re3 variant {variant!r}; accepted: {sorted(VARIANTS)}')
    if variant == 'residual_re3':
        return Re3Recipe(lr=1e-4, lr_drop_step=0, plateau_lr_factor=0.1, conv_lr_scale=0.1)
    if variant == 'dense_re3':
        return Re3Recipe(prediction_after_max_unrolls=True)
    return Re3Recipe()


class UnrolledRe3(nn.Module):
    """The network run over whole unrolled samples, cropping step by step (so that crops can
    follow the network's own predictions); forward returns the mean L1 loss."""

    def __init__(self, net: Re3Net, augmentation: Re3Augmentation) -> None:
        super().__init__()
        self.net, self.augmentation = net, augmentation

    def forward(self, samples: list[UnrolledSample]) -> Tensor:
        device = next(self.net.parameters()).device
        pad = self.augmentation.crop_pad
        state = self.net.zero_state(len(samples), device)
        predicted: list[Box] = []
        losses = []
        for t in range(samples[0].frames.shape[0]):
            pairs, labels, windows = [], [], []
            for index, sample in enumerate(samples):
                truth = Box(*sample.truth[t])
                if t == 0:
                    box = truth
                elif sample.use_prediction:
                    box = ensure_coverage(predicted[index], truth, pad,
                                          self.augmentation.min_coverage)
                else:
                    box = Box(*sample.crop_boxes[t])
                # Both frames cut at the window of box, exactly as the tracker cuts them.
                window = crop_window(box, pad)
                pairs.append(crop_pair(sample.frames[max(t - 1, 0)], sample.frames[t], box, pad))
                labels.append(encode(truth, window))
                windows.append(window)
            crops = torch.from_numpy(np.array(pairs)).to(device).permute(0, 1, 4, 2, 3).float()
            output, state = self.net(crops, state)
            losses.append(F.l1_loss(output.float(), torch.from_numpy(np.array(labels)).to(device)))
            height, width = samples[0].frames.shape[1:3]
            # As the tracker: the init pass's output is replaced by the initial box.
            predicted = [clamp_box(decode(o, w), width, height) if t else Box(*s.truth[0])
                         for o, w, s in zip(output.detach().float().cpu().numpy(), windows,
                                            samples)]
        return torch.stack(losses).mean()


class Re3Training(TrainingTask):
    """The Re3-family training task (see the module docstring)."""

    def __init__(self, variant: str, data: TrainingData, validation: TrainingData | None,
                 recipe: Re3Recipe, augmentation: Re3Augmentation, settings: RunSettings,
                 dist: Distributed, initial_weights: Re3Net | None = None,
                 tower: dict[str, Tensor] | None = None) -> None:
        seed_everything(settings.seed)
        self.variant, self.data, self.validation = variant, data, validation
        self.recipe, self.augmentation, self.settings, self.dist = (recipe, augmentation,
                                                                    settings, dist)
        self.model = VARIANTS[variant]() if initial_weights is None else initial_weights
        if tower is not None:
            load_state_dict_strictly(self.model.tower, tower, 'the pretrained conv tower')
        if initial_weights is None and recipe.start_at_previous_box:
            unit = Box(0.0, 0.0, 1.0, 1.0)
            centred = encode(unit, crop_window(unit, augmentation.crop_pad))
            self.model.start_at(torch.from_numpy(centred))
        self.model.tower.requires_grad_(not recipe.freeze_tower)
        self.model.to(dist.device)
        self.unrolled = dist.wrap(UnrolledRe3(self.model, augmentation))
        tower_parameters = list(self.model.tower.parameters())
        rest = [p for n, p in self.model.named_parameters() if not n.startswith('tower.')]
        groups = [{'params': rest, 'lr_scale': 1.0}]
        if not recipe.freeze_tower:
            groups.insert(0, {'params': tower_parameters, 'lr_scale': recipe.conv_lr_scale})
        self.optimizer = torch.optim.Adam(groups, lr=recipe.lr, weight_decay=recipe.weight_decay)
        self.amp = settings.amp and dist.device.type == 'cuda'
        self.scaler = torch.amp.GradScaler('cuda', enabled=self.amp)
        self.grad_clip = recipe.grad_clip
        self.plateaus = 0
        self.best_score = -math.inf
        self.stage_start = 0
        self.stale_validations = 0
        self._batch_samples = 0

    def stage(self) -> tuple[int, int, float]:
        """(unrolls, batch size, prediction probability) after the plateaus so far."""
        r = self.recipe
        doublings = max(int(math.log2(r.max_unrolls / r.unrolls)), 0)
        done = min(self.plateaus, doublings)
        steps = self.plateaus - doublings if r.prediction_after_max_unrolls else self.plateaus
        batch_size = max(r.batch_size >> done, min(r.min_batch_size, r.batch_size))
        return (r.unrolls * 2 ** done, batch_size,
                min(r.prediction_probability + max(steps, 0) * r.prediction_step,
                    max(r.max_prediction_probability, r.prediction_probability)))

    def learning_rate_at(self, step: int) -> float:
        r = self.recipe
        lr = r.late_lr if r.lr_drop_step and step >= r.lr_drop_step else r.lr
        if r.plateau_lr_factor != 1.0:
            lr = max(lr * r.plateau_lr_factor ** self.plateaus, r.min_lr)
        return lr

    def _dataset(self, data: TrainingData, seed: int) -> UnrolledSequences:
        unrolls, _, probability = self.stage()
        return UnrolledSequences(data, unrolls, probability, self.augmentation, seed,
                                 self.plateaus)

    def batches(self, start_step: int, end_step: int) -> Iterator[Any]:
        batch_size = self.stage()[1]
        loader = torch.utils.data.DataLoader(
            self._dataset(self.data, self.settings.seed),
            batch_sampler=StepBatches(start_step, end_step, batch_size, self.dist),
            num_workers=self.settings.workers, collate_fn=as_list)
        return iter(loader)

    def loss(self, batch: Any) -> Tensor:
        self.unrolled.train()
        if self.model.fc6_bn is not None and len(batch) < self.recipe.batch_norm_min_batch:
            self.model.fc6_bn.eval()
        self._batch_samples = len(batch)
        with torch.autocast(self.dist.device.type, dtype=torch.float16, enabled=self.amp):
            return self.unrolled(batch)

    def samples_in_step(self) -> int:
        return self._batch_samples

    def learning_rate(self) -> float:
        return self.optimizer.param_groups[-1]['lr']

    def validate(self) -> dict[str, float]:
        data = self.validation or self.data
        dataset = self._dataset(data, self.settings.seed + 1)
        self.model.eval()
        losses = []
        with torch.no_grad():
            unrolled = UnrolledRe3(self.model, self.augmentation)
            for indices in fixed_batches(self.recipe.val_samples, self.stage()[1]):
                samples = [dataset[i] for i in indices]
                losses.append(float(unrolled(samples)) * len(samples))
        metrics = {'val_loss': sum(losses) / self.recipe.val_samples}
        if self.validation is not None:
            # The tracker itself (its inference procedure, this network) on held-out
            # sequences: errors compound there as they do for a user.
            metrics.update(tracking_metrics(
                lambda: Re3Tracker(copy.deepcopy(self.model),
                                   Re3Params(crop_pad=self.augmentation.crop_pad),
                                   self.dist.device),
                picked_sequences(self.validation.sequences, self.recipe.val_sequences),
                self.recipe.val_frames))
        self.model.train()
        return metrics

    def selection_score(self, metrics: dict[str, float]) -> float:
        """What validation maximizes: the held-out tracking AUC where there are held-out
        sequences, else the negated validation loss."""
        return metrics['val_auc'] if 'val_auc' in metrics else -metrics['val_loss']

    def after_validation(self, metrics: dict[str, float], step: int) -> bool:
        """Advance the curriculum at a plateau of the selection score: patience validations
        without a min_improvement (relative) gain."""
        score, best = self.selection_score(metrics), self.best_score
        if best == -math.inf or score > best + self.recipe.min_improvement * abs(best):
            self.best_score, self.stale_validations = score, 0
            return False
        if step - self.stage_start < self.recipe.min_stage_steps:
            return False
        self.stale_validations += 1
        if self.stale_validations < self.recipe.patience:
            return False
        before = self.stage()
        self.plateaus += 1
        self.best_score, self.stale_validations, self.stage_start = -math.inf, 0, step
        return self.stage() != before

    def log_values(self) -> dict[str, float]:
        unrolls, batch_size, probability = self.stage()
        return {'unrolls': unrolls, 'batch_size': batch_size,
                'prediction_probability': probability, 'plateaus': self.plateaus}

    def state_dict(self) -> dict[str, Any]:
        return {'plateaus': self.plateaus, 'best_score': self.best_score,
                'stage_start': self.stage_start,
                'stale_validations': self.stale_validations}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.plateaus = int(state['plateaus'])
        self.best_score = float(state['best_score'])
        self.stage_start = int(state['stage_start'])
        self.stale_validations = int(state['stale_validations'])

    def export(self, path: Path) -> str:
        return save_re3_net(self.model, self.variant, path)
