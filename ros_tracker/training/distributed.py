"""This process's place in a torchrun job, and the sampler that splits every step between the
processes."""

from __future__ import annotations

import os
from typing import Any, Iterator

import torch
from torch import distributed, nn

from ros_tracker.device import resolve_device


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
