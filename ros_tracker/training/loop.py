"""The training loop every trainer shares, readable top to bottom: resume, then per step the
learning rate, the loss, one optimizer step, the metrics log, validation and checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path
import time

import numpy as np
import torch
from torch import nn, Tensor
from tqdm import tqdm

from ros_tracker.training.checkpoints import restore_training_state, save_training_state
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.metrics_log import MetricsLog
from ros_tracker.training.task import TrainingTask


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


def flush_subnormals() -> None:
    """Compute with subnormal floats as zero on the CPU.

    Gradients and Adam's moments decay into subnormals, which the CPU handles in microcode: an
    ATOM run slowed down five-fold after some 1,000 steps. The mode is per thread and new
    threads copy it from their creator, so it has to be set before the first parallel operation
    starts the thread pool.
    """
    torch.set_flush_denormal(True)


def optimizer_step(task: TrainingTask, loss: Tensor) -> float:
    """One optimizer step on loss: scaled under mixed precision, gradients clipped to
    task.grad_clip; returns the loss."""
    task.optimizer.zero_grad(set_to_none=True)
    task.scaler.scale(loss).backward()
    if task.grad_clip > 0:
        task.scaler.unscale_(task.optimizer)
        nn.utils.clip_grad_norm_(task.model.parameters(), task.grad_clip)
    task.scaler.step(task.optimizer)
    task.scaler.update()
    return float(loss.detach())


def train_step(task: TrainingTask, step: int, batch: object) -> float:
    """Step number step on batch: its learning rate, the loss, one optimizer step; returns
    the loss."""
    task.set_learning_rate(task.learning_rate_at(step))
    return optimizer_step(task, task.loss(batch))


def train(task: TrainingTask, settings: RunSettings, out: Path, dist: Distributed,
          resume: bool = True) -> Path:
    """Run task to settings.steps, resuming from out/last.pt when it exists; returns the
    exported weights file out/weights.pt (the last step's). A task with a selection score also
    gets out/best.pt: its weights at the best-scoring validation so far (also across
    resumes)."""
    flush_subnormals()
    out.mkdir(parents=True, exist_ok=True)
    last = out / 'last.pt'
    step, best = (restore_training_state(last, task) if resume and last.is_file()
                  else (0, -math.inf))
    log = MetricsLog(out, step) if dist.is_main else None
    batches = task.batches(step, settings.steps)
    bar = tqdm(total=settings.steps, initial=step, disable=not (settings.progress and
                                                                dist.is_main), unit='step')
    losses: list[float] = []
    started, samples = time.perf_counter(), 0
    while step < settings.steps:
        losses.append(train_step(task, step, next(batches)))
        step += 1
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
            score = task.selection_score(metrics)
            if score is not None and score > best:
                best = score
                if dist.is_main:
                    task.export(out / 'best.pt')
            if task.after_validation(metrics, step) and step < settings.steps:
                batches = task.batches(step, settings.steps)
        if values and log is not None:
            log.write(step, values)
        if dist.is_main and (step % settings.checkpoint_every == 0 or step == settings.steps):
            save_training_state(last, step, task, best)
    bar.close()
    weights = out / 'weights.pt'
    if dist.is_main:
        task.export(weights)
    return weights
