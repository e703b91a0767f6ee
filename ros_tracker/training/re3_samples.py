"""Unrolled training sequences for the Re3 family ("learning to fix mistakes").

A sample is n + 1 consecutive frames of one track (or a synthetic sequence from a still image),
mirrored with probability 0.5, with the ground truth and the boxes to crop at in ground-truth
mode: at step t, with probability real_motion_probability the previous ground truth (the motion
the tracker really sees), otherwise the current ground truth with Laplace noise on centre and
size. In prediction mode the trainer crops at the network's own previous output instead. Every
crop box is pulled toward the ground truth until its crop window covers min_coverage of the
target, so that the label is always inside the crop (the official crop-coverage rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import read_image, Sequence
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.re3.tracker import crop_window
from ros_tracker.training.sampling import (annotated_frames, box_array, draw_target,
                                           EqualSources)
from ros_tracker.training.synthetic import render_sequence, SyntheticSettings


@dataclass(frozen=True)
class Re3Augmentation:
    """Per-sequence augmentation (the official TensorFlow training's values).

    Attributes:
        mirror_probability: flip the whole sequence horizontally.
        synthetic_probability: use a synthetic sequence instead of a real one (when both
            kinds of data exist).
        real_motion_probability: in ground-truth mode, crop at the previous ground truth.
        center_noise: Laplace scale of the centre noise, in target widths/heights.
        size_noise: Laplace scale of the size factor around 1.
        size_limits: clip of the size factor.
        min_coverage: fraction of the target's area the crop window must cover.
        crop_pad: crop window relative to the box (the tracker's crop_pad).
    """

    mirror_probability: float = 0.5
    synthetic_probability: float = 0.5
    real_motion_probability: float = 1 / 8
    center_noise: float = 0.2
    size_noise: float = 1 / 15
    size_limits: tuple[float, float] = (0.6, 1.4)
    min_coverage: float = 0.7
    crop_pad: float = 2.0


@dataclass
class UnrolledSample:
    """frames: RGB uint8 [n + 1, H, W, 3]; truth and crop_boxes: [n + 1, 4] xywh (crop_boxes[0]
    is the first ground truth); use_prediction: crop at the network's output instead."""

    frames: np.ndarray
    truth: np.ndarray
    crop_boxes: np.ndarray
    use_prediction: bool


def covered_fraction(window: Box, target: Box) -> float:
    """The fraction of target's area inside window."""
    wx1, wy1, wx2, wy2 = window.xyxy()
    tx1, ty1, tx2, ty2 = target.xyxy()
    inside = max(0.0, min(wx2, tx2) - max(wx1, tx1)) * max(0.0, min(wy2, ty2) - max(wy1, ty1))
    return inside / max(target.area, 1e-9)


def ensure_coverage(box: Box, target: Box, pad: float, min_coverage: float) -> Box:
    """box moved 10 % of the way toward target (corners) until its crop window covers
    min_coverage of the target."""
    corners, goal = np.array(box.xyxy(), float), np.array(target.xyxy(), float)
    for _ in range(100):
        box = Box.from_xyxy(*corners)
        if covered_fraction(crop_window(box, pad), target) >= min_coverage:
            break
        corners += 0.1 * (goal - corners)
    return box


def noisy_box(truth: Box, previous: Box, width: int, height: int, rng: np.random.Generator,
              augmentation: Re3Augmentation) -> Box:
    """The ground truth with Laplace noise; up to 10 tries to keep the centre inside the
    previous box and the image, else the ground truth."""
    for _ in range(10):
        cx = truth.center[0] + rng.laplace(0, augmentation.center_noise) * truth.w
        cy = truth.center[1] + rng.laplace(0, augmentation.center_noise) * truth.h
        scale = np.clip(rng.laplace(1, augmentation.size_noise, 2), *augmentation.size_limits)
        px1, py1, px2, py2 = previous.xyxy()
        if px1 <= cx <= px2 and py1 <= cy <= py2 and 0 <= cx < width and 0 <= cy < height:
            return Box.from_center(cx, cy, truth.w * scale[0], truth.h * scale[1])
    return truth


def track_starts(sequence: Sequence, length: int) -> np.ndarray:
    """First frames of the runs of length consecutive frames with a box."""
    visible = np.array([box is not None for box in sequence.boxes], dtype=np.int64)
    if len(visible) < length:
        return np.zeros(0, np.int64)
    counts = np.convolve(visible, np.ones(length, np.int64), mode='valid')
    return np.flatnonzero(counts == length)


class UnrolledSequences:
    """Map-style dataset of unrolled samples: item i is a pure function of (seed, stage, i)."""

    def __init__(self, data: TrainingData, unrolls: int, prediction_probability: float,
                 augmentation: Re3Augmentation, seed: int, stage: int,
                 synthetic: SyntheticSettings = SyntheticSettings()) -> None:
        self.length = unrolls + 1
        usable = [(s, starts, source) for s, source in zip(data.sequences, data.sequence_sources)
                  if len(starts := track_starts(s, self.length))]
        self.tracks = EqualSources([(s, starts) for s, starts, _ in usable],
                                   [source for *_, source in usable])
        self.stills = annotated_frames(data)
        if not self.tracks and not self.stills:
            raise ValueError(f'no track has {self.length} consecutive annotated frames and '
                             'there are no still images')
        self.prediction_probability = prediction_probability
        self.augmentation, self.synthetic = augmentation, synthetic
        self.seed, self.stage = seed, stage

    def __len__(self) -> int:
        return 2 ** 62

    def __getitem__(self, index: int) -> UnrolledSample:
        rng = np.random.default_rng([self.seed, self.stage, index])
        aug = self.augmentation
        if self.tracks and (not self.stills or rng.random() >= aug.synthetic_probability):
            sequence, starts = self.tracks.draw(rng)
            start = int(starts[rng.integers(len(starts))])
            frames = [sequence.frame(i)[:, :, ::-1] for i in range(start, start + self.length)]
            boxes = list(sequence.boxes[start:start + self.length])
        else:
            still = self.stills[rng.integers(len(self.stills))]
            image = read_image(still.path)
            frames, boxes = render_sequence(image, draw_target(still, image, rng), self.length,
                                            rng, self.synthetic)
            frames = [frame[:, :, ::-1] for frame in frames]
        frames = np.stack(frames)
        height, width = frames.shape[1:3]
        if rng.random() < aug.mirror_probability:
            frames = frames[:, :, ::-1]
            boxes = [Box(width - b.x - b.w, b.y, b.w, b.h) for b in boxes]
        crop_boxes = [boxes[0]]
        for t in range(1, self.length):
            if rng.random() < aug.real_motion_probability:
                box = boxes[t - 1]
            else:
                box = noisy_box(boxes[t], boxes[t - 1], width, height, rng, aug)
            crop_boxes.append(ensure_coverage(box, boxes[t], aug.crop_pad, aug.min_coverage))
        return UnrolledSample(np.ascontiguousarray(frames), box_array(boxes),
                              box_array(crop_boxes),
                              bool(rng.random() < self.prediction_probability))
