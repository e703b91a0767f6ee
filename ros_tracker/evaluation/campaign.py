"""One tracker over many sequences, with every sequence's outcome cached on disk.

A repeated or interrupted evaluation only runs the sequences whose cached outcome is missing or
was made with something else (tracker, parameters, weights file, device, frame limit, ground
truth or machine). Sequences can run in worker processes.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
import hashlib
import json
import multiprocessing
import os
from pathlib import Path
import queue
from typing import Any, Callable

import torch
from tqdm import tqdm

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.metrics import accuracy
from ros_tracker.evaluation.results import machine_description
from ros_tracker.evaluation.runner import (frame_range, Progress, ResetRun, run_sequence,
                                           run_with_resets, SequenceRun)
from ros_tracker.params import params_from_dict
from ros_tracker.registry import build_tracker, BuildOptions, calibration, resolve_weights, spec

CACHE_FORMAT = 2


@dataclass(frozen=True)
class Evaluation:
    """What is evaluated: a registered tracker with its parameters and build options (their
    weights resolved, or None for the tracker's default); reset_protocol False runs the
    one-pass evaluation only."""

    tracker: str
    config: dict[str, Any]
    options: BuildOptions
    max_frames: int | None = None
    reset_protocol: bool = True


@dataclass
class Outcome:
    """One sequence's one-pass run and reset-protocol run (None when not run), and the device
    they ran on."""

    run: SequenceRun
    reset: ResetRun | None
    device: str
    cached: bool = False


#: A frame's confidence and found flag from the signals recorded on it.
Rescoring = Callable[[dict[str, float]], tuple[float, bool]]


def rescoring(tracker: str, config: dict[str, Any]) -> Rescoring | None:
    """The confidence and found flag of tracker's calibrated confidence under config's
    calibration; None for a tracker without one."""
    if spec(tracker).signals is None:
        return None
    return calibration(tracker, params_from_dict(spec(tracker).params_type, config)).verdict


def _truth_digest(sequence: Sequence) -> str:
    text = ';'.join('nan' if b is None else f'{b.x},{b.y},{b.w},{b.h}' for b in sequence.boxes)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Parameters that only decide how the recorded signals become found flags (a change of
#: calibration re-scores the cached runs instead of running them again).
CALIBRATION_KEYS = ('confidence_model', 'min_probability')


def cache_key(evaluation: Evaluation, sequence: Sequence, weights_sha256: str) -> dict[str, Any]:
    """Everything a cached outcome depends on; a different value means a new run."""
    tracking = {k: v for k, v in evaluation.config.items() if k not in CALIBRATION_KEYS}
    return {'format': CACHE_FORMAT, 'tracker': evaluation.tracker,
            'config': json.loads(json.dumps(tracking)),
            'weights_sha256': weights_sha256, 'device': evaluation.options.device,
            'half': evaluation.options.half, 'max_frames': evaluation.max_frames,
            'reset_protocol': evaluation.reset_protocol,
            'sequence': sequence.name, 'frames': len(sequence),
            'truth': _truth_digest(sequence), 'machine': machine_description()}


def cache_path(directory: Path, sequence: Sequence) -> Path:
    return directory / (sequence.name.replace('/', '_') + '.json')


def _record(key: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    run = outcome.run
    return {'key': key, 'device': outcome.device,
            'boxes': [[b.x, b.y, b.w, b.h] for b in run.boxes], 'found': run.found,
            'init_ms': run.init_ms, 'frame_ms': run.frame_ms, 'stage_ms': run.stage_ms,
            'signals': run.signals, 'confidence': run.confidence,
            'reset': asdict(outcome.reset) if outcome.reset else None}


def load_cached(path: Path, key: dict[str, Any], sequence: Sequence,
                max_frames: int | None, rescore: Rescoring | None = None) -> Outcome | None:
    """The cached outcome at path if it was made with key; scores are recomputed from its boxes
    (and its confidences and found flags by rescore from its signals, where given), so a change
    in the metrics or the calibration never needs a new run."""
    try:
        record = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return None
    if record.get('key') != key:
        return None
    first, last = frame_range(sequence, max_frames)
    boxes = [Box(*values) for values in record['boxes']]
    found = [bool(flag) for flag in record['found']]
    confidence = record.get('confidence', [])
    if rescore is not None and len(record['signals']) == len(found) - 1:
        rescored = [rescore(signals) for signals in record['signals']]
        confidence = [1.0] + [value for value, _ in rescored]
        found = [True] + [flag for _, flag in rescored]
    if not len(boxes) == len(found) == len(confidence) == last - first:
        return None
    score = accuracy(boxes, found, sequence.boxes[first:last], sequence.gaps_unannotated,
                     confidence)
    run = SequenceRun(sequence.name, boxes, found, score, record['init_ms'], record['frame_ms'],
                      record['stage_ms'], list(sequence.attributes), record['signals'],
                      confidence)
    reset = ResetRun(**record['reset']) if record['reset'] else None
    return Outcome(run, reset, record['device'], cached=True)


def evaluate_sequence(evaluation: Evaluation, sequence: Sequence,
                      progress: Progress) -> Outcome:
    """Run the tracker once (OPE) and, where asked, under the reset protocol, each from a fresh
    build."""
    tracker = build_tracker(evaluation.tracker, evaluation.config, evaluation.options)
    run = run_sequence(tracker, sequence, evaluation.max_frames, progress)
    reset = run_with_resets(
        build_tracker(evaluation.tracker, evaluation.config, evaluation.options), sequence,
        max_frames=evaluation.max_frames, progress=progress) if evaluation.reset_protocol else None
    return Outcome(run, reset, tracker.device)


def _frames_to_go(evaluation: Evaluation, sequence: Sequence) -> int:
    first, last = frame_range(sequence, evaluation.max_frames)
    return (2 if evaluation.reset_protocol else 1) * (last - first - 1)


_progress_queue: Any = None


def _start_worker(progress_queue: Any, threads: int) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    torch.set_num_threads(threads)


def _evaluate_in_worker(evaluation: Evaluation, sequence: Sequence) -> Outcome:
    return evaluate_sequence(evaluation, sequence, _progress_queue.put)


def evaluate(evaluation: Evaluation, sequences: list[Sequence], cache_dir: str | Path,
             workers: int = 1, fresh: bool = False, show_progress: bool = True,
             report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Outcomes in the order of sequences: cached where valid (unless fresh), run otherwise.

    Every new outcome is written to cache_dir as soon as it exists, so an interrupted
    evaluation resumes where it stopped. With workers > 1 the sequences run in that many
    processes, which share the CPU: their speed figures are lower than a single process's.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    if evaluation.options.weights is None:
        evaluation = replace(evaluation, options=replace(
            evaluation.options, weights=resolve_weights(evaluation.tracker)))
    keys = [cache_key(evaluation, s, evaluation.options.weights.sha256) for s in sequences]
    rescore = rescoring(evaluation.tracker, evaluation.config)
    outcomes: list[Outcome | None] = [
        None if fresh else load_cached(cache_path(cache_dir, s), key, s, evaluation.max_frames,
                                       rescore)
        for s, key in zip(sequences, keys)]
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
    total = sum(_frames_to_go(evaluation, sequences[i]) for i in todo)
    report = report or (lambda outcome: None)
    for outcome in outcomes:
        if outcome is not None:
            report(outcome)

    def finish(index: int, outcome: Outcome) -> None:
        cache_path(cache_dir, sequences[index]).write_text(
            json.dumps(_record(keys[index], outcome)) + '\n', encoding='utf-8')
        outcomes[index] = outcome
        report(outcome)

    with tqdm(total=total, unit='frame', desc=evaluation.tracker, disable=not show_progress,
              dynamic_ncols=True) as bar:
        if workers <= 1 or len(todo) <= 1:
            for index in todo:
                finish(index, evaluate_sequence(evaluation, sequences[index], bar.update))
        else:
            _evaluate_in_processes(evaluation, sequences, todo, workers, bar, finish)
    return [outcome for outcome in outcomes if outcome is not None]


def _evaluate_in_processes(evaluation: Evaluation, sequences: list[Sequence], todo: list[int],
                           workers: int, bar: tqdm,
                           finish: Callable[[int, Outcome], None]) -> None:
    context = multiprocessing.get_context('spawn')
    threads = max(1, (os.cpu_count() or 1) // workers)
    with context.Manager() as manager:
        progress_queue = manager.Queue()
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(progress_queue, threads)) as pool:
            futures: dict[Future, int] = {
                pool.submit(_evaluate_in_worker, evaluation, sequences[i]): i for i in todo}
            while futures:
                try:
                    bar.update(progress_queue.get(timeout=0.2))
                except queue.Empty:
                    pass
                for future in [f for f in futures if f.done()]:
                    finish(futures.pop(future), future.result())
            while not progress_queue.empty():
                bar.update(progress_queue.get())
