"""The learning curves of a training run (its metrics.csv) as a PNG."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from matplotlib.figure import Figure  # no pyplot: files only, whatever the display


def read_metrics(path: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every column of metrics.csv as (step, value) pairs, empty cells left out."""
    series: dict[str, list[tuple[int, float]]] = {}
    with Path(path).open(newline='', encoding='utf-8') as file:
        for row in csv.DictReader(file):
            for name, text in row.items():
                if name != 'step' and text not in ('', None):
                    value = float(text)
                    if math.isfinite(value):
                        series.setdefault(name, []).append((int(row['step']), value))
    return series


#: The validation series drawn beside the loss, where a run measured them.
VALIDATION_CURVES = (
    ('val_iou', 'val_iou (ATOM: top-ranked proposal; Re3: tracking)'),
    ('val_spearman', 'val_spearman (rank correlation of predicted and true IoU)'),
    ('val_mean_iou', 'val_mean_iou (a random proposal: no ranking)'),
    ('val_auc', 'val_auc (held-out tracking)'),
    ('val_static_auc', 'val_static_auc (the box that never moves)'))


def plot_learning_curves(metrics_csv: str | Path, png: str | Path, title: str) -> Path:
    """Training and validation loss (left) and, where the run measured them, the validation
    IoU and VALIDATION_CURVES (right) against the step."""
    series = read_metrics(metrics_csv)
    if 'loss' not in series:
        raise ValueError(f'{metrics_csv}: no loss column; not a training metrics log')
    with_iou = 'val_iou' in series
    figure = Figure(figsize=(10 if with_iou else 5.5, 4), dpi=100)
    loss_axes, *rest = figure.subplots(1, 2 if with_iou else 1, squeeze=False)[0]
    for name, label in (('loss', 'training loss (mean over the log interval)'),
                        ('val_loss', 'validation loss (held-out data)')):
        if name in series:
            steps, values = zip(*series[name])
            loss_axes.plot(steps, values, marker='o' if name == 'val_loss' else None,
                           markersize=3, label=label)
    loss_axes.set(xlabel='step', ylabel='loss', title='loss')
    loss_axes.legend(loc='upper right', fontsize=8)
    loss_axes.grid(alpha=0.3)
    if with_iou:
        iou_axes = rest[0]
        lowest = 0.0
        for name, label in VALIDATION_CURVES:
            if name in series:
                steps, values = zip(*series[name])
                iou_axes.plot(steps, values, marker='o', markersize=3, label=label)
                lowest = min(lowest, *values)
        iou_axes.set(xlabel='step', ylabel='IoU or correlation', ylim=(lowest, 1),
                     title='validation (held-out data)')
        iou_axes.legend(loc='lower right', fontsize=8)
        iou_axes.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png)
    return png
