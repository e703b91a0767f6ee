"""Training checkpoints: everything a run needs to resume exactly (model, optimizer, gradient
scaler, task state, step, random states), written atomically and read without running code
from the file."""

from __future__ import annotations

from pathlib import Path
import random
from typing import Any, TYPE_CHECKING

import numpy as np
import torch

from ros_tracker.weights import read_weights

if TYPE_CHECKING:
    from ros_tracker.training.task import TrainingTask

CHECKPOINT_FORMAT = 'ros_tracker.training.checkpoint'


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


def save_checkpoint(path: Path, content: dict[str, Any]) -> None:
    """Write a training checkpoint atomically (a crash never leaves half a file)."""
    partial = path.with_suffix('.partial')
    torch.save({'format': CHECKPOINT_FORMAT, **content}, partial)
    partial.replace(path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint written by save_checkpoint, read without running code from the file."""
    return read_weights(path, CHECKPOINT_FORMAT)


def save_training_state(path: Path, step: int, task: TrainingTask, best_score: float) -> None:
    """Checkpoint task after step, with the best selection score so far."""
    save_checkpoint(path, {'step': step, 'best_score': best_score,
                           'model': task.model.state_dict(),
                           'optimizer': task.optimizer.state_dict(),
                           'scaler': task.scaler.state_dict(), 'task': task.state_dict(),
                           'rng': rng_states()})


def restore_training_state(path: Path, task: TrainingTask) -> tuple[int, float]:
    """Put task back in the state of the checkpoint at path; returns the step it was saved
    after and the best selection score by then."""
    content = load_checkpoint(path)
    task.model.load_state_dict(content['model'])
    task.optimizer.load_state_dict(content['optimizer'])
    task.scaler.load_state_dict(content['scaler'])
    task.load_state_dict(content['task'])
    restore_rng_states(content['rng'])
    return int(content['step']), float(content['best_score'])
