"""How ATOM sizes the box once its classifier has placed it, chosen once from the mode: the
IoU-Net's overlap maximization (the paper's Sec. 3.2), a search over scales, or DSST's scale
filter."""

from __future__ import annotations

import abc
from dataclasses import dataclass
import math

import cv2
import numpy as np
import torch
from torch import Tensor

from ros_tracker.atom import geometry
from ros_tracker.atom.localization import Flag
from ros_tracker.atom.model import AtomIoUNet
from ros_tracker.atom.params import AtomParams
from ros_tracker.atom.scale_filter import ScaleFilter
from ros_tracker.device import autocast_to


@dataclass
class Target:
    """Where ATOM believes the target is, in image pixels; (y, x) / (h, w) tensors.

    Attributes:
        position: the box's centre.
        size: the box's size.
        scale: image pixels per patch pixel of the search patch.
        base_size: the size in patch pixels at the first frame (size = base_size * scale
            unless the IoU-Net changed the aspect ratio).
        image_size: the current frame's (height, width).
    """

    position: Tensor
    size: Tensor
    scale: float
    base_size: Tensor
    image_size: Tensor

    def resize(self, scale: float) -> None:
        """Set the scale (kept within geometry.clamped_scale) and the size that follows."""
        self.scale = geometry.clamped_scale(scale, self.base_size, self.image_size)
        self.size = self.base_size * self.scale

    def move_to(self, position: Tensor) -> None:
        """Set the position (kept within geometry.clamped_position)."""
        self.position = geometry.clamped_position(position, self.size, self.image_size)


class BoxEstimation(abc.ABC):
    """One way of sizing the box; a fresh one per initialization."""

    def search_scales(self, target: Target) -> list[float]:
        """Scales of the patches the classifier searches."""
        return [target.scale]

    @abc.abstractmethod
    def start(self, frame: np.ndarray, target: Target, features: list[Tensor],
              sample_position: Tensor) -> None:
        """Learn the first frame's target from its unaugmented patch's layer2/layer3
        features."""

    @abc.abstractmethod
    def estimate(self, frame: np.ndarray, target: Target, features: list[Tensor],
                 sample_position: Tensor, scale: float, flag: Flag) -> None:
        """Size (and where it refines, place) the target that the classifier moved, from the
        layer2/layer3 features of the patch it was found in."""


class IouNetRefinement(BoxEstimation):
    """Maximize the IoU-Net's predicted overlap of jittered boxes and take the mean of the best
    (ATOM's target estimation)."""

    def __init__(self, iou_net: AtomIoUNet, params: AtomParams, device: torch.device,
                 dtype: torch.dtype | None, generator: torch.Generator) -> None:
        self.iou_net, self.params, self.generator = iou_net, params, generator
        self.device, self.dtype = device, dtype
        self.modulation: tuple[Tensor, Tensor] | None = None
        #: Where the IoU-Net last put the target (the official pos_iounet).
        self.position: Tensor | None = None

    def start(self, frame: np.ndarray, target: Target, features: list[Tensor],
              sample_position: Tensor) -> None:
        box = geometry.patch_box(target.position, target.size, sample_position, target.scale,
                                 self.params.image_sample_size)
        with torch.no_grad(), autocast_to(self.device, self.dtype):
            self.modulation = self.iou_net.get_modulation(features, box[None].to(self.device))
        self.position = target.position

    def estimate(self, frame: np.ndarray, target: Target, features: list[Tensor],
                 sample_position: Tensor, scale: float, flag: Flag) -> None:
        """Refine the classifier's box; when every refined box is implausible the target goes
        back to where the IoU-Net last put it, as officially."""
        refined = self.refine(target, features, sample_position, scale,
                              update_scale=flag is not Flag.UNCERTAIN
                              or self.params.update_scale_when_uncertain)
        if refined is None:
            target.position = self.position

    def refine(self, target: Target, features: list[Tensor], sample_position: Tensor,
               scale: float, update_scale: bool) -> float | None:
        """Move target to the refined box; returns the mean predicted 2*IoU - 1 of the boxes
        averaged (None, target unchanged, when every box was implausible)."""
        params = self.params
        initial = geometry.patch_box(target.position, target.size, sample_position, scale,
                                     params.image_sample_size)
        with torch.no_grad(), autocast_to(self.device, self.dtype):
            modulated = self.iou_net.modulate(self.modulation,
                                              self.iou_net.get_iou_feat(features))
        boxes, ious = self._optimize(modulated, self._proposals(initial).to(self.device))
        boxes[:, 2:] = boxes[:, 2:].clamp(min=1.0)
        aspect = boxes[:, 2] / boxes[:, 3]
        keep = (aspect < params.maximal_aspect_ratio) & (aspect > 1 / params.maximal_aspect_ratio)
        if not bool(keep.any()):
            return None
        boxes, ious = boxes[keep], ious[keep]
        best = torch.topk(ious, min(params.iounet_k, len(ious))).indices
        target.position, target.size = geometry.from_patch_box(
            boxes[best].mean(dim=0), sample_position, scale, params.image_sample_size)
        self.position = target.position
        if update_scale:
            target.scale = math.sqrt(float(target.size.prod() / target.base_size.prod()))
        return float(ious[best].mean())

    def _proposals(self, initial: Tensor) -> Tensor:
        """The current box and num_init_random_boxes jittered copies, as xywh rows."""
        params = self.params
        side = float(initial[2:].prod().sqrt())
        jitter = side * torch.tensor([params.box_jitter_pos] * 2 + [params.box_jitter_sz] * 2)
        noise = (torch.rand(params.num_init_random_boxes, 4, generator=self.generator)
                 - 0.5) * jitter
        sizes = (initial[2:] + noise[:, 2:]).clamp(min=float(initial[2:].min()) / 3)
        centres = initial[:2] + initial[2:] / 2 + noise[:, :2]
        return torch.cat([initial[None], torch.cat([centres - sizes / 2, sizes], dim=1)])

    def _optimize(self, modulated: tuple[Tensor, Tensor], boxes: Tensor) -> tuple[Tensor, Tensor]:
        """Gradient ascent on the predicted IoU, steps scaled by the box size; returns the boxes
        and the IoU predicted for them before the last step (as officially)."""
        params = self.params
        step = params.box_refinement_step_length
        boxes = boxes[None]
        ious = None
        for _ in range(params.box_refinement_iter):
            current = boxes.detach().requires_grad_(True)
            with torch.enable_grad(), autocast_to(self.device, self.dtype):
                ious = self.iou_net.iou_from_modulated(modulated, current).float()
                (gradient,) = torch.autograd.grad(ious.sum(), current)
            boxes = (current + step * gradient * current[:, :, 2:].repeat(1, 1, 2)).detach()
            step *= params.box_refinement_step_decay
        return boxes[0].cpu(), ious.detach()[0].cpu()


class MultiScaleSearch(BoxEstimation):
    """The classifier searches patches at several scales; the best-scoring one sets the size
    (the paper's 'Multi-Scale' ablation)."""

    def __init__(self, params: AtomParams) -> None:
        self.factors = params.scale_factors

    def search_scales(self, target: Target) -> list[float]:
        return [target.scale * factor for factor in self.factors]

    def start(self, frame: np.ndarray, target: Target, features: list[Tensor],
              sample_position: Tensor) -> None:
        pass  # nothing to learn: the classifier's scores decide

    def estimate(self, frame: np.ndarray, target: Target, features: list[Tensor],
                 sample_position: Tensor, scale: float, flag: Flag) -> None:
        target.resize(scale)


class ScaleFilterEstimation(BoxEstimation):
    """DSST's scale filter sizes the box at the classifier's position, then learns that size."""

    def __init__(self, params: AtomParams) -> None:
        self.params = params
        self.filter = ScaleFilter(params.scale_filter)

    def start(self, frame: np.ndarray, target: Target, features: list[Tensor],
              sample_position: Tensor) -> None:
        self.filter.initialize(grayscale(frame), tuple(target.position.tolist()),
                               tuple(target.size.tolist()))

    def estimate(self, frame: np.ndarray, target: Target, features: list[Tensor],
                 sample_position: Tensor, scale: float, flag: Flag) -> None:
        gray = grayscale(frame)
        if flag is not Flag.UNCERTAIN or self.params.update_scale_when_uncertain:
            factor = self.filter.estimate(gray, tuple(target.position.tolist()),
                                          tuple(target.size.tolist()))
            target.resize(target.scale * factor)
        self.filter.update(gray, tuple(target.position.tolist()), tuple(target.size.tolist()))


def grayscale(frame_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
