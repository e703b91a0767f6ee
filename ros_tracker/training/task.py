"""What a trainer implements for the training loop (loop.py), and the helpers its data
builds on.

Samples are pure functions of (seed, stage, sample index), and the sample indices of a step are
fixed by the step number, the rank and the batch size (distributed.StepBatches), so a run
resumed from a checkpoint sees the same data and reaches the same weights as an uninterrupted
one.
"""

from __future__ import annotations

import abc
from pathlib import Path
import random
from typing import Any, Iterator

import numpy as np
import torch
from torch import nn, Tensor


class TrainingTask(abc.ABC):
    """One model's training: its data, its loss, its learning-rate schedule and its
    validation."""

    #: The trained module (unwrapped); its state is saved and exported.
    model: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    #: Largest global L2 norm of the gradients; larger ones are scaled down to it (0: never).
    grad_clip: float = 0.0

    @abc.abstractmethod
    def batches(self, start_step: int, end_step: int) -> Iterator[Any]:
        """The batches of steps start_step .. end_step - 1."""

    @abc.abstractmethod
    def learning_rate_at(self, step: int) -> float:
        """The base learning rate of step."""

    @abc.abstractmethod
    def loss(self, batch: Any) -> Tensor:
        """The training loss of batch, from the model in training mode."""

    @abc.abstractmethod
    def validate(self) -> dict[str, float]:
        """Held-out metrics ('val_loss' and 'val_iou')."""

    @abc.abstractmethod
    def export(self, path: Path) -> str:
        """Write the trained weights in the tracker's weights-only format; returns SHA-256."""

    def selection_score(self, metrics: dict[str, float]) -> float | None:
        """What validation maximizes, for keeping the best weights (None: the last weights
        are the result)."""
        return None

    def after_validation(self, metrics: dict[str, float], step: int) -> bool:
        """React to validation (a curriculum); True when the batches must be rebuilt."""
        return False

    def log_values(self) -> dict[str, float]:
        """Extra values for the metrics log (curriculum stage, batch size)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Task state that a resumed run needs besides the model and optimizer."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass

    def samples_in_step(self) -> int:
        return 1

    def set_learning_rate(self, lr: float) -> None:
        """lr for every parameter group, times the group's 'lr_scale' where it has one."""
        for group in self.optimizer.param_groups:
            group['lr'] = lr * group.get('lr_scale', 1.0)

    def learning_rate(self) -> float:
        return self.optimizer.param_groups[0]['lr']


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fixed_batches(count: int, batch_size: int) -> Iterator[range]:
    """Indices 0 .. count - 1 in batches of batch_size (for validation on fixed samples)."""
    for first in range(0, count, batch_size):
        yield range(first, min(first + batch_size, count))


def as_list(samples: list) -> list:
    """Collate function that keeps a batch as the list of its samples."""
    return samples
