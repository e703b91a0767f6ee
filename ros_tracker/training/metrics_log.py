"""The metrics log of a training run: metrics.csv, and TensorBoard event files where the
tensorboard package is installed."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any


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
