"""The ATOM tracking loop: the online classifier places the target, a box estimation chosen
once from the mode (box_estimation.py) sizes it."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ros_tracker.atom import geometry
from ros_tracker.atom.box_estimation import (BoxEstimation, IouNetRefinement, MultiScaleSearch,
                                             ScaleFilterEstimation, Target)
from ros_tracker.atom.classifier import gaussian_labels, OnlineClassifier, power_normalize
from ros_tracker.atom.localization import Flag, localize, upsample_scores
from ros_tracker.atom.model import AtomNet
from ros_tracker.atom.params import AtomParams
from ros_tracker.atom.sampling import (apply_transform, first_frame_transforms, image_to_tensor,
                                       normalize, sample_patch)
from ros_tracker.boxes import Box
from ros_tracker.device import autocast_to, cpu_has_native_bfloat16
from ros_tracker.timing import StageTimer
from ros_tracker.tracker import Tracker, TrackResult


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
        self._generator = torch.Generator().manual_seed(params.seed)
        #: The 'No Classif.' ablation: the IoU-Net alone refines the previous box each frame.
        self._uses_classifier = params.mode != 'no_classifier'
        self._search_area_scale = (params.search_area_scale if self._uses_classifier
                                   else params.no_classifier_search_scale)
        self.target: Target | None = None
        self._estimation: BoxEstimation | None = None
        self._classifier: OnlineClassifier | None = None
        self._frame = 0

    def _box_estimation(self) -> BoxEstimation:
        """A fresh box estimation of the configured mode."""
        if self.params.mode == 'multi_scale':
            return MultiScaleSearch(self.params)
        if self.params.mode == 'scale_filter':
            return ScaleFilterEstimation(self.params)
        return IouNetRefinement(self.net.bb_regressor, self.params, self._device,
                                self._iou_net_dtype, self._generator)

    def _features(self, patches: Tensor) -> dict[str, Tensor]:
        with torch.no_grad(), autocast_to(self._device, self._backbone_dtype):
            features = self.net.extract_features(
                normalize(patches).contiguous(memory_format=torch.channels_last))
        return {name: value.float() for name, value in features.items()}

    def _patches(self, image: Tensor, centre: Tensor, scales: list[float]) -> Tensor:
        size = self.params.image_sample_size
        return torch.cat([sample_patch(image, centre, torch.full((2,), size * scale), size)
                          for scale in scales])

    def _labels(self, position: Tensor, sample_position: Tensor, scale: float,
                shifts: list[tuple[int, int]]) -> Tensor:
        """Gaussian labels of the target at position in the patch at sample_position, one per
        patch shift."""
        size = self.params.image_sample_size
        centres = geometry.label_centres(position, sample_position, scale, shifts, size)
        sigma = geometry.label_sigma(self.target.base_size, self.params.output_sigma_factor,
                                     size)
        return gaussian_labels(centres, sigma, size // geometry.FEATURE_STRIDE).to(self._device)

    # ---- initialize -----------------------------------------------------------------------

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        params = self.params
        self._generator.manual_seed(params.seed)  # a re-initialization repeats a fresh start
        self._frame = 1
        image = image_to_tensor(frame, self._device)
        position, size = geometry.centre_and_size(box)
        scale = geometry.search_scale(size, self._search_area_scale, params.image_sample_size)
        self.target = Target(position, size, scale, size / scale,
                             torch.tensor(frame.shape[:2], dtype=torch.float32))
        sample_position = torch.round(position)
        transforms = first_frame_transforms(
            params.relative_shifts, params.augment_fliplr, params.blur_sigmas,
            params.augment_rotate, params.image_sample_size, params.random_shift_factor,
            self._generator)
        expanded_size = int(round(params.image_sample_size
                                  * params.augmentation_expansion_factor))
        expanded = sample_patch(image, sample_position,
                                torch.full((2,), expanded_size * scale), expanded_size)
        features = self._features(torch.cat([
            apply_transform(expanded, t, params.image_sample_size) for t in transforms]))
        self._estimation = self._box_estimation()
        self._estimation.start(frame, self.target,
                               [features['layer2'][:1], features['layer3'][:1]], sample_position)
        self._classifier = None
        if self._uses_classifier:
            self._classifier = self._first_frame_classifier(
                features['layer3'], [t.shift for t in transforms], sample_position)

    def _first_frame_classifier(self, layer3: Tensor, shifts: list[tuple[int, int]],
                                sample_position: Tensor) -> OnlineClassifier:
        """The online classifier trained on the augmented first-frame samples."""
        params = self.params
        samples = power_normalize(layer3)
        if params.augment_dropout_count:
            copies = samples[:1].repeat(params.augment_dropout_count, 1, 1, 1)
            dropped = _channel_dropout(copies, params.augment_dropout_probability,
                                       self._generator)
            samples = torch.cat([samples, dropped])
            shifts = shifts + [(0, 0)] * params.augment_dropout_count
        labels = self._labels(self.target.position, sample_position, self.target.scale, shifts)
        classifier = OnlineClassifier(params, samples.shape[1], self._generator, self._device)
        classifier.initialize(samples, labels)
        return classifier

    # ---- track ----------------------------------------------------------------------------

    def track(self, frame: np.ndarray) -> TrackResult:
        target = self.target
        if target is None:
            raise RuntimeError('track() called before initialize()')
        self._frame += 1
        timer = StageTimer(self._device)
        image = image_to_tensor(frame, self._device)
        target.image_size = torch.tensor(frame.shape[:2], dtype=torch.float32)
        # As officially, the patch is cut at the unrounded position (which the sampler
        # truncates) and read in coordinates relative to the rounded one.
        sample_position = torch.round(target.position)
        if not self._uses_classifier:
            return self._track_without_classifier(image, sample_position, timer)
        scales = self._estimation.search_scales(target)
        features = self._features(self._patches(image, target.position, scales))
        timer.lap('features')
        projected = self._classifier.project(power_normalize(features['layer3']))
        scores = upsample_scores(self._classifier.scores(projected)[:, 0],
                                 self.params.image_sample_size)
        best = int(torch.argmax(scores.flatten(1).max(dim=1).values))
        scale = scales[best]
        location = localize(scores[best], target.size / scale, self.params)
        timer.lap('classification')
        if location.flag is not Flag.NOT_FOUND:
            target.move_to(sample_position + torch.tensor(location.displacement) * scale)
            self._estimation.estimate(
                frame, target, [features['layer2'][best:best + 1],
                                features['layer3'][best:best + 1]],
                sample_position, scale, location.flag)
        timer.lap('refinement')
        self._learn(projected[best], sample_position, scale, location.flag)
        timer.lap('update')
        confidence = min(max(location.score, 0.0), 1.0)
        signals = {'second_peak': location.second_score / max(location.score, 1e-6),
                   'uncertain': float(location.flag is Flag.UNCERTAIN)}
        return TrackResult(geometry.to_box(target.position, target.size), confidence,
                           location.flag is not Flag.NOT_FOUND, timer.stages, signals)

    def _track_without_classifier(self, image: Tensor, sample_position: Tensor,
                                  timer: StageTimer) -> TrackResult:
        target = self.target
        features = self._features(self._patches(image, target.position, [target.scale]))
        timer.lap('features')
        iou = self._estimation.refine(target, [features['layer2'], features['layer3']],
                                      sample_position, target.scale, update_scale=True)
        timer.lap('refinement')
        confidence = 0.0 if iou is None else min(max((iou + 1.0) / 2.0, 0.0), 1.0)
        return TrackResult(geometry.to_box(target.position, target.size), confidence,
                           iou is not None, timer.stages, {'second_peak': 0.0, 'uncertain': 0.0})

    def _learn(self, projected: Tensor, sample_position: Tensor, scale: float,
               flag: Flag) -> None:
        """Add the frame to the memory and update the filter on ATOM's schedule."""
        params = self.params
        hard_negative = flag is Flag.HARD_NEGATIVE
        if flag not in (Flag.NOT_FOUND, Flag.UNCERTAIN):
            label = self._labels(self.target.position, sample_position, scale, [(0, 0)])
            rate = params.hard_negative_learning_rate if hard_negative else params.learning_rate
            self._classifier.memory.add(projected, label[0], rate)
        if hard_negative:
            self._classifier.update(params.hard_negative_cg_iter)
        elif (self._frame - 1) % params.train_skipping == 0:
            self._classifier.update(params.cg_iter)


def _channel_dropout(x: Tensor, probability: float, generator: torch.Generator) -> Tensor:
    """Zero whole channels with the given probability and rescale the rest (training-mode
    dropout), reproducibly through generator."""
    keep = (torch.rand(x.shape[0], x.shape[1], 1, 1, generator=generator) >= probability)
    return x * keep.to(x) / (1.0 - probability)
