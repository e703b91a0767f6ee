"""Run a tracker over annotated sequences: one pass (OPE) and the reset protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import time
from typing import Callable

import numpy as np

from ros_tracker.boxes import Box, iou
from ros_tracker.datasets.readers import read_sequence
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.metrics import Accuracy, accuracy
from ros_tracker.tracker import Tracker


@dataclass
class SequenceRun:
    """One tracker on one sequence: its boxes, their accuracy and the time per frame (the init
    frame's box is the ground truth and is not timed as a tracking frame), the confidence of
    every frame (1 on the init frame) and its cues on every tracked frame (TrackResult.signals)."""

    sequence: str
    boxes: list[Box]
    found: list[bool]
    accuracy: Accuracy
    init_ms: float
    frame_ms: list[float]
    stage_ms: list[dict[str, float]] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    signals: list[dict[str, float]] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)


def load_sequences(root: str | Path, names: list[str], layout: str = 'uniform') -> list[Sequence]:
    """The named sequences below root, in one of the benchmark layouts (datasets.readers)."""
    return [read_sequence(layout, root, name) for name in names]


#: Called with the number of frames just gone through (for a progress bar).
Progress = Callable[[int], None]


def frame_range(sequence: Sequence, max_frames: int | None = None) -> tuple[int, int]:
    """First annotated frame (the init frame) and the end of the frames evaluated."""
    first = next((i for i, box in enumerate(sequence.boxes) if box is not None), None)
    if first is None:
        raise ValueError(f'{sequence.name}: no frame has a ground-truth box to start from')
    last = len(sequence) if max_frames is None else min(len(sequence), first + max_frames)
    return first, last


def _ignore(frames: int) -> None:
    return None


def run_sequence(tracker: Tracker, sequence: Sequence, max_frames: int | None = None,
                 progress: Progress = _ignore) -> SequenceRun:
    """Initialize on the first annotated frame and track every later frame once (OPE)."""
    first, last = frame_range(sequence, max_frames)
    started = time.perf_counter()
    tracker.initialize(sequence.frame(first), sequence.boxes[first])
    init_ms = (time.perf_counter() - started) * 1e3
    boxes, found, confidence = [sequence.boxes[first]], [True], [1.0]
    frame_ms, stages, signals = [], [], []
    for index in range(first + 1, last):
        frame = sequence.frame(index)
        started = time.perf_counter()
        result = tracker.track(frame)
        frame_ms.append((time.perf_counter() - started) * 1e3)
        boxes.append(result.box)
        found.append(result.found)
        confidence.append(result.confidence)
        stages.append(dict(result.stage_ms))
        signals.append(dict(result.signals))
        progress(1)
    score = accuracy(boxes, found, sequence.boxes[first:last], sequence.gaps_unannotated,
                     confidence)
    return SequenceRun(sequence.name, boxes, found, score, init_ms, frame_ms, stages,
                       list(sequence.attributes), signals, confidence)


@dataclass(frozen=True)
class ResetRun:
    """The reset protocol's outcome on one sequence.

    Attributes:
        failures: times the box stopped overlapping the target (IoU 0 with a ground truth).
        mean_iou: mean IoU over the scored frames (the burn-in after each start is left out).
        scored_frames: frames that entered mean_iou.
    """

    failures: int
    mean_iou: float
    scored_frames: int


def run_with_resets(tracker: Tracker, sequence: Sequence, skip: int = 5, burn_in: int = 10,
                    max_frames: int | None = None, progress: Progress = _ignore) -> ResetRun:
    """Track until the box misses the target, count a failure, and re-initialize on the first
    annotated frame skip frames later (VOT style, as in the DenseRe3 paper's Table 1). The
    burn_in frames after every (re-)initialization are not scored. progress hears of every
    frame after the first, skipped ones included."""
    boxes = sequence.boxes
    first, last = frame_range(sequence, max_frames)
    failures, overlaps, index = 0, [], first
    while index < last:
        tracker.initialize(sequence.frame(index), boxes[index])
        since_start, index = 0, index + 1
        while index < last:
            result = tracker.track(sequence.frame(index))
            since_start += 1
            truth = boxes[index]
            if truth is not None and iou(result.box, truth) == 0.0:
                failures += 1
                restart = next((i for i in range(index + skip, last) if boxes[i] is not None),
                               last)
                progress(min(restart + 1, last) - index)  # the restart frame included
                index = restart
                break
            if truth is not None and since_start > burn_in:
                overlaps.append(iou(result.box, truth))
            index += 1
            progress(1)
    return ResetRun(failures, float(np.mean(overlaps)) if overlaps else float('nan'),
                    len(overlaps))
