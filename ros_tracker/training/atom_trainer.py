"""Training ATOM's IoU-Net on image pairs (ATOM, Sec. 3.1 and 4).

The IoU-Net learns to predict 2 * IoU - 1 of box proposals in the test crop, modulated by the
reference crop's target, with a mean squared error, Adam at 1e-3 and the learning rate times 0.2
every 15 epochs of 1000 batches. With a pretrained backbone, the backbone's weights are frozen
and its batch-norm statistics adapt to the training pairs, as in the official training, unless
the recipe keeps them as loaded (adapt_batch_norm false: the classifier, which reads the same
features, then sees what it saw before); without one, the backbone trains too, at
backbone_lr_scale of the learning rate. With a frozen backbone the pairs
can come from a FeaturePool instead, whose features are computed in eval mode (batch-norm
statistics stay as loaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import nn, Tensor
import torch.nn.functional as F

from ros_tracker.atom.checkpoint import FORMAT, UNUSED_BACKBONE_STAGES
from ros_tracker.atom.model import AtomNet
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.training.atom_samples import ImagePairs, PairSettings, stack_pairs
from ros_tracker.training.distributed import Distributed, StepBatches
from ros_tracker.training.feature_pool import FeaturePool
from ros_tracker.training.loop import RunSettings
from ros_tracker.training.task import as_list, fixed_batches, seed_everything, TrainingTask
from ros_tracker.weights import save_weights


@dataclass(frozen=True)
class AtomRecipe:
    """The learning schedule (defaults: the official ATOM training).

    Attributes:
        batch_size: pairs per step and process.
        lr: initial learning rate of the IoU-Net.
        lr_decay / lr_decay_epochs: the rate is multiplied by lr_decay every lr_decay_epochs.
        steps_per_epoch: batches per epoch.
        backbone_lr_scale: the backbone's rate relative to lr when it trains.
        weight_decay: Adam's L2 penalty.
        val_samples: fixed held-out pairs per validation.
        feature_pool: pairs whose backbone features are computed once and drawn again with new
            proposals (0: new pairs every step); only with a pretrained, frozen backbone.
        adapt_batch_norm: whether a frozen backbone's batch-norm statistics follow the
            training pairs (official) or stay as loaded.
    """

    batch_size: int = 64
    lr: float = 1e-3
    lr_decay: float = 0.2
    lr_decay_epochs: int = 15
    steps_per_epoch: int = 1000
    backbone_lr_scale: float = 0.1
    weight_decay: float = 0.0
    val_samples: int = 256
    feature_pool: int = 0
    adapt_batch_norm: bool = True


class IoUPrediction(nn.Module):
    """Backbone features of both crops and the IoU-Net's prediction for the proposals."""

    def __init__(self, net: AtomNet, backbone_trains: bool,
                 adapt_batch_norm: bool = True) -> None:
        super().__init__()
        self.net, self.backbone_trains = net, backbone_trains
        self.adapt_batch_norm = adapt_batch_norm or backbone_trains

    def train(self, mode: bool = True) -> IoUPrediction:
        super().train(mode)
        if not self.adapt_batch_norm:
            self.net.feature_extractor.eval()
        return self

    def forward(self, reference: Tensor, test: Tensor, reference_box: Tensor,
                proposals: Tensor) -> Tensor:
        with torch.set_grad_enabled(self.backbone_trains and torch.is_grad_enabled()):
            features = self.net.extract_features(torch.cat([reference, test]))
        layers = [features[name].chunk(2) for name in self.net.iou_layers]
        return self.net.bb_regressor([f[0] for f in layers], [f[1] for f in layers],
                                     reference_box, proposals)


def predict_ious(model: nn.Module, batch: dict[str, Tensor], amp: bool = False) -> Tensor:
    """The network's prediction, 2 * IoU - 1, for a batch's proposals [B, N]."""
    with torch.autocast(batch['proposals'].device.type, dtype=torch.float16, enabled=amp):
        return model(batch['reference'], batch['test'], batch['reference_box'],
                     batch['proposals']).float()


def spearman(predicted: Tensor, true: Tensor) -> Tensor:
    """Spearman's rank correlation of each row of predicted with the same row of true [B]
    (ties ranked by position: the IoUs of random proposals do not tie)."""

    def centred_ranks(values: Tensor) -> Tensor:
        ranks = values.argsort(dim=1).argsort(dim=1).float()
        return ranks - ranks.mean(dim=1, keepdim=True)

    a, b = centred_ranks(predicted), centred_ranks(true)
    return (a * b).sum(dim=1) / (a.norm(dim=1) * b.norm(dim=1))


def iou_quality(net: AtomNet, pairs: ImagePairs, samples: int, batch_size: int,
                device: torch.device, amp: bool = False) -> dict[str, float]:
    """How well net's IoU-Net ranks the proposals of the first samples pairs: loss (its mean
    squared error), spearman (the mean rank correlation of predicted and true IoU per pair),
    iou (the true IoU of the proposal it ranks first), best_iou (that of the best proposal)
    and mean_iou (that of a proposal drawn at random: what a network that cannot rank
    achieves)."""
    model = IoUPrediction(net, False).eval()
    totals = {'loss': 0.0, 'spearman': 0.0, 'iou': 0.0, 'best_iou': 0.0, 'mean_iou': 0.0}
    with torch.no_grad():
        for indices in fixed_batches(samples, batch_size):
            batch = stack_pairs([pairs[i] for i in indices], device)
            predicted, ious = predict_ious(model, batch, amp), batch['ious']
            chosen = predicted.argmax(dim=1, keepdim=True)
            for name, values in (
                    ('loss', F.mse_loss(predicted, 2 * ious - 1, reduction='none').mean(dim=1)),
                    ('spearman', spearman(predicted, ious)),
                    ('iou', ious.gather(1, chosen)[:, 0]),
                    ('best_iou', ious.max(dim=1).values), ('mean_iou', ious.mean(dim=1))):
                totals[name] += float(values.sum())
    return {name: total / samples for name, total in totals.items()}


class AtomTraining(TrainingTask):
    """The IoU-Net training task (see the module docstring)."""

    def __init__(self, data: TrainingData, validation: TrainingData | None, recipe: AtomRecipe,
                 pairs: PairSettings, settings: RunSettings, dist: Distributed,
                 initial: AtomNet | None = None, backbone_pretrained: bool = False) -> None:
        if recipe.feature_pool and not backbone_pretrained:
            raise ValueError('feature_pool needs a pretrained backbone, which then stays frozen '
                             '(--backbone or --weights)')
        seed_everything(settings.seed)
        self.data, self.validation, self.recipe, self.pairs = data, validation, recipe, pairs
        self.settings, self.dist = settings, dist
        self.model = (AtomNet() if initial is None else initial).to(dist.device)
        backbone = self.model.feature_extractor
        deepest = backbone.stages.index(self.model.iou_layers[-1])
        unused = UNUSED_BACKBONE_STAGES if deepest == 2 else ('fc.',)
        trained = []
        for name, parameter in backbone.named_parameters():
            # ATOM never runs layer4 or fc; under DistributedDataParallel every trained
            # parameter must get a gradient.
            parameter.requires_grad_(not backbone_pretrained and not name.startswith(unused))
            if parameter.requires_grad:
                trained.append(parameter)
        groups = [{'params': list(self.model.bb_regressor.parameters()), 'lr_scale': 1.0}]
        if trained:
            groups.append({'params': trained, 'lr_scale': recipe.backbone_lr_scale})
        self.optimizer = torch.optim.Adam(groups, lr=recipe.lr, weight_decay=recipe.weight_decay)
        self.pool: FeaturePool | None = None
        self.prediction = dist.wrap(self.model.bb_regressor if recipe.feature_pool
                                    else IoUPrediction(self.model, not backbone_pretrained,
                                                       recipe.adapt_batch_norm))
        self.amp = settings.amp and dist.device.type == 'cuda'
        self.scaler = torch.amp.GradScaler('cuda', enabled=self.amp)

    def learning_rate_at(self, step: int) -> float:
        epoch = step // self.recipe.steps_per_epoch
        return self.recipe.lr * self.recipe.lr_decay ** (epoch // self.recipe.lr_decay_epochs)

    def batches(self, start_step: int, end_step: int) -> Iterator[Any]:
        steps = StepBatches(start_step, end_step, self.recipe.batch_size, self.dist)
        if self.recipe.feature_pool:
            if self.pool is None:
                pairs = ImagePairs(self.data, self.pairs, self.settings.seed)
                self.pool = FeaturePool(self.model, pairs, self.recipe.feature_pool,
                                        self.recipe.batch_size, self.dist.device,
                                        self.settings.workers)
            return (self.pool.batch(indices) for indices in steps)
        loader = torch.utils.data.DataLoader(
            ImagePairs(self.data, self.pairs, self.settings.seed),
            batch_sampler=steps,
            num_workers=self.settings.workers, collate_fn=as_list)
        return iter(loader)

    def loss(self, batch: Any) -> Tensor:
        self.prediction.train()
        inputs = batch if self.recipe.feature_pool else stack_pairs(batch, self.dist.device)
        return F.mse_loss(predict_ious(self.prediction, inputs, self.amp), 2 * inputs['ious'] - 1)

    def samples_in_step(self) -> int:
        return self.recipe.batch_size

    def validate(self) -> dict[str, float]:
        """val_loss and the quality of the IoU prediction on held-out pairs (iou_quality)."""
        pairs = ImagePairs(self.validation or self.data, self.pairs, self.settings.seed + 1)
        metrics = iou_quality(self.model, pairs, self.recipe.val_samples,
                              self.recipe.batch_size, self.dist.device, self.amp)
        self.model.train()
        return {f'val_{name}': value for name, value in metrics.items()}

    def selection_score(self, metrics: dict[str, float]) -> float | None:
        """The true IoU of the proposal ranked first: the box the tracker would refine."""
        return metrics.get('val_iou')

    def export(self, path: Path) -> str:
        return save_weights(path, self.model.state_dict(), FORMAT)
