"""Evaluation sequences in which the target really leaves and comes back, made from real
annotated frames so that the truth is known: a scene cut (the target's video spliced with
another's, then back), the camera panning away and back (the frame cropped so that the target
leaves the picture) and a full occlusion (a region of another video pasted over the target).
They are generated from the shared data on the fly, never stored; what the lost flag should do
on them is measured by absence_metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import statistics
from typing import Any

import cv2
import numpy as np

from ros_tracker.boxes import Box, iou
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.evaluation.runner import frame_range, SequenceRun

#: Frames after the target leaves within which the flag should be raised.
FLAG_WITHIN = 5
#: Frames after the target returns within which it should be found again.
REACQUIRE_WITHIN = 30
#: Consecutive found frames that make a (re-)acquisition (the node's found_after_frames).
FOUND_RUN = 2

Region = tuple[int, int, int, int]  # x, y, w, h in whole pixels


@dataclass(frozen=True)
class SourceFrame:
    """How one generated frame is made: frame index of sequence, cut to window (None: the
    whole frame) and resized to the generated size, with occluder (a region of another frame)
    pasted over paste_at."""

    sequence: Sequence
    index: int
    window: Region | None = None
    occluder: tuple[Sequence, int, Region] | None = None
    paste_at: Region | None = None


@dataclass(frozen=True)
class AbsenceSequence:
    """A generated sequence: frames, truth (None while the target is absent) and the absences
    as [leave, return) frame ranges. It reads like a Sequence to the evaluation runner."""

    name: str
    sources: list[SourceFrame]
    boxes: list[Box | None]
    absences: list[tuple[int, int]]
    size: tuple[int, int]
    attributes: list[str] = field(default_factory=lambda: ['absence'])
    gaps_unannotated: bool = False

    def __len__(self) -> int:
        return len(self.sources)

    def frame(self, index: int) -> np.ndarray:
        source = self.sources[index]
        image = source.sequence.frame(source.index)
        if source.window is not None:
            x, y, w, h = source.window
            image = image[y:y + h, x:x + w]
        if image.shape[1::-1] != self.size:
            image = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        if source.occluder is not None and source.paste_at is not None:
            image = image.copy()
            occluder_sequence, occluder_index, (ox, oy, ow, oh) = source.occluder
            patch = occluder_sequence.frame(occluder_index)[oy:oy + oh, ox:ox + ow]
            _paste(image, patch, source.paste_at)
        return image


def _paste(image: np.ndarray, patch: np.ndarray, region: Region) -> None:
    """patch resized onto region of image, clipped to the image."""
    x, y, w, h = region
    resized = cv2.resize(patch, (w, h), interpolation=cv2.INTER_LINEAR)
    height, width = image.shape[:2]
    x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x2 > x1 and y2 > y1:
        image[y1:y2, x1:x2] = resized[y1 - y:y2 - y, x1 - x:x2 - x]


def scene_cut(target: Sequence, other: Sequence, cut: int, length: int) -> AbsenceSequence:
    """target up to frame cut, then length frames of other (resized to target's size), then
    target again from frame cut + length on: the target is absent during the other video."""
    height, width = target.frame(0).shape[:2]
    sources = [SourceFrame(target, i) for i in range(cut)]
    sources += [SourceFrame(other, i % len(other)) for i in range(length)]
    sources += [SourceFrame(target, i) for i in range(cut + length, len(target))]
    boxes = (list(target.boxes[:cut]) + [None] * length
             + list(target.boxes[cut + length:]))
    return AbsenceSequence(f'cut/{target.name}+{other.name}', sources, boxes,
                           [(cut, cut + length)], (width, height))


def occlusion(target: Sequence, occluder: Sequence, start: int, length: int,
              cover: float = 1.4) -> AbsenceSequence:
    """target with a region of occluder's first frame pasted over the target's box (cover
    times its size) during frames start .. start + length - 1: the target is fully hidden."""
    height, width = target.frame(0).shape[:2]
    source_height, source_width = occluder.frame(0).shape[:2]
    region = (source_width // 4, source_height // 4, source_width // 2, source_height // 2)
    sources, boxes = [], list(target.boxes)
    for index in range(len(target)):
        box = target.boxes[index]
        if start <= index < start + length and box is not None:
            cx, cy = box.center
            w, h = box.w * cover + 4, box.h * cover + 4
            paste = (int(cx - w / 2), int(cy - h / 2), int(np.ceil(w)), int(np.ceil(h)))
            sources.append(SourceFrame(target, index, occluder=(occluder, 0, region),
                                       paste_at=paste))
            boxes[index] = None
        else:
            sources.append(SourceFrame(target, index))
    return AbsenceSequence(f'occlusion/{target.name}+{occluder.name}', sources, boxes,
                           [(start, start + length)], (width, height))


def out_of_view(target: Sequence, start: int, length: int, pan: int = 8,
                fraction: float = 0.5) -> AbsenceSequence | None:
    """A window of fraction of the frame follows the target, pans over pan frames to the side
    away from it, stays there length frames (the target out of the picture), and pans back;
    None when the target never leaves a window that stays inside the frame."""
    height, width = target.frame(0).shape[:2]
    w, h = int(width * fraction), int(height * fraction)
    box = target.boxes[start]
    if box is None:
        return None
    away = 0 if box.center[0] > width / 2 else width - w  # the half without the target

    def window_x(index: int) -> int:
        follow = target.boxes[index]
        centred = (int(min(max(follow.center[0] - w / 2, 0), width - w)) if follow is not None
                   else away)
        if index < start - pan or index >= start + length + pan:
            return centred
        if index < start:
            return round(centred + (away - centred) * (index - start + pan + 1) / (pan + 1))
        if index < start + length:
            return away
        back = index - start - length + 1
        return round(away + (centred - away) * back / (pan + 1))

    sources, boxes, absent = [], [], []
    for index, truth in enumerate(target.boxes):
        centre_y = truth.center[1] if truth is not None else height / 2
        x0, y0 = window_x(index), int(min(max(centre_y - h / 2, 0), height - h))
        sources.append(SourceFrame(target, index, (x0, y0, w, h)))
        boxes.append(_visible_part(truth, (x0, y0, w, h)))
        absent.append(boxes[-1] is None)
    leave = next((i for i in range(max(start - pan, 0), start + length) if absent[i]), None)
    back = next((i for i in range(leave + 1, len(target)) if not absent[i]), None) \
        if leave is not None else None
    if back is None or back - leave < 5:
        return None
    return AbsenceSequence(f'out_of_view/{target.name}', sources, boxes, [(leave, back)],
                           (w, h))


def _visible_part(truth: Box | None, window: Region) -> Box | None:
    """truth in the window's pixels, clipped to it; None when less than half of it is inside
    (the target counts as out of the picture)."""
    if truth is None:
        return None
    x0, y0, w, h = window
    x1, y1, x2, y2 = truth.xyxy()
    cx1, cy1, cx2, cy2 = max(x1, x0), max(y1, y0), min(x2, x0 + w), min(y2, y0 + h)
    if cx2 <= cx1 or cy2 <= cy1 or (cx2 - cx1) * (cy2 - cy1) < 0.5 * truth.area:
        return None
    return Box(cx1 - x0, cy1 - y0, cx2 - cx1, cy2 - cy1)


def real_absences(sequence: Sequence) -> AbsenceSequence | None:
    """A sequence whose target really is absent on some frames (rows without a box, where
    those mean absent), as it is; None without such frames."""
    if sequence.gaps_unannotated:
        return None
    absent = [box is None for box in sequence.boxes]
    ranges, start = [], None
    for index, missing in enumerate(absent + [False]):
        if missing and start is None:
            start = index
        elif not missing and start is not None:
            if start > 0 and index < len(absent):
                ranges.append((start, index))
            start = None
    if not ranges:
        return None
    height, width = sequence.frame(0).shape[:2]
    return AbsenceSequence(f'real/{sequence.name}',
                           [SourceFrame(sequence, i) for i in range(len(sequence))],
                           list(sequence.boxes), ranges, (width, height))


@dataclass(frozen=True)
class AbsenceOutcome:
    """What the tracker's flag did around one absence.

    Attributes:
        flag_delay: frames from the target leaving to the first not-found frame (None: never
            flagged while it was away).
        false_reacquisition: after flagging, FOUND_RUN found frames in a row before the target
            came back (it locked onto something else).
        reacquire_delay: frames from the target's return to the first of FOUND_RUN found
            frames in a row whose boxes overlap it (None: not within REACQUIRE_WITHIN).
    """

    flag_delay: int | None
    false_reacquisition: bool
    reacquire_delay: int | None


def absence_outcome(boxes: list[Box], found: list[bool], truth: list[Box | None],
                    leave: int, back: int) -> AbsenceOutcome:
    """The outcome of the absence [leave, back) of one run (its boxes and found flags per
    frame of the sequence)."""
    flag = next((i for i in range(leave, back) if not found[i]), None)
    false = flag is not None and any(all(found[j] for j in range(i, i + FOUND_RUN))
                                     for i in range(flag, back - FOUND_RUN + 1))
    reacquired = None
    for i in range(back, min(back + REACQUIRE_WITHIN, len(found) - FOUND_RUN + 1)):
        run = range(i, i + FOUND_RUN)
        if all(found[j] and truth[j] is not None and iou(boxes[j], truth[j]) > 0 for j in run):
            reacquired = i - back
            break
    return AbsenceOutcome(None if flag is None else flag - leave, false, reacquired)


def absence_metrics(outcomes: list[AbsenceOutcome]) -> dict[str, float | None]:
    """Rates over absences: flagged within FLAG_WITHIN frames, re-acquired within
    REACQUIRE_WITHIN, false re-acquisitions; median delays of those that happened."""
    if not outcomes:
        return {}
    flagged = [o.flag_delay for o in outcomes if o.flag_delay is not None]
    reacquired = [o.reacquire_delay for o in outcomes if o.reacquire_delay is not None]
    count = len(outcomes)
    return {'absences': count,
            'flagged_within_5': sum(d < FLAG_WITHIN for d in flagged) / count,
            'median_flag_delay': statistics.median(flagged) if flagged else None,
            'reacquired_within_30': len(reacquired) / count,
            'median_reacquire_delay': statistics.median(reacquired) if reacquired else None,
            'false_reacquisitions': sum(o.false_reacquisition for o in outcomes) / count}


def absence_sequences(sequences: list[Sequence]) -> list[AbsenceSequence]:
    """For each sequence (those annotated on every frame): a scene cut to the next sequence of
    the list a third of the way in (for a fifth of its length, at least 10 frames), a full
    occlusion at the middle and a pan out of view at two thirds (15 %, at least 8 frames; the
    pan only where the target can leave the picture); and every sequence with real absences
    as it is."""
    usable = [s for s in sequences if not s.gaps_unannotated]
    generated = []
    for position, target in enumerate(usable):
        real = real_absences(target)
        if real is not None:
            generated.append(real)
            continue
        count = len(target)
        length, brief = max(count // 5, 10), max(count * 3 // 20, 8)
        if count < 3 * length or len(usable) < 2:
            continue
        other = usable[(position + 1) % len(usable)]
        generated.append(scene_cut(target, other, count // 3, length))
        generated.append(occlusion(target, other, count // 2, brief))
        panned = out_of_view(target, count * 2 // 3 - brief // 2, brief)
        if panned is not None:
            generated.append(panned)
    return generated


def run_outcomes(sequence: AbsenceSequence, run: SequenceRun) -> list[AbsenceOutcome]:
    """The outcome of every absence of sequence in its one-pass run."""
    first, last = frame_range(sequence)
    boxes = [sequence.boxes[first]] * first + run.boxes
    found = [True] * first + run.found
    return [absence_outcome(boxes, found, list(sequence.boxes[:last]), leave, back)
            for leave, back in sequence.absences if back <= last]


def add_absence_metrics(document: dict[str, Any], sequences: list[AbsenceSequence],
                        runs: list[SequenceRun]) -> None:
    """Put absence_metrics, overall and per sequence, into a results document."""
    by_name = {sequence.name: sequence for sequence in sequences}
    every = []
    for run in runs:
        outcomes = run_outcomes(by_name[run.sequence], run)
        document['sequences'][run.sequence]['absences'] = absence_metrics(outcomes)
        every += outcomes
    document['overall']['absences'] = absence_metrics(every)
