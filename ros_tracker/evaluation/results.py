"""results.json: what a tracker did on a set of sequences, aggregated the way the benchmarks
report it. Field names are read by other tools: keep them stable."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
import platform
import statistics
from typing import Any

import cv2
import numpy as np
import torch

from ros_tracker.device import cpu_has_native_bfloat16
from ros_tracker.evaluation.metrics import (Accuracy, NORMALIZED_THRESHOLDS,
                                            PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS)
from ros_tracker.evaluation.runner import ResetRun, SequenceRun
from ros_tracker.pretrained import SHIPPED

RESULTS_FILE = 'results.json'


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float('nan')


def f1_score(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall; nan when either is undefined or both are 0."""
    if np.isnan(precision) or np.isnan(recall) or precision + recall == 0:
        return float('nan')
    return 2 * precision * recall / (precision + recall)


def speed(frame_ms: list[float]) -> dict[str, float]:
    """Frames per second over the summed time, median and 90th percentile latency."""
    if not frame_ms:
        return {'fps': float('nan'), 'median_ms': float('nan'), 'p90_ms': float('nan')}
    return {'fps': 1e3 * len(frame_ms) / sum(frame_ms),
            'median_ms': statistics.median(frame_ms),
            'p90_ms': float(np.percentile(frame_ms, 90))}


def calibration_summary(reliabilities: list[tuple[tuple[int, float, int], ...]]
                        ) -> dict[str, Any]:
    """The confidence's reliability pooled over frames of all runs: per bin the frames, their
    mean confidence and the fraction the box overlaps; ece, the expected calibration error (the
    frame-weighted mean gap between the two; nan without confidences)."""
    given = [r for r in reliabilities if r]
    if not given:
        return {'ece': float('nan'), 'frames': 0, 'bins': []}
    pooled = np.sum(np.array(given, dtype=np.float64), axis=0)
    frames = int(pooled[:, 0].sum())
    bins = [{'frames': int(n), 'mean_confidence': total / n if n else float('nan'),
             'overlap_rate': hits / n if n else float('nan')} for n, total, hits in pooled]
    ece = float(np.abs(pooled[:, 1] - pooled[:, 2]).sum() / frames) if frames else float('nan')
    return {'ece': ece, 'frames': frames, 'bins': bins}


def _curve(accuracies: list[Accuracy], name: str) -> list[float]:
    return [float(v) for v in np.mean([getattr(a, name) for a in accuracies], axis=0)]


def scores(accuracies: list[Accuracy]) -> dict[str, Any]:
    """Accuracy metrics averaged over sequences, as OTB averages per-sequence curves."""
    result: dict[str, Any] = {
        metric: _mean([getattr(a, metric) for a in accuracies])
        for metric in ('auc', 'op50', 'op75', 'precision20', 'norm_precision', 'size_drift')}
    precision = _mean([a.lost_precision for a in accuracies])
    recall = _mean([a.lost_recall for a in accuracies])
    result['lost'] = {'precision': precision, 'recall': recall, 'f1': f1_score(precision, recall)}
    result['calibration'] = calibration_summary([a.reliability for a in accuracies])
    result['success_curve'] = _curve(accuracies, 'success')
    result['precision_curve'] = _curve(accuracies, 'precision')
    return result


def attribute_scores(runs: list[SequenceRun]) -> dict[str, dict[str, Any]]:
    """Scores over the sequences that carry each challenge attribute."""
    names = sorted({attribute for run in runs for attribute in run.attributes})
    breakdown = {}
    for name in names:
        tagged = [run for run in runs if name in run.attributes]
        breakdown[name] = {'sequences': [run.sequence for run in tagged],
                           **scores([run.accuracy for run in tagged])}
    return breakdown


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as info:
            cpu = next(line.split(':', 1)[1].strip() for line in info
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}'


def environment() -> dict[str, Any]:
    """Machine, library versions and date, stated next to every measurement; native_bfloat16
    says whether the CPU multiplies bfloat16 in hardware, which decides the precision of
    ATOM's backbone under autocast 'auto'."""
    return {'machine': machine_description(),
            'native_bfloat16': cpu_has_native_bfloat16(),
            'versions': {'torch': torch.__version__, 'opencv': cv2.__version__,
                         'torch_threads': torch.get_num_threads()},
            'date': datetime.date.today().isoformat()}


def results_document(tracker: str, runs: list[SequenceRun], settings: dict[str, Any],
                     device: str, resets: list[ResetRun] | None = None) -> dict[str, Any]:
    """The content of results.json."""
    all_ms = [ms for run in runs for ms in run.frame_ms]
    stage_names = sorted({name for run in runs for stages in run.stage_ms for name in stages})
    overall = {**scores([run.accuracy for run in runs]), **speed(all_ms),
               'frames': sum(run.accuracy.frames for run in runs),
               'init_ms': statistics.median(run.init_ms for run in runs) if runs else None,
               'stage_ms': {name: statistics.median(stages.get(name, 0.0) for run in runs
                                                    for stages in run.stage_ms)
                            for name in stage_names}}
    sequences = {run.sequence: {**scores([run.accuracy]), **speed(run.frame_ms),
                                'frames': run.accuracy.frames, 'attributes': run.attributes}
                 for run in runs}
    if resets is not None:
        for run, reset in zip(runs, resets):
            sequences[run.sequence].update(failures=reset.failures, mean_iou=reset.mean_iou)
        overall.update(failures=sum(r.failures for r in resets),
                       mean_iou=_mean([r.mean_iou for r in resets]))
    return {'tracker': tracker, 'device': device, **settings, **environment(),
            'thresholds': {'success': SUCCESS_THRESHOLDS.tolist(),
                           'precision': PRECISION_THRESHOLDS.tolist(),
                           'norm_precision': NORMALIZED_THRESHOLDS.tolist()},
            'overall': overall, 'sequences': sequences, 'attributes': attribute_scores(runs)}


def box_file_name(sequence: str) -> str:
    return sequence.replace('/', '_') + '.txt'


def save_results(directory: str | Path, document: dict[str, Any], runs: list[SequenceRun]) -> Path:
    """Write results.json and one box file per sequence (x,y,w,h per frame, OTB text format)."""
    directory = Path(directory)
    (directory / 'boxes').mkdir(parents=True, exist_ok=True)
    path = directory / RESULTS_FILE
    path.write_text(json.dumps(document, indent=1, allow_nan=True) + '\n', encoding='utf-8')
    for run in runs:
        lines = [f'{b.x:.2f},{b.y:.2f},{b.w:.2f},{b.h:.2f}' for b in run.boxes]
        (directory / 'boxes' / box_file_name(run.sequence)).write_text(
            '\n'.join(lines) + '\n', encoding='utf-8')
    return path


def run_label(result: dict[str, Any]) -> str:
    """The name of a result in tables and plots: the tracker's, followed by its weights file
    when that is neither the shipped default nor absent, so that runs of one tracker with
    different weights stay apart."""
    tracker, weights = result['tracker'], result.get('weights') or ''
    default = SHIPPED[tracker].file_name if tracker in SHIPPED else ''
    precision = ' half' if result.get('half') else ''
    if weights in ('', 'none', 'random', default):
        return tracker + precision
    return f'{tracker} ({Path(weights).stem}){precision}'
