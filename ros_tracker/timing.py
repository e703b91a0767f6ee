"""Per-stage wall time of one tracked frame, for benchmarks."""

from __future__ import annotations

import time

import torch


class StageTimer:
    """Records the milliseconds since the previous lap under each stage's name; on CUDA it
    waits for queued GPU work first, so a stage is charged for its own kernels."""

    def __init__(self, device: torch.device) -> None:
        self._cuda = device.type == 'cuda'
        self.stages: dict[str, float] = {}
        self._last = self._now()

    def _now(self) -> float:
        if self._cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def lap(self, stage: str) -> None:
        now = self._now()
        self.stages[stage] = self.stages.get(stage, 0.0) + (now - self._last) * 1e3
        self._last = now
