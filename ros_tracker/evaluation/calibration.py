"""Fitting a tracker's calibrated confidence (ros_tracker.confidence) on tracked frames whose
truth is known: the logistic model of "the box overlaps the target" on the cues the tracker
recorded, and the threshold whose not-found flag best detects the frames where it does not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence as Sequence_

import numpy as np

from ros_tracker.confidence import best_threshold, fit_logistic
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.metrics import overlaps_target
from ros_tracker.evaluation.results import f1_score
from ros_tracker.evaluation.runner import frame_range, SequenceRun


def labelled_frames(sequence: Sequence, run: SequenceRun) -> tuple[list[dict[str, float]],
                                                                   list[bool]]:
    """The signals of every tracked frame of run whose truth is known, and whether its box
    overlaps the target there (False where the target is absent)."""
    first, _ = frame_range(sequence)
    signals, overlaps = [], []
    for offset, cues in enumerate(run.signals):
        truth = sequence.boxes[first + 1 + offset]
        if truth is None and sequence.gaps_unannotated:
            continue
        signals.append(cues)
        overlaps.append(overlaps_target(run.boxes[1 + offset], truth))
    return signals, overlaps


@dataclass(frozen=True)
class CalibrationFit:
    """A fitted calibration and how its flag did on the frames it was fitted on.

    Attributes:
        model: the parameter confidence_model (bias, then one weight per signal).
        min_probability: the parameter of that name.
        frames / missed: frames fitted on, and those among them without overlap.
        precision / recall / f1: of the not-found flag as a detector of those frames.
    """

    model: tuple[float, ...]
    min_probability: float
    frames: int
    missed: int
    precision: float
    recall: float
    f1: float


def fit_calibration(names: Sequence_[str], sequences: list[Sequence],
                    runs: list[SequenceRun], l2: float = 1e-3) -> CalibrationFit:
    """The calibration of signals names fitted on runs (one per sequence, same order)."""
    rows, labels = [], []
    for sequence, run in zip(sequences, runs):
        signals, overlaps = labelled_frames(sequence, run)
        missing = sorted({name for cues in signals for name in names if name not in cues})
        if missing:
            raise ValueError(f'{run.sequence}: the run recorded no {", ".join(missing)}')
        rows += [[cues[name] for name in names] for cues in signals]
        labels += overlaps
    if not rows:
        raise ValueError('no tracked frame with a known truth to fit on')
    features, overlap = np.array(rows, dtype=np.float64), np.array(labels, dtype=bool)
    bias, weights = fit_logistic(features, overlap, l2)
    probabilities = 1.0 / (1.0 + np.exp(-np.clip(bias + features @ weights, -50, 50)))
    threshold = best_threshold(probabilities, overlap)
    flagged, missed = probabilities < threshold, ~overlap
    hits = int((flagged & missed).sum())
    precision = hits / int(flagged.sum()) if flagged.any() else float('nan')
    recall = hits / int(missed.sum()) if missed.any() else float('nan')
    return CalibrationFit((round(bias, 4), *(round(float(w), 4) for w in weights)),
                          round(threshold, 3), len(labels), int(missed.sum()), precision,
                          recall, f1_score(precision, recall))
