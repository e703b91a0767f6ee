"""Run a tracker over annotated sequences (one-pass evaluation) and save what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime
import json
import os
from pathlib import Path
import platform
import statistics
import time
from typing import Any

import cv2
import numpy as np
import torch

from ros_tracker.boxes import Box, iou
from ros_tracker.datasets.readers import read_sequence
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.metrics import Accuracy, accuracy
from ros_tracker.tracker import Tracker

#: The splits of the shared data set (../shared/data/README.md): never train on 'eval'.
SPLITS = {
    'eval': ['OTB/Couple', 'OTB/Crossing', 'OTB/Football1', 'OTB/MountainBike',
             'MIL/faceocc_MIL', 'VOT2015/ball1', 'DTB70/Surfing06', 'UAV123_10fps/person11',
             'UAV123_10fps/boat5', 'UAV123_10fps/wakeboard4'],
    'train': ['DTB70/Gull2', 'DTB70/MountainBike6', 'UAVDT/S0601', 'UAVDT/S0310',
              'UAVDT/S1301', 'UAV123_10fps/wakeboard7', 'UAV123_10fps/building5',
              'UAV123_10fps/wakeboard10', 'UAV123_10fps/truck2', 'UAV123_10fps/wakeboard3',
              'UAV123_10fps/boat1', 'UAV123_10fps/person12_1'],
}


@dataclass
class SequenceRun:
    """One tracker on one sequence: its boxes, their accuracy and the time per frame (the init
    frame's box is the ground truth and is not timed as a tracking frame)."""

    sequence: str
    boxes: list[Box]
    accuracy: Accuracy
    init_ms: float
    frame_ms: list[float]
    stage_ms: list[dict[str, float]] = field(default_factory=list)


def sequence_names(split: str) -> list[str]:
    """Sequence names of a split of the shared data ('eval', 'train' or 'all')."""
    if split == 'all':
        return SPLITS['eval'] + SPLITS['train']
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; accepted: 'eval', 'train', 'all'")
    return list(SPLITS[split])


def load_sequences(root: str | Path, names: list[str], layout: str = 'uniform') -> list[Sequence]:
    """The named sequences below root, in one of the benchmark layouts (datasets.readers)."""
    return [read_sequence(layout, root, name) for name in names]


def run_sequence(tracker: Tracker, sequence: Sequence,
                 max_frames: int | None = None) -> SequenceRun:
    """Initialize on the first annotated frame and track every later frame once (OPE)."""
    first = next(i for i, box in enumerate(sequence.boxes) if box is not None)
    last = len(sequence) if max_frames is None else min(len(sequence), first + max_frames)
    started = time.perf_counter()
    tracker.initialize(sequence.frame(first), sequence.boxes[first])
    init_ms = (time.perf_counter() - started) * 1e3
    boxes, found, frame_ms, stages = [sequence.boxes[first]], [True], [], []
    for index in range(first + 1, last):
        frame = sequence.frame(index)
        started = time.perf_counter()
        result = tracker.track(frame)
        frame_ms.append((time.perf_counter() - started) * 1e3)
        boxes.append(result.box)
        found.append(result.found)
        stages.append(dict(result.stage_ms))
    score = accuracy(boxes, found, sequence.boxes[first:last])
    return SequenceRun(sequence.name, boxes, score, init_ms, frame_ms, stages)


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
                    max_frames: int | None = None) -> ResetRun:
    """Track until the box misses the target, count a failure, and re-initialize on the first
    annotated frame skip frames later (VOT style, as in the DenseRe3 paper's Table 1). The
    burn_in frames after every (re-)initialization are not scored."""
    boxes = sequence.boxes
    first = next(i for i, box in enumerate(boxes) if box is not None)
    last = len(sequence) if max_frames is None else min(len(sequence), first + max_frames)
    failures, overlaps, index = 0, [], first
    while index is not None and index < last:
        tracker.initialize(sequence.frame(index), boxes[index])
        since_start, index = 0, index + 1
        while index < last:
            result = tracker.track(sequence.frame(index))
            since_start += 1
            truth = boxes[index]
            if truth is not None and iou(result.box, truth) == 0.0:
                failures += 1
                index = next((i for i in range(index + skip, last) if boxes[i] is not None),
                             None)
                break
            if truth is not None and since_start > burn_in:
                overlaps.append(iou(result.box, truth))
            index += 1
    return ResetRun(failures, float(np.mean(overlaps)) if overlaps else float('nan'),
                    len(overlaps))


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float('nan')


def _f1(precision: float, recall: float) -> float:
    if np.isnan(precision) or np.isnan(recall) or precision + recall == 0:
        return float('nan')
    return 2 * precision * recall / (precision + recall)


def _speed(frame_ms: list[float]) -> dict[str, float]:
    if not frame_ms:
        return {'fps': float('nan'), 'median_ms': float('nan'), 'p90_ms': float('nan')}
    return {'fps': 1e3 * len(frame_ms) / sum(frame_ms),
            'median_ms': statistics.median(frame_ms),
            'p90_ms': float(np.percentile(frame_ms, 90))}


def _scores(accuracies: list[Accuracy]) -> dict[str, Any]:
    """Accuracy metrics averaged over sequences (as OTB averages per-sequence curves)."""
    scores = {metric: _mean([getattr(a, metric) for a in accuracies])
              for metric in ('auc', 'op50', 'op75', 'precision20')}
    precision = _mean([a.lost_precision for a in accuracies])
    recall = _mean([a.lost_recall for a in accuracies])
    scores['lost'] = {'precision': precision, 'recall': recall, 'f1': _f1(precision, recall)}
    return scores


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as info:
            cpu = next(line.split(':', 1)[1].strip() for line in info
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}'


def results_document(tracker: str, runs: list[SequenceRun], settings: dict[str, Any],
                     device: str, resets: list[ResetRun] | None = None) -> dict[str, Any]:
    """The content of results.json (field names are read by other tools: keep them stable)."""
    all_ms = [ms for run in runs for ms in run.frame_ms]
    stage_names = sorted({name for run in runs for stages in run.stage_ms for name in stages})
    overall = {**_scores([run.accuracy for run in runs]), **_speed(all_ms),
               'frames': sum(run.accuracy.frames for run in runs),
               'init_ms': statistics.median(run.init_ms for run in runs) if runs else None,
               'stage_ms': {name: statistics.median(stages.get(name, 0.0) for run in runs
                                                    for stages in run.stage_ms)
                            for name in stage_names}}
    sequences = {run.sequence: {**_scores([run.accuracy]), **_speed(run.frame_ms),
                                'frames': run.accuracy.frames} for run in runs}
    if resets is not None:
        for run, reset in zip(runs, resets):
            sequences[run.sequence].update(failures=reset.failures, mean_iou=reset.mean_iou)
        overall.update(failures=sum(r.failures for r in resets),
                       mean_iou=_mean([r.mean_iou for r in resets]))
    return {'tracker': tracker, 'device': device, **settings,
            'machine': machine_description(),
            'versions': {'torch': torch.__version__, 'opencv': cv2.__version__,
                         'torch_threads': torch.get_num_threads()},
            'date': datetime.date.today().isoformat(),
            'overall': overall, 'sequences': sequences}


def save_results(directory: str | Path, document: dict[str, Any], runs: list[SequenceRun]) -> Path:
    """Write results.json and one box file per sequence (x,y,w,h per frame, OTB text format)."""
    directory = Path(directory)
    (directory / 'boxes').mkdir(parents=True, exist_ok=True)
    path = directory / 'results.json'
    path.write_text(json.dumps(document, indent=1, allow_nan=True) + '\n', encoding='utf-8')
    for run in runs:
        lines = [f'{b.x:.2f},{b.y:.2f},{b.w:.2f},{b.h:.2f}' for b in run.boxes]
        name = run.sequence.replace('/', '_')
        (directory / 'boxes' / f'{name}.txt').write_text('\n'.join(lines) + '\n',
                                                         encoding='utf-8')
    return path
