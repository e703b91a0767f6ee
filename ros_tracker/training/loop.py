"""What every trainer shares: devices and torchrun, deterministic sampling, exact resume,
metrics logs, validation scheduling and the step loop.

Samples are pure functions of (seed, stage, sample index), and the sample indices of a step are
fixed by the step number, the rank and the batch size. A run resumed from a checkpoint (model,
optimizer, gradient scaler, task state, step, RNG states) therefore sees the same data and
reaches the same weights as an uninterrupted one.
"""

from __future__ import annotations

import abc
import csv
from dataclasses import dataclass
import math
import os
from pathlib import Path
import random
import time
from typing import Any, Iterator

import numpy as np
import torch
from torch import distributed, nn, Tensor
from tqdm import tqdm

from ros_tracker.device import resolve_device
from ros_tracker.weights import read_weights

CHECKPOINT_FORMAT = 'ros_tracker.training.checkpoint'


@dataclass(frozen=True)
class RunSettings:
    """Settings of a training run that do not change what is learned per step.

    Attributes:
        steps: total optimizer steps.
        seed: fixes the initial weights and every sample.
        device: 'auto', 'cpu', 'cuda' or 'cuda:N' (under torchrun, each process takes its
            LOCAL_RANK's GPU).
        amp: float16 mixed precision with gradient scaling on CUDA (ignored on the CPU).
        workers: data-loading processes per training process (0 loads in the main process).
        log_every: steps per line of the metrics log.
        val_every: steps between validations (0: never).
        checkpoint_every: steps between checkpoints (the last step is always saved).
        progress: show a progress bar.
    """

    steps: int
    seed: int = 0
    device: str = 'auto'
    amp: bool = True
    workers: int = 2
    log_every: int = 10
    val_every: int = 500
    checkpoint_every: int = 500
    progress: bool = True


class Distributed:
    """This process's place in a torchrun job (rank 0 of 1 without torchrun)."""

    def __init__(self, device: str) -> None:
        self.world_size = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        self.device = resolve_device(device)
        if self.device.type == 'cuda' and self.world_size > 1:
            self.device = torch.device('cuda', local_rank)
            torch.cuda.set_device(self.device)
        if self.world_size > 1 and not distributed.is_initialized():
            distributed.init_process_group('nccl' if self.device.type == 'cuda' else 'gloo')

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: nn.Module) -> nn.Module:
        """model in DistributedDataParallel when there are several processes."""
        if self.world_size == 1:
            return model
        device_ids = [self.device.index] if self.device.type == 'cuda' else None
        return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

    def mean(self, value: float) -> float:
        """The mean of value over all processes."""
        if self.world_size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        distributed.all_reduce(tensor)
        return float(tensor) / self.world_size

    def from_main(self, value: Any) -> Any:
        """Rank 0's value, on every process (decisions must agree across processes)."""
        if self.world_size == 1:
            return value
        box = [value]
        distributed.broadcast_object_list(box, src=0)
        return box[0]


class StepBatches(torch.utils.data.Sampler):
    """Sample indices of each step from start_step on: step s on rank r takes the batch_size
    indices from (s * world_size + r) * batch_size (a distributed sampler that can resume in
    the middle of an epoch)."""

    def __init__(self, start_step: int, end_step: int, batch_size: int,
                 dist: Distributed) -> None:
        self.start, self.end, self.batch_size, self.dist = start_step, end_step, batch_size, dist

    def __len__(self) -> int:
        return max(self.end - self.start, 0)

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.start, self.end):
            first = (step * self.dist.world_size + self.dist.rank) * self.batch_size
            yield list(range(first, first + self.batch_size))


def fixed_batches(count: int, batch_size: int) -> Iterator[range]:
    """Indices 0 .. count - 1 in batches of batch_size (for validation on fixed samples)."""
    for first in range(0, count, batch_size):
        yield range(first, min(first + batch_size, count))


def as_list(samples: list) -> list:
    """Collate function that keeps a batch as the list of its samples."""
    return samples


def rng_states() -> dict[str, Any]:
    """The global random states of Python, NumPy and PyTorch (CPU and CUDA)."""
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    states = {'python': random.getstate(), 'torch': torch.get_rng_state(),
              'numpy': (kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss,
                        gauss)}
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states['python'])
    kind, keys, position, has_gauss, gauss = states['numpy']
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, gauss))
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def save_checkpoint(path: Path, content: dict[str, Any]) -> None:
    """Write a training checkpoint atomically (a crash never leaves half a file)."""
    partial = path.with_suffix('.partial')
    torch.save({'format': CHECKPOINT_FORMAT, **content}, partial)
    partial.replace(path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint written by save_checkpoint, read without running code from the file."""
    return read_weights(path, CHECKPOINT_FORMAT)


class MetricsLog:
    """metrics.csv (one row per logged step) and, when the tensorboard package is installed,
    TensorBoard event files in the same folder. A resumed run drops rows after its step."""

    def __init__(self, folder: Path, resume_step: int) -> None:
        self.path = folder / 'metrics.csv'
        self.rows: list[dict[str, Any]] = []
        if self.path.is_file():
            with self.path.open(newline='', encoding='utf-8') as file:
                self.rows = [r for r in csv.DictReader(file) if int(r['step']) <= resume_step]
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.tensorboard = SummaryWriter(str(folder / 'tensorboard'), purge_step=resume_step)
        except ImportError:
            self.tensorboard = None

    def write(self, step: int, values: dict[str, float]) -> None:
        self.rows.append({'step': step, **values})
        fields = list(dict.fromkeys(k for row in self.rows for k in row))
        with self.path.open('w', newline='', encoding='utf-8') as file:
            writer = csv.DictWriter(file, fields)
            writer.writeheader()
            writer.writerows(self.rows)
        if self.tensorboard is not None:
            for name, value in values.items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self.tensorboard.add_scalar(name, value, step)
            self.tensorboard.flush()


class TrainingTask(abc.ABC):
    """One model's training: its data, its step and its validation."""

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
    def train_step(self, step: int, batch: Any) -> float:
        """Set the learning rate for step, run forward and backward, step the optimizer;
        returns the loss."""

    @abc.abstractmethod
    def validate(self) -> dict[str, float]:
        """Held-out metrics ('val_loss' and 'val_iou')."""

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

    @abc.abstractmethod
    def export(self, path: Path) -> str:
        """Write the trained weights in the tracker's weights-only format; returns SHA-256."""

    def samples_in_step(self) -> int:
        return 1

    def set_learning_rate(self, lr: float) -> None:
        """lr for every parameter group, times the group's 'lr_scale' where it has one."""
        for group in self.optimizer.param_groups:
            group['lr'] = lr * group.get('lr_scale', 1.0)

    def optimize(self, loss: Tensor) -> float:
        """One optimizer step on loss (scaled under mixed precision, gradients clipped to
        grad_clip); returns the loss."""
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return float(loss.detach())

    def learning_rate(self) -> float:
        return self.optimizer.param_groups[0]['lr']


def flush_subnormals() -> None:
    """Compute with subnormal floats as zero on the CPU.

    Gradients and Adam's moments decay into subnormals, which the CPU handles in microcode: an
    ATOM run slowed down five-fold after some 1,000 steps. The mode is per thread and new
    threads copy it from their creator, so it has to be set before the first parallel operation
    starts the thread pool.
    """
    torch.set_flush_denormal(True)


def train(task: TrainingTask, settings: RunSettings, out: Path, dist: Distributed,
          resume: bool = True) -> Path:
    """Run task to settings.steps, resuming from out/last.pt when it exists; returns the
    exported weights file out/weights.pt."""
    flush_subnormals()
    out.mkdir(parents=True, exist_ok=True)
    last = out / 'last.pt'
    step = 0
    if resume and last.is_file():
        content = load_checkpoint(last)
        task.model.load_state_dict(content['model'])
        task.optimizer.load_state_dict(content['optimizer'])
        task.scaler.load_state_dict(content['scaler'])
        task.load_state_dict(content['task'])
        restore_rng_states(content['rng'])
        step = int(content['step'])
    log = MetricsLog(out, step) if dist.is_main else None
    batches = task.batches(step, settings.steps)
    bar = tqdm(total=settings.steps, initial=step, disable=not (settings.progress and
                                                                dist.is_main), unit='step')
    losses: list[float] = []
    started, samples = time.perf_counter(), 0
    while step < settings.steps:
        loss = task.train_step(step, next(batches))
        step += 1
        losses.append(loss)
        samples += task.samples_in_step() * dist.world_size
        bar.update(1)
        values: dict[str, float] = {}
        if step % settings.log_every == 0 or step == settings.steps:
            elapsed = time.perf_counter() - started
            values.update(loss=dist.mean(float(np.mean(losses))), lr=task.learning_rate(),
                          samples_per_s=samples / max(elapsed, 1e-9), **task.log_values())
            losses, started, samples = [], time.perf_counter(), 0
            bar.set_postfix(loss=f'{values["loss"]:.4f}')
        if settings.val_every and (step % settings.val_every == 0 or step == settings.steps):
            metrics = dist.from_main(task.validate() if dist.is_main else None)
            values.update(metrics)
            if task.after_validation(metrics, step) and step < settings.steps:
                batches = task.batches(step, settings.steps)
        if values and log is not None:
            log.write(step, values)
        if dist.is_main and (step % settings.checkpoint_every == 0 or step == settings.steps):
            save_checkpoint(last, {'step': step, 'model': task.model.state_dict(),
                                   'optimizer': task.optimizer.state_dict(),
                                   'scaler': task.scaler.state_dict(),
                                   'task': task.state_dict(), 'rng': rng_states()})
    bar.close()
    weights = out / 'weights.pt'
    if dist.is_main:
        task.export(weights)
    return weights
