"""A calibrated confidence: the probability that the tracker's box overlaps the target.

Every tracker says how sure it is in its own units (a correlation peak, an appearance
agreement, a network score), and a threshold on one of them means nothing for another.
CalibratedTracker turns the cues of any tracker into one probability with a logistic model
fitted on the train split (ros-tracker fit-confidence): the tracker's own confidence and
not-found flag, the box's appearance against the first frame's target and against the previous
frame's box, the box's change of size and its motion, and cues the tracker adds itself
(TrackResult.signals, e.g. ATOM's second peak). A frame counts as found when the probability
reaches min_probability, so the node's min_score is a probability for every tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math
from typing import Mapping, Sequence

import numpy as np

from ros_tracker.appearance import agreement, grey_patch
from ros_tracker.boxes import Box
from ros_tracker.tracker import Tracker, TrackResult

#: The cues CalibratedTracker measures for every tracker, in the model's order.
COMMON_SIGNALS = ('confidence', 'found', 'first_agreement', 'previous_agreement',
                  'size_change', 'motion')
#: Side of the grey patches the appearance cues compare.
PATCH_SIZE = 32


@dataclass(frozen=True)
class Calibration:
    """P(overlap) = 1 / (1 + exp(-(bias + sum of weights[i] * signals[names[i]]))); the target
    counts as found where it reaches min_probability."""

    names: tuple[str, ...]
    bias: float
    weights: tuple[float, ...]
    min_probability: float = 0.5

    @classmethod
    def from_model(cls, names: Sequence[str], model: Sequence[float],
                   min_probability: float = 0.5) -> Calibration:
        """The calibration stored as parameters: confidence_model (the bias followed by one
        weight per name) and min_probability."""
        if len(model) != len(names) + 1:
            raise ValueError(f'confidence_model needs {len(names) + 1} numbers (the bias, then '
                             f'one weight per signal: {", ".join(names)}), got {len(model)}')
        if not 0.0 <= min_probability <= 1.0:
            raise ValueError(f'min_probability must lie in [0, 1], got {min_probability}')
        return cls(tuple(names), float(model[0]), tuple(float(w) for w in model[1:]),
                   min_probability)

    @property
    def model(self) -> tuple[float, ...]:
        return (self.bias, *self.weights)

    def probability(self, signals: Mapping[str, float]) -> float:
        z = self.bias + sum(w * signals[name] for name, w in zip(self.names, self.weights))
        return 1.0 / (1.0 + math.exp(-min(max(z, -50.0), 50.0)))

    def verdict(self, signals: Mapping[str, float]) -> tuple[float, bool]:
        """The probability of signals and whether the target counts as found."""
        probability = self.probability(signals)
        return probability, probability >= self.min_probability


def box_dynamics(previous: Box, box: Box) -> dict[str, float]:
    """size_change: |log| of the area ratio; motion: the centre's shift in units of the
    previous box's size (its area's square root), log-compressed so a jump stays finite."""
    area = max(previous.area, 1e-6)
    (px, py), (x, y) = previous.center, box.center
    return {'size_change': abs(math.log(max(box.area, 1e-6) / area)),
            'motion': math.log1p(math.hypot(x - px, y - py) / math.sqrt(area))}


class CalibratedTracker(Tracker):
    """tracker with its confidence replaced by the calibrated probability and found meaning
    probability >= min_probability; its boxes are untouched. The cues measured on every frame
    are in the result's signals."""

    def __init__(self, tracker: Tracker, calibration: Calibration) -> None:
        self.tracker, self.calibration = tracker, calibration
        self.device = tracker.device
        self._first: np.ndarray | None = None
        self._previous: tuple[np.ndarray, Box] | None = None

    @property
    def min_probability(self) -> float:
        return self.calibration.min_probability

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        self.tracker.initialize(frame, box)
        self._first = grey_patch(frame, box, PATCH_SIZE)
        self._previous = (self._first, box)

    def track(self, frame: np.ndarray) -> TrackResult:
        if self._first is None or self._previous is None:
            raise RuntimeError('track() called before initialize()')
        result = self.tracker.track(frame)
        patch = grey_patch(frame, result.box, PATCH_SIZE)
        previous_patch, previous_box = self._previous
        signals = {'confidence': result.confidence, 'found': float(result.found),
                   'first_agreement': agreement(patch, self._first),
                   'previous_agreement': agreement(patch, previous_patch),
                   **box_dynamics(previous_box, result.box), **result.signals}
        self._previous = (patch, result.box)
        probability, found = self.calibration.verdict(signals)
        return replace(result, confidence=probability, found=found, signals=signals)


def fit_logistic(features: np.ndarray, labels: np.ndarray,
                 l2: float = 1e-3, iterations: int = 50) -> tuple[float, np.ndarray]:
    """Bias and weights of the L2-regularized logistic regression of labels (0/1) on features
    [N, K], by Newton's method (the bias is not penalized)."""
    x = np.hstack([np.ones((len(features), 1)), np.asarray(features, dtype=np.float64)])
    y = np.asarray(labels, dtype=np.float64)
    penalty = np.full(x.shape[1], l2 * len(y))
    penalty[0] = 0.0
    theta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -50, 50)))
        gradient = x.T @ (p - y) + penalty * theta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(theta[0]), theta[1:]


def best_threshold(probabilities: np.ndarray, overlaps: np.ndarray) -> float:
    """The min_probability whose not-found flag (probability below it) best detects the frames
    without overlap (highest F1), among the observed probabilities; 0.5 without such frames."""
    missed = ~np.asarray(overlaps, dtype=bool)
    if not missed.any():
        return 0.5
    best, chosen = -1.0, 0.5
    for threshold in np.unique(np.round(probabilities, 3)):
        flagged = probabilities < threshold
        hits = float((flagged & missed).sum())
        if hits == 0:
            continue
        f1 = 2 * hits / (flagged.sum() + missed.sum())
        if f1 > best:
            best, chosen = f1, float(threshold)
    return chosen
