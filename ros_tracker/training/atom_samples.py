"""Image pairs for ATOM's IoU-Net: a reference and a test crop of one target with IoU-labelled
box proposals (ATOM's training data processing).

A pair is two annotated frames of one track at most max_gap frames apart, the same still image
twice, the first and a later frame of a synthetic sequence rendered from a still image, or an
object cut-out pasted twice over one frame (ros_tracker.training.cutout_pairs). Both
frames are cut as squares of search_area_factor times the target's size and resized to
output_size; the test frame's square is centred on a jittered box, so the target is off-centre
and of varying size in it. Proposals are Gaussian perturbations of the test box with at least
min_proposal_iou overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import cv2
import numpy as np
import torch
from torch import Tensor

from ros_tracker.atom.sampling import normalize
from ros_tracker.boxes import Box, iou
from ros_tracker.datasets.sequence import read_image
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.training.cutout_pairs import (cached_cutout, CutoutPairSettings,
                                               render_cutout_pair)
from ros_tracker.training.sampling import (annotated_frames, box_array, draw_target,
                                           EqualSources)
from ros_tracker.training.synthetic import render_sequence, SyntheticSettings


@dataclass(frozen=True)
class PairSettings:
    """How pairs are drawn (defaults: the official ATOM training).

    Attributes:
        max_gap: largest frame distance between reference and test frame.
        search_area_factor: crop side relative to sqrt(w * h) of the target.
        output_size: crop side in pixels after resizing.
        center_jitter: test-crop centre offset, up to +-center_jitter / 2 times the jittered
            size.
        scale_jitter: standard deviation of the log size of the test crop's box.
        proposals: proposals per pair.
        proposal_sigmas: relative standard deviations, one drawn per proposal.
        min_proposal_iou: proposals overlap the target by more than this.
        grayscale_probability: both crops turned grey.
        brightness_jitter: each crop's brightness multiplied by U(1 - b, 1 + b).
        still_probability: chance of a still-image pair when the data has both kinds.
        synthetic_probability: chance that a still-image pair is a rendered synthetic pair
            rather than the same image twice.
        cutout_probability: chance of a cut-out pair when the data has cut-outs.
    """

    max_gap: int = 50
    search_area_factor: float = 5.0
    output_size: int = 288
    center_jitter: float = 4.5
    scale_jitter: float = 0.5
    proposals: int = 16
    proposal_sigmas: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3)
    min_proposal_iou: float = 0.1
    grayscale_probability: float = 0.05
    brightness_jitter: float = 0.2
    still_probability: float = 0.25
    synthetic_probability: float = 0.5
    cutout_probability: float = 0.5


@dataclass
class ImagePair:
    """Crops (RGB uint8 [S, S, 3]) with boxes in crop pixels (x, y, w, h): the reference box,
    the test box, proposals [N, 4] and their IoU with the test box [N]."""

    reference: np.ndarray
    test: np.ndarray
    reference_box: np.ndarray
    test_box: np.ndarray
    proposals: np.ndarray
    ious: np.ndarray


def crop_square(image: np.ndarray, center: tuple[float, float], side: float, output_size: int,
                box: Box) -> tuple[np.ndarray, Box]:
    """The side x side square around center resized to output_size (border pixels repeated
    outside the image), and box in the crop's pixels."""
    scale = output_size / side
    x0, y0 = center[0] - side / 2, center[1] - side / 2
    warp = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
    patch = cv2.warpAffine(image, warp, (output_size, output_size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    return patch, Box((box.x - x0) * scale, (box.y - y0) * scale, box.w * scale, box.h * scale)


def perturbed_proposals(box: Box, settings: PairSettings,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Proposals around box and their IoU with it."""
    proposals, overlaps = [], []
    for _ in range(settings.proposals):
        sigma = rng.choice(settings.proposal_sigmas) * math.sqrt(box.w * box.h)
        for _ in range(100):
            cx, cy = np.array(box.center) + rng.normal(0, sigma, 2)
            w, h = np.array([box.w, box.h]) + rng.normal(0, sigma, 2)
            w = w if w > 0 else box.w * rng.uniform(0.15, 0.5)
            h = h if h > 0 else box.h * rng.uniform(0.15, 0.5)
            candidate = Box.from_center(cx, cy, w, h)
            overlap = iou(candidate, box)
            if overlap > settings.min_proposal_iou:
                break
            sigma *= 0.9
        proposals.append(candidate)
        overlaps.append(overlap)
    return box_array(proposals), np.array(overlaps, np.float32)


class ImagePairs:
    """Map-style dataset of ImagePair: item i is a pure function of (seed, i)."""

    def __init__(self, data: TrainingData, settings: PairSettings, seed: int,
                 synthetic: SyntheticSettings = SyntheticSettings(),
                 cutout_pairs: CutoutPairSettings = CutoutPairSettings()) -> None:
        usable = [(s, source) for s, source in zip(data.sequences, data.sequence_sources)
                  if any(b is not None for b in s.boxes)]
        self.tracks = EqualSources([s for s, _ in usable], [source for _, source in usable])
        self.stills = annotated_frames(data)
        if not self.tracks and not self.stills:
            raise ValueError('no annotated frame to draw image pairs from')
        self.settings, self.seed, self.synthetic = settings, seed, synthetic
        self.cutouts, self.cutout_pairs = data.cutouts, cutout_pairs

    def __len__(self) -> int:
        return 2 ** 62

    def _cutout_frames(self, rng: np.random.Generator
                       ) -> tuple[list[np.ndarray], list[Box]] | None:
        """A cut-out pair over a still or a sequence frame; None when the drawn files hold no
        usable cut-out or the target left the frame."""
        drawn = [cached_cutout(self.cutouts[i]) for i in
                 rng.integers(len(self.cutouts), size=1 + self.cutout_pairs.max_distractors)]
        target, *others = drawn
        if target is None:
            return None
        background = self.stills[rng.integers(len(self.stills))].image()
        return render_cutout_pair(background, target, [c for c in others if c is not None],
                                  rng, self.cutout_pairs)

    def _frames(self, rng: np.random.Generator) -> tuple[list[np.ndarray], list[Box]]:
        """Reference and test frame (BGR) with their boxes."""
        s = self.settings
        while self.cutouts and rng.random() < s.cutout_probability:
            pair = self._cutout_frames(rng)
            if pair is not None:
                return pair
        if self.tracks and (not self.stills or rng.random() >= s.still_probability):
            sequence = self.tracks.draw(rng)
            visible = np.flatnonzero([b is not None for b in sequence.boxes])
            reference = int(visible[rng.integers(len(visible))])
            near = visible[np.abs(visible - reference) <= s.max_gap]
            near = near[near != reference] if len(near) > 1 else near
            test = int(near[rng.integers(len(near))])
            return ([sequence.frame(reference), sequence.frame(test)],
                    [sequence.boxes[reference], sequence.boxes[test]])
        still = self.stills[rng.integers(len(self.stills))]
        image = read_image(still.path)
        box = draw_target(still, image, rng)
        if rng.random() < s.synthetic_probability:
            frames, boxes = render_sequence(image, box, int(rng.integers(2, 11)), rng,
                                            self.synthetic)
            return [frames[0], frames[-1]], [boxes[0], boxes[-1]]
        return [image, image], [box, box]

    def __getitem__(self, index: int) -> ImagePair:
        rng = np.random.default_rng([self.seed, index])
        s = self.settings
        (reference, test), (reference_box, test_box) = self._frames(rng)
        side = s.search_area_factor * math.sqrt(reference_box.w * reference_box.h)
        reference_crop, reference_box = crop_square(reference, reference_box.center, side,
                                                    s.output_size, reference_box)
        size = np.array([test_box.w, test_box.h]) * np.exp(rng.normal(0, s.scale_jitter, 2))
        offset = math.sqrt(size.prod()) * s.center_jitter * (rng.random(2) - 0.5)
        center = np.array(test_box.center) + offset
        side = s.search_area_factor * math.sqrt(size.prod())
        test_crop, test_box = crop_square(test, tuple(center), side, s.output_size, test_box)
        crops = [reference_crop, test_crop]
        if rng.random() < s.grayscale_probability:
            crops = [cv2.cvtColor(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
                     for c in crops]
        crops = [np.clip(c * rng.uniform(1 - s.brightness_jitter, 1 + s.brightness_jitter),
                         0, 255).astype(np.uint8)[:, :, ::-1] for c in crops]
        proposals, overlaps = perturbed_proposals(test_box, s, rng)
        return ImagePair(np.ascontiguousarray(crops[0]), np.ascontiguousarray(crops[1]),
                         box_array([reference_box])[0], box_array([test_box])[0], proposals,
                         overlaps)


def stack_images(pairs: list[ImagePair], name: str, device: torch.device) -> Tensor:
    """The crops named name ('reference' or 'test') as a normalized batch [B, 3, S, S]."""
    array = np.stack([getattr(p, name) for p in pairs])
    return normalize(torch.from_numpy(array).to(device).permute(0, 3, 1, 2).float())


def stack_pairs(pairs: list[ImagePair], device: torch.device) -> dict[str, Tensor]:
    """A batch as tensors: normalized images [B, 3, S, S], boxes [B, 4], proposals [B, N, 4]
    and IoU targets [B, N]."""

    def values(name: str) -> Tensor:
        return torch.from_numpy(np.stack([getattr(p, name) for p in pairs])).to(device)

    return {'reference': stack_images(pairs, 'reference', device),
            'test': stack_images(pairs, 'test', device),
            'reference_box': values('reference_box'), 'proposals': values('proposals'),
            'ious': values('ious')}
