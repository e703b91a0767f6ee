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
#: Centre-error thresholds of the precision curve: 0, 1, ..., 50 pixels.
PRECISION_THRESHOLDS = np.arange(0.0, 51.0)
PRECISION_PIXELS = 20.0
#: Thresholds of the normalized precision curve: 0, 0.01, ..., 0.5 of the target's size.
NORMALIZED_THRESHOLDS = np.linspace(0.0, 0.5, 51)
#: Equal-width bins of a confidence's reliability: [0, 0.1), ..., [0.9, 1].
CONFIDENCE_BINS = 10


@dataclass(frozen=True)
class Accuracy:
    """Accuracy of one run over the annotated frames.

    Attributes:
        frames: annotated frames scored.
        auc: area under the success curve (mean fraction of frames with IoU > t over the 21
            thresholds), in [0, 1].
        op50 / op75: fraction of frames with IoU > 0.5 / > 0.75.
        precision20: fraction of frames whose centre error is at most 20 pixels.
        norm_precision: area under the normalized precision curve (centre error divided by the
            ground truth's width and height, thresholds 0..0.5), as TrackingNet defines it.
        lost_precision / lost_recall: of the frames the tracker flagged as not found, the
            fraction where its box really missed the target (IoU 0 or target absent); and of
            those missed frames, the fraction it flagged. nan when undefined.
        size_drift: how fast the box's size runs away from the target's, per frame: exp of
            the least-squares slope of log(sqrt(box area / target area)) over the scored
            frames, minus 1 (-0.005: the box shrinks 0.5 % per frame against the target; 0
            for fewer than two frames).
        success: the success curve over SUCCESS_THRESHOLDS.
        precision: the precision curve over PRECISION_THRESHOLDS.
        reliability: per confidence bin (CONFIDENCE_BINS), the frames judged for the lost flag
            whose confidence falls in it, the sum of their confidences and how many of them the
            box overlaps (empty when the confidences were not given).
    """

    frames: int
    auc: float
    op50: float
    op75: float
    precision20: float
    norm_precision: float
    lost_precision: float
    lost_recall: float
    size_drift: float
    success: tuple[float, ...]
    precision: tuple[float, ...]
    reliability: tuple[tuple[int, float, int], ...] = ()


def centre_error(a: Box, b: Box) -> float:
    (ax, ay), (bx, by) = a.center, b.center
    return math.hypot(ax - bx, ay - by)


def normalized_centre_error(predicted: Box, truth: Box) -> float:
    """Centre error with x measured in the ground truth's widths and y in its heights."""
    (px, py), (tx, ty) = predicted.center, truth.center
    return math.hypot((px - tx) / truth.w, (py - ty) / truth.h)


def success_curve(overlaps: np.ndarray) -> np.ndarray:
    """Fraction of frames with IoU strictly above each threshold of SUCCESS_THRESHOLDS."""
    return _fraction_above(overlaps, SUCCESS_THRESHOLDS)


def precision_curve(errors: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS
                    ) -> np.ndarray:
    """Fraction of frames whose (centre) error is at most each threshold."""
    if len(errors) == 0:
        return np.zeros_like(thresholds)
    return (errors[None, :] <= thresholds[:, None]).mean(axis=1)


def _fraction_above(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.zeros_like(thresholds)
    return (values[None, :] > thresholds[:, None]).mean(axis=1)


def size_drift(predicted: list[Box], truth: list[Box], frames: list[int]) -> float:
    """Accuracy.size_drift of boxes predicted on those frames (indices) against truth."""
    if len(frames) < 2:
        return 0.0
    sides = np.log(np.sqrt(np.array([max(p.area, 1e-9) / max(t.area, 1e-9)
                                     for p, t in zip(predicted, truth)])))
    slope = np.polyfit(np.array(frames, dtype=np.float64), sides, 1)[0]
    return float(math.exp(slope) - 1.0)


def overlaps_target(predicted: Box, truth: Box | None) -> bool:
    """Whether the box overlaps the target at all (never where the target is absent): what
    the lost flag is judged against."""
    return truth is not None and iou(predicted, truth) > 0.0


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float('nan')


def reliability_bins(confidence: list[float],
                     overlaps: list[bool]) -> tuple[tuple[int, float, int], ...]:
    """Frames, summed confidence and overlapping frames per bin of confidence."""
    bins = [[0, 0.0, 0] for _ in range(CONFIDENCE_BINS)]
    for value, overlap in zip(confidence, overlaps):
        entry = bins[min(max(int(value * CONFIDENCE_BINS), 0), CONFIDENCE_BINS - 1)]
        entry[0] += 1
        entry[1] += value
        entry[2] += int(overlap)
    return tuple((int(n), float(total), int(hits)) for n, total, hits in bins)


def accuracy(predicted: list[Box], found: list[bool], truth: list[Box | None],
             gaps_unannotated: bool = False,
             confidence: list[float] | None = None) -> Accuracy:
    """Score a run: predicted boxes, found flags (and confidences, for their reliability) per
    frame against the ground truth.

    A frame without a ground-truth box means the target is absent, unless gaps_unannotated says
    the frame was simply not annotated: then it is left out of the lost-flag quality too.
    """
    if not len(predicted) == len(found) == len(truth):
        raise ValueError('predicted, found and truth must have one entry per frame')
    scored = [(p, t) for p, t in zip(predicted, truth) if t is not None]
    scored_frames = [i for i, t in enumerate(truth) if t is not None]
    overlaps = np.array([iou(p, t) for p, t in scored])
    errors = np.array([centre_error(p, t) for p, t in scored])
    normalized = np.array([normalized_centre_error(p, t) for p, t in scored])
    judged = [(p, f, t) for p, f, t in zip(predicted, found, truth)
              if t is not None or not gaps_unannotated]
    missed = [not overlaps_target(p, t) for p, _, t in judged]
    flagged = [not f for _, f, _ in judged]
    hits = sum(m and f for m, f in zip(missed, flagged))
    reliability = () if confidence is None else reliability_bins(
        [c for c, t in zip(confidence, truth) if t is not None or not gaps_unannotated],
        [not m for m in missed])
    success = success_curve(overlaps)
    precision = precision_curve(errors)
    return Accuracy(
        frames=len(scored), auc=float(success.mean()),
        op50=float(_fraction_above(overlaps, np.array([0.5]))[0]),
        op75=float(_fraction_above(overlaps, np.array([0.75]))[0]),
        precision20=float(precision_curve(errors, np.array([PRECISION_PIXELS]))[0]),
        norm_precision=float(precision_curve(normalized, NORMALIZED_THRESHOLDS).mean()),
        lost_precision=_ratio(hits, sum(flagged)), lost_recall=_ratio(hits, sum(missed)),
        size_drift=size_drift([p for p, _ in scored], [t for _, t in scored], scored_frames),
        success=tuple(float(v) for v in success), precision=tuple(float(v) for v in precision),
        reliability=reliability)
