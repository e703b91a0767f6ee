"""Validation by tracking: what a training run is selected by. A network whose loss falls can
still lose the target within a few hundred frames (its errors compound: a box that shrinks
0.5 % a frame collapses), so runs are judged the way the tracker is used, on held-out
sequences, against the box that never moves."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ros_tracker.baselines import StaticBoxTracker, StaticParams
from ros_tracker.boxes import iou
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.runner import frame_range, run_sequence, run_with_resets
from ros_tracker.tracker import Tracker


def picked_sequences(sequences: list[Sequence], count: int) -> list[Sequence]:
    """Up to count sequences spread evenly over the list (a large validation set stays cheap)."""
    if not sequences:
        return []
    picked = np.linspace(0, len(sequences) - 1, count)
    return [sequences[i] for i in sorted(set(np.round(picked).astype(int)))]


def tracking_metrics(make_tracker: Callable[[], Tracker], sequences: list[Sequence],
                     frames: int) -> dict[str, float]:
    """The tracker over the first frames frames of each sequence: val_iou (mean IoU), val_auc
    (OPE AUC, mean over sequences), val_failures (reset protocol, summed), val_size_drift (the
    largest per-frame size drift of any sequence, signed) and the same AUC and failures of the
    static box (val_static_auc, val_static_failures)."""
    tracker, static = make_tracker(), StaticBoxTracker(StaticParams())
    overlaps, aucs, drifts, failures = [], [], [], 0
    static_aucs, static_failures = [], 0
    for sequence in sequences:
        run = run_sequence(tracker, sequence, frames)
        first, _ = frame_range(sequence, frames)
        overlaps += [iou(box, truth) for box, truth in
                     zip(run.boxes[1:], sequence.boxes[first + 1:]) if truth is not None]
        aucs.append(run.accuracy.auc)
        drifts.append(run.accuracy.size_drift)
        failures += run_with_resets(tracker, sequence, max_frames=frames).failures
        static_aucs.append(run_sequence(static, sequence, frames).accuracy.auc)
        static_failures += run_with_resets(static, sequence, max_frames=frames).failures
    if not aucs:
        return {}
    return {'val_iou': float(np.mean(overlaps)) if overlaps else float('nan'),
            'val_auc': float(np.mean(aucs)), 'val_failures': float(failures),
            'val_size_drift': max(drifts, key=abs),
            'val_static_auc': float(np.mean(static_aucs)),
            'val_static_failures': float(static_failures)}
