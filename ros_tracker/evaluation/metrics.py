"""One-pass evaluation metrics (OTB protocol) and the quality of a tracker's lost flag.

Frames without a ground-truth box (target absent or not annotated) are left out of every
accuracy metric. IoU uses continuous pixel coordinates (ros_tracker.boxes.iou).
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np

from ros_tracker.boxes import Box, iou

#: IoU thresholds of the success curve: 0, 0.05, ..., 1.
SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_PIXELS = 20.0


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of one run over the annotated frames.

    Attributes:
        frames: annotated frames scored.
        auc: area under the success curve (mean fraction of frames with IoU > t over the 21
            thresholds), in [0, 1].
        op50 / op75: fraction of frames with IoU > 0.5 / > 0.75.
        precision20: fraction of frames whose centre error is at most 20 pixels.
        lost_precision / lost_recall: of the frames the tracker flagged as not found, the
            fraction where its box really missed the target (IoU 0 or target absent); and of
            those missed frames, the fraction it flagged. nan when undefined.
    """

    frames: int
    auc: float
    op50: float
    op75: float
    precision20: float
    lost_precision: float
    lost_recall: float


def centre_error(a: Box, b: Box) -> float:
    (ax, ay), (bx, by) = a.center, b.center
    return math.hypot(ax - bx, ay - by)


def success_curve(overlaps: np.ndarray) -> np.ndarray:
    """Fraction of frames with IoU strictly above each threshold of SUCCESS_THRESHOLDS."""
    if len(overlaps) == 0:
        return np.zeros_like(SUCCESS_THRESHOLDS)
    return (overlaps[None, :] > SUCCESS_THRESHOLDS[:, None]).mean(axis=1)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float('nan')


def accuracy(predicted: list[Box], found: list[bool], truth: list[Box | None]) -> Accuracy:
    """Score a run: predicted boxes and found flags per frame against the ground truth."""
    if not len(predicted) == len(found) == len(truth):
        raise ValueError('predicted, found and truth must have one entry per frame')
    scored = [(p, t) for p, t in zip(predicted, truth) if t is not None]
    overlaps = np.array([iou(p, t) for p, t in scored])
    errors = np.array([centre_error(p, t) for p, t in scored])
    missed = [t is None or iou(p, t) == 0.0 for p, t in zip(predicted, truth)]
    flagged = [not f for f in found]
    hits = sum(m and f for m, f in zip(missed, flagged))
    curve = success_curve(overlaps)
    return Accuracy(
        frames=len(scored), auc=float(curve.mean()),
        op50=float((overlaps > 0.5).mean()) if len(scored) else 0.0,
        op75=float((overlaps > 0.75).mean()) if len(scored) else 0.0,
        precision20=float((errors <= PRECISION_PIXELS).mean()) if len(scored) else 0.0,
        lost_precision=_ratio(hits, sum(flagged)), lost_recall=_ratio(hits, sum(missed)))
