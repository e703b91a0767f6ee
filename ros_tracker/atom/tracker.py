"""The ATOM tracking loop: classifier for the coarse position, IoU-Net (Sec. 3.3) or a scale
filter for the box."""

from __future__ import annotations

from dataclasses import dataclass
import math

import cv2
import numpy as np
import torch
from torch import Tensor

from ros_tracker.atom.classifier import gaussian_labels, OnlineClassifier, power_normalize
from ros_tracker.atom.localization import Flag, localize, upsample_scores
from ros_tracker.atom.model import AtomNet
from ros_tracker.atom.params import AtomParams
from ros_tracker.atom.sampling import (apply_transform, first_frame_transforms, image_to_tensor,
                                       normalize, sample_patch)
from ros_tracker.atom.scale_filter import ScaleFilter
from ros_tracker.boxes import Box
from ros_tracker.device import cpu_has_native_bfloat16
from ros_tracker.timing import StageTimer
from ros_tracker.tracker import Tracker, TrackResult

FEATURE_STRIDE = 16


@dataclass
class TrackState:
    """What ATOM carries from frame to frame; positions and sizes are (y, x) / (h, w) tensors."""

    position: Tensor
    target_size: Tensor
    target_scale: float
    base_target_size: Tensor
    image_size: Tensor
    modulation: tuple[Tensor, Tensor] | None
    classifier: OnlineClassifier | None
    scale_filter: ScaleFilter | None
    frame: int = 1


class AtomTracker(Tracker):
    """ATOM (Danelljan et al., CVPR 2019) on a network whose weights are already loaded.

    Args:
        net: ATOM's network; it is put in eval mode and never trained here.
        params: tracking parameters (official defaults).
        device: where the network runs.
        half: float16 autocast for the network when device is a GPU (overrides
            params.autocast there; ignored on the CPU).
    """

    def __init__(self, net: AtomNet, params: AtomParams, device: torch.device,
                 half: bool = False) -> None:
        if params.mode == 'auto':
            raise ValueError("mode 'auto' depends on the weights file: build ATOM with "
                             'ros_tracker.registry.build_tracker, which resolves it')
        self.params = params
        precision = 'float16' if half and device.type == 'cuda' else params.autocast
        dtypes = {'none': None, 'float16': torch.float16, 'bfloat16': torch.bfloat16}
        if precision == 'auto':
            native = device.type == 'cpu' and cpu_has_native_bfloat16()
            self._backbone_dtype, self._iou_net_dtype = (torch.bfloat16 if native else None), None
        else:
            self._backbone_dtype = self._iou_net_dtype = dtypes[precision]
        self.device = str(device)
        self._device = device
        # Channels-last convolutions are markedly faster on CPUs (oneDNN) and tensor-core GPUs.
        self.net = net.to(device, memory_format=torch.channels_last).eval()
        for parameter in self.net.parameters():
            parameter.requires_grad_(False)
        self.state: TrackState | None = None
        self._generator = torch.Generator().manual_seed(params.seed)
        self._search_scale = (params.no_classifier_search_scale if params.mode == 'no_classifier'
                              else params.search_area_scale)

    # ---- geometry -------------------------------------------------------------------------

    @property
    def _sample_size(self) -> int:
        return self.params.image_sample_size

    @property
    def _feature_size(self) -> int:
        return self._sample_size // FEATURE_STRIDE

    def _patch_box(self, position: Tensor, size: Tensor, sample_position: Tensor,
                   scale: float) -> Tensor:
        """A box (y, x, h, w in the image) as xywh in the coordinates of the patch at
        sample_position with scale."""
        centre = (position - sample_position) / scale + (self._sample_size - 1) / 2
        box_size = size / scale
        top_left = centre - (box_size - 1) / 2
        return torch.cat([top_left.flip(0), box_size.flip(0)])

    def _label_centres(self, position: Tensor, sample_position: Tensor, scale: float,
                       shifts: list[tuple[int, int]]) -> Tensor:
        """Label centres in feature cells for the target at position, per patch shift."""
        cells = self._feature_size / self._sample_size
        base = (position - sample_position) / scale * cells + 0.5  # +0.5: the even filter
        offsets = torch.tensor(shifts, dtype=torch.float32) * cells
        return base[None] + offsets

    def _sigma(self, base_target_size: Tensor) -> float:
        cells = base_target_size * self._feature_size / self._sample_size
        return self.params.output_sigma_factor * math.sqrt(float(cells.prod()))

    # ---- features -------------------------------------------------------------------------

    def _precision(self, dtype: torch.dtype | None) -> torch.autocast:
        """Autocast to dtype (None: full precision)."""
        return torch.autocast(self._device.type, dtype=dtype, enabled=dtype is not None)

    def _features(self, patches: Tensor) -> dict[str, Tensor]:
        with torch.no_grad(), self._precision(self._backbone_dtype):
            features = self.net.extract_features(
                normalize(patches).contiguous(memory_format=torch.channels_last))
        return {name: value.float() for name, value in features.items()}

    # ---- initialize -----------------------------------------------------------------------

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        params = self.params
        self._generator.manual_seed(params.seed)  # a re-initialization repeats a fresh start
        image = image_to_tensor(frame, self._device)
        # float32 whatever the box holds (numpy float64 boxes would turn the geometry float64).
        position = torch.tensor([box.y + (box.h - 1) / 2, box.x + (box.w - 1) / 2],
                                dtype=torch.float32)
        target_size = torch.tensor([box.h, box.w], dtype=torch.float32)
        search_area = float((target_size * self._search_scale).prod())
        target_scale = math.sqrt(search_area) / self._sample_size
        base_target_size = target_size / target_scale
        sample_position = torch.round(position)
        transforms = first_frame_transforms(
            params.relative_shifts, params.augment_fliplr, params.blur_sigmas,
            params.augment_rotate, self._sample_size, params.random_shift_factor,
            self._generator)
        expansion = params.augmentation_expansion_factor
        expanded_size = int(round(self._sample_size * expansion))
        expanded = sample_patch(image, sample_position,
                                torch.full((2,), expanded_size * target_scale), expanded_size)
        patches = torch.cat([apply_transform(expanded, t, self._sample_size)
                             for t in transforms])
        features = self._features(patches)
        identity = [features['layer2'][:1], features['layer3'][:1]]
        box_in_patch = self._patch_box(position, target_size, sample_position, target_scale)
        modulation = None
        if params.mode in ('full', 'no_classifier'):
            with torch.no_grad(), self._precision(self._iou_net_dtype):
                modulation = self.net.bb_regressor.get_modulation(
                    identity, box_in_patch[None].to(self._device))
        classifier = None
        if params.mode != 'no_classifier':
            samples = power_normalize(features['layer3'])
            shifts = [t.shift for t in transforms]
            if params.augment_dropout_count:
                copies = samples[:1].repeat(params.augment_dropout_count, 1, 1, 1)
                dropped = _channel_dropout(copies, params.augment_dropout_probability,
                                           self._generator)
                samples = torch.cat([samples, dropped])
                shifts += [(0, 0)] * params.augment_dropout_count
            centres = self._label_centres(position, sample_position, target_scale, shifts)
            labels = gaussian_labels(centres, self._sigma(base_target_size),
                                     self._feature_size).to(self._device)
            classifier = OnlineClassifier(params, samples.shape[1], self._generator,
                                          self._device)
            classifier.initialize(samples, labels)
        scale_filter = None
        if params.mode == 'scale_filter':
            scale_filter = ScaleFilter(params.scale_filter)
            scale_filter.initialize(_grayscale(frame), tuple(position.tolist()),
                                    tuple(target_size.tolist()))
        self.state = TrackState(position, target_size, target_scale, base_target_size,
                                torch.tensor(frame.shape[:2], dtype=torch.float32), modulation,
                                classifier, scale_filter)

    # ---- track ----------------------------------------------------------------------------

    def track(self, frame: np.ndarray) -> TrackResult:
        state = self.state
        if state is None:
            raise RuntimeError('track() called before initialize()')
        state.frame += 1
        timer = StageTimer(self._device)
        image = image_to_tensor(frame, self._device)
        state.image_size = torch.tensor(frame.shape[:2], dtype=torch.float32)
        sample_position = torch.round(state.position)
        if self.params.mode == 'no_classifier':
            return self._track_without_classifier(image, sample_position, timer)
        scales = ([state.target_scale * f for f in self.params.scale_factors]
                  if self.params.mode == 'multi_scale' else [state.target_scale])
        patches = torch.cat([sample_patch(image, sample_position,
                                          torch.full((2,), self._sample_size * scale),
                                          self._sample_size) for scale in scales])
        features = self._features(patches)
        timer.lap('features')
        projected = state.classifier.project(power_normalize(features['layer3']))
        scores = upsample_scores(state.classifier.scores(projected)[:, 0], self._sample_size)
        best = int(torch.argmax(scores.flatten(1).max(dim=1).values))
        scale = scales[best]
        location = localize(scores[best], state.target_size / scale, self.params)
        timer.lap('classification')
        if location.flag is not Flag.NOT_FOUND:
            displacement = torch.tensor(location.displacement) * scale
            self._move_to(sample_position + displacement)
            if self.params.mode == 'multi_scale':
                self._resize(scale)
            elif self.params.mode == 'scale_filter':
                self._filter_scale(frame, location.flag)
            else:
                self._refine_box(
                    [features['layer2'][best:best + 1], features['layer3'][best:best + 1]],
                    sample_position, scale,
                    update_scale=(location.flag is not Flag.UNCERTAIN
                                  or self.params.update_scale_when_uncertain))
        timer.lap('refinement')
        self._learn(projected[best], sample_position, scale, location.flag)
        timer.lap('update')
        confidence = min(max(location.score, 0.0), 1.0)
        return TrackResult(self._box(), confidence, location.flag is not Flag.NOT_FOUND,
                           timer.stages)

    def _track_without_classifier(self, image: Tensor, sample_position: Tensor,
                                  timer: StageTimer) -> TrackResult:
        """The 'No Classif.' ablation: the IoU-Net alone refines the previous box each frame."""
        state = self.state
        patch = sample_patch(image, sample_position,
                             torch.full((2,), self._sample_size * state.target_scale),
                             self._sample_size)
        features = self._features(patch)
        timer.lap('features')
        iou = self._refine_box([features['layer2'], features['layer3']], sample_position,
                               state.target_scale, update_scale=True)
        timer.lap('refinement')
        confidence = 0.0 if iou is None else min(max((iou + 1.0) / 2.0, 0.0), 1.0)
        return TrackResult(self._box(), confidence, iou is not None, timer.stages)

    def _resize(self, scale: float) -> None:
        """Set the target scale, as officially at least 10 px and at most the image."""
        state = self.state
        smallest = float(torch.max(10.0 / state.base_target_size))
        largest = float(torch.min(state.image_size / state.base_target_size))
        state.target_scale = min(max(scale, smallest), largest)
        state.target_size = state.base_target_size * state.target_scale

    def _filter_scale(self, frame: np.ndarray, flag: Flag) -> None:
        """Size the box with the scale filter at the new position, then teach it that size."""
        state = self.state
        gray = _grayscale(frame)
        if flag is not Flag.UNCERTAIN or self.params.update_scale_when_uncertain:
            factor = state.scale_filter.estimate(gray, tuple(state.position.tolist()),
                                                 tuple(state.target_size.tolist()))
            self._resize(state.target_scale * factor)
        state.scale_filter.update(gray, tuple(state.position.tolist()),
                                  tuple(state.target_size.tolist()))

    def _move_to(self, position: Tensor) -> None:
        """Set the position, kept within 0.3 target sizes outside the image (as officially)."""
        state = self.state
        margin = -0.3 * state.target_size
        state.position = torch.maximum(torch.minimum(position, state.image_size - margin - 1),
                                       margin)

    def _box(self) -> Box:
        (cy, cx), (h, w) = self.state.position.tolist(), self.state.target_size.tolist()
        return Box(cx - (w - 1) / 2, cy - (h - 1) / 2, w, h)

    def _learn(self, projected: Tensor, sample_position: Tensor, scale: float,
               flag: Flag) -> None:
        """Add the frame to the memory and update the filter on ATOM's schedule."""
        params, state = self.params, self.state
        hard_negative = flag is Flag.HARD_NEGATIVE
        if flag not in (Flag.NOT_FOUND, Flag.UNCERTAIN):
            centre = self._label_centres(state.position, sample_position, scale, [(0, 0)])
            label = gaussian_labels(centre, self._sigma(state.base_target_size),
                                    self._feature_size).to(self._device)
            rate = params.hard_negative_learning_rate if hard_negative else params.learning_rate
            state.classifier.memory.add(projected, label[0], rate)
        if hard_negative:
            state.classifier.update(params.hard_negative_cg_iter)
        elif (state.frame - 1) % params.train_skipping == 0:
            state.classifier.update(params.cg_iter)

    def _refine_box(self, features: list[Tensor], sample_position: Tensor, scale: float,
                    update_scale: bool) -> float | None:
        """Maximize the predicted IoU of jittered boxes and move to the mean of the best ones;
        returns their mean predicted 2*IoU - 1 (None when every box was implausible)."""
        params, state = self.params, self.state
        initial = self._patch_box(state.position, state.target_size, sample_position, scale)
        side = float(initial[2:].prod().sqrt())
        jitter = side * torch.tensor([params.box_jitter_pos] * 2 + [params.box_jitter_sz] * 2)
        noise = (torch.rand(params.num_init_random_boxes, 4, generator=self._generator)
                 - 0.5) * jitter
        sizes = (initial[2:] + noise[:, 2:]).clamp(min=float(initial[2:].min()) / 3)
        centres = initial[:2] + initial[2:] / 2 + noise[:, :2]
        boxes = torch.cat([initial[None], torch.cat([centres - sizes / 2, sizes], dim=1)])
        with torch.no_grad(), self._precision(self._iou_net_dtype):
            iou_net = self.net.bb_regressor
            modulated = iou_net.modulate(self.state.modulation, iou_net.get_iou_feat(features))
        boxes, ious = self._optimize_boxes(modulated, boxes.to(self._device))
        boxes[:, 2:] = boxes[:, 2:].clamp(min=1.0)
        aspect = boxes[:, 2] / boxes[:, 3]
        keep = (aspect < params.maximal_aspect_ratio) & (aspect > 1 / params.maximal_aspect_ratio)
        if not bool(keep.any()):
            return None
        boxes, ious = boxes[keep], ious[keep]
        best = torch.topk(ious, min(params.iounet_k, len(ious))).indices
        box = boxes[best].mean(dim=0)
        centre = box[:2] + box[2:] / 2 - (self._sample_size - 1) / 2
        state.position = centre.flip(0) * scale + sample_position
        state.target_size = box[2:].flip(0) * scale
        if update_scale:
            state.target_scale = math.sqrt(float(state.target_size.prod()
                                                 / state.base_target_size.prod()))
        return float(ious[best].mean())

    def _optimize_boxes(self, modulated: tuple[Tensor, Tensor],
                        boxes: Tensor) -> tuple[Tensor, Tensor]:
        """Gradient ascent on the predicted IoU, steps scaled by the box size; returns the boxes
        and the IoU predicted for them before the last step (as officially)."""
        params = self.params
        step = params.box_refinement_step_length
        boxes = boxes[None]
        ious = None
        for _ in range(params.box_refinement_iter):
            current = boxes.detach().requires_grad_(True)
            with torch.enable_grad(), self._precision(self._iou_net_dtype):
                ious = self.net.bb_regressor.iou_from_modulated(modulated, current).float()
                (gradient,) = torch.autograd.grad(ious.sum(), current)
            boxes = (current + step * gradient * current[:, :, 2:].repeat(1, 1, 2)).detach()
            step *= params.box_refinement_step_decay
        return boxes[0].cpu(), ious.detach()[0].cpu()


def _grayscale(frame_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)


def _channel_dropout(x: Tensor, probability: float, generator: torch.Generator) -> Tensor:
    """Zero whole channels with the given probability and rescale the rest (training-mode
    dropout), reproducibly through generator."""
    keep = (torch.rand(x.shape[0], x.shape[1], 1, 1, generator=generator) >= probability)
    return x * keep.to(x) / (1.0 - probability)
