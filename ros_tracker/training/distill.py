"""Distilling a teacher backbone into a tracker's convolutions (``atom_backbone`` and
``re3_tower`` training).

A pretrained backbone is what makes a tracker trainable on little data, and none can be
downloaded everywhere. This trains a student to reproduce, on crops around annotated targets, the
stride-16 features of a teacher network given as ONNX (NanoTrack v2's backbone, run with OpenCV's
dnn module) through a 1x1 head: mean squared error against the teacher's features standardized
per channel, AdamW with a cosine learning rate. The students are ATOM's ResNet-18 up to ``layer3``
(for ``ros-tracker train atom --backbone``) and the Re3 family's CaffeNet-style tower up to
``conv5`` (for ``ros-tracker train dense_re3 --backbone``; the paper starts it from ImageNet).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
import torch
from torch import nn, Tensor
import torch.nn.functional as F

from ros_tracker.atom.checkpoint import BACKBONE_FORMAT, UNUSED_BACKBONE_STAGES
from ros_tracker.atom.model import resnet18
from ros_tracker.atom.sampling import normalize
from ros_tracker.datasets.sequence import read_image
from ros_tracker.datasets.training_sets import TrainingData
from ros_tracker.re3.checkpoint import TOWER_FORMAT
from ros_tracker.re3.model import ConvTower
from ros_tracker.training.atom_samples import crop_square
from ros_tracker.training.distributed import Distributed, StepBatches
from ros_tracker.training.loop import RunSettings
from ros_tracker.training.sampling import annotated_frames, draw_target
from ros_tracker.training.task import as_list, fixed_batches, seed_everything, TrainingTask
from ros_tracker.weights import save_weights


@dataclass(frozen=True)
class DistillRecipe:
    """Crops, augmentation and schedule of the distillation.

    Attributes:
        batch_size: crops per step and process.
        crop_size: crop side in pixels (a multiple of 16).
        lr / final_lr: AdamW's rate, cosine from lr to final_lr over the run.
        weight_decay: AdamW's decoupled weight decay.
        target_size: range of the target's side in the crop (log-uniform; ATOM sees targets
            about 288 / 5 pixels wide).
        center_jitter: the target's offset from the crop centre, up to this fraction of the crop.
        random_crop_probability: crops anywhere in the frame instead of around the target.
        flip_probability / grayscale_probability: horizontal flip, grey crops.
        color_jitter: brightness, contrast and saturation factors drawn from 1 +- this.
        val_samples: fixed held-out crops per validation.
        statistics_samples: crops that fix the teacher's per-channel mean and deviation.
    """

    batch_size: int = 16
    crop_size: int = 192
    lr: float = 1e-3
    final_lr: float = 1e-5
    weight_decay: float = 1e-4
    target_size: tuple[float, float] = (29.0, 116.0)
    center_jitter: float = 0.4
    random_crop_probability: float = 0.15
    flip_probability: float = 0.5
    grayscale_probability: float = 0.1
    color_jitter: float = 0.2
    val_samples: int = 128
    statistics_samples: int = 64


class Teacher:
    """An ONNX backbone run by OpenCV (BGR 0..255 input, as OpenCV's TrackerNano feeds it);
    loaded lazily so that every data-loading process has its own."""

    def __init__(self, onnx_path: str | Path) -> None:
        self.path = str(onnx_path)
        if not Path(self.path).is_file():
            raise ValueError(f'{self.path}: no such teacher model')
        self._net = None

    def __getstate__(self) -> dict[str, Any]:
        return {'path': self.path, '_net': None}

    def features(self, crop_bgr: np.ndarray) -> np.ndarray:
        if self._net is None:
            self._net = cv2.dnn.readNet(self.path)
        self._net.setInput(cv2.dnn.blobFromImage(crop_bgr, 1.0, swapRB=False))
        return self._net.forward()[0].astype(np.float32)


def _color_jitter(crop: np.ndarray, rng: np.random.Generator, amount: float,
                  grayscale_probability: float) -> np.ndarray:
    image = crop.astype(np.float32)
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)[..., None]
    brightness, contrast, saturation = rng.uniform(1 - amount, 1 + amount, 3)
    image = grey + (image - grey) * saturation
    image = (image - grey.mean()) * contrast + grey.mean()
    image = image * brightness
    if rng.random() < grayscale_probability:
        image = np.repeat(cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8),
                                       cv2.COLOR_BGR2GRAY)[..., None], 3, axis=2)
    return np.clip(image, 0, 255).astype(np.uint8)


class DistillationCrops:
    """Map-style dataset: item i (a pure function of seed and i) is an augmented BGR crop and
    the teacher's features of that same crop."""

    def __init__(self, data: TrainingData, teacher: Teacher, recipe: DistillRecipe,
                 seed: int) -> None:
        self.frames = annotated_frames(data)
        if not self.frames:
            raise ValueError('no annotated frame to cut crops from')
        self.teacher, self.recipe, self.seed = teacher, recipe, seed

    def __len__(self) -> int:
        return 2 ** 62

    def crop(self, index: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, index])
        r = self.recipe
        still = self.frames[rng.integers(len(self.frames))]
        image = read_image(still.path)
        height, width = image.shape[:2]
        box = draw_target(still, image, rng)
        if rng.random() < r.random_crop_probability:
            side = rng.uniform(0.2, 1.0) * min(width, height)
            center = (rng.uniform(0, width), rng.uniform(0, height))
        else:
            size = math.exp(rng.uniform(*np.log(r.target_size)))
            side = math.sqrt(box.w * box.h) * r.crop_size / size
            offset = rng.uniform(-r.center_jitter, r.center_jitter, 2) * side
            center = (box.center[0] + offset[0], box.center[1] + offset[1])
        crop, _ = crop_square(image, center, side, r.crop_size, box)
        if rng.random() < r.flip_probability:
            crop = np.ascontiguousarray(crop[:, ::-1])
        return _color_jitter(crop, rng, r.color_jitter, r.grayscale_probability)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        crop = self.crop(index)
        return crop, self.teacher.features(crop)


class AtomStudent(nn.Module):
    """ResNet-18 up to layer3 and a 1x1 convolution onto the teacher's channels."""

    unused = UNUSED_BACKBONE_STAGES  # never run, so never trained
    prefix, weights_format = 'feature_extractor.', BACKBONE_FORMAT

    def __init__(self, teacher_channels: int) -> None:
        super().__init__()
        self.backbone = resnet18()
        self.head = nn.Conv2d(256, teacher_channels, kernel_size=1)

    def forward(self, crops_bgr: Tensor) -> Tensor:
        rgb = normalize(crops_bgr.flip(1))
        return self.head(self.backbone.forward_layers(rgb, ('layer3',))['layer3'])


class Re3TowerStudent(nn.Module):
    """The Re3 family's conv tower up to conv5 and a 1x1 convolution onto the teacher's
    channels. The tower's skip branches are left at their initialization: the tracker's own
    training fits them with the layers that read them."""

    unused = ('conv1_skip.', 'conv2_skip.', 'conv5_skip.')
    prefix, weights_format = 'tower.', TOWER_FORMAT

    def __init__(self, teacher_channels: int) -> None:
        super().__init__()
        self.backbone = ConvTower()
        self.head = nn.Conv2d(256, teacher_channels, kernel_size=1)

    def forward(self, crops_bgr: Tensor) -> Tensor:
        return self.head(self.backbone.feature_maps(crops_bgr.flip(1))[2])


#: The students by training model name.
STUDENTS: dict[str, type[AtomStudent] | type[Re3TowerStudent]] = {
    'atom_backbone': AtomStudent, 're3_tower': Re3TowerStudent}


def distill_recipe(student: str) -> DistillRecipe:
    """The default recipe for a student: the Re3 tower sees its 227-pixel crops of twice the
    target's size, so larger crops and targets than ATOM's."""
    if student == 're3_tower':
        return DistillRecipe(crop_size=224, target_size=(70.0, 160.0))
    return DistillRecipe()


def _batch(samples: list[tuple[np.ndarray, np.ndarray]],
           device: torch.device) -> tuple[Tensor, Tensor]:
    crops = torch.from_numpy(np.stack([c for c, _ in samples])).to(device)
    return crops.permute(0, 3, 1, 2).float(), torch.from_numpy(
        np.stack([f for _, f in samples])).to(device)


class BackboneDistillation(TrainingTask):
    """The distillation task (see the module docstring)."""

    def __init__(self, data: TrainingData, validation: TrainingData | None, teacher: Teacher,
                 recipe: DistillRecipe, settings: RunSettings, dist: Distributed,
                 student: str = 'atom_backbone') -> None:
        seed_everything(settings.seed)
        self.data, self.validation, self.teacher = data, validation, teacher
        self.recipe, self.settings, self.dist = recipe, settings, dist
        probe = DistillationCrops(data, teacher, recipe, settings.seed + 2)
        features = np.stack([probe[i][1] for i in range(recipe.statistics_samples)])
        self.mean = torch.from_numpy(features.mean(axis=(0, 2, 3))).view(1, -1, 1, 1)
        self.std = torch.from_numpy(features.std(axis=(0, 2, 3)) + 1e-6).view(1, -1, 1, 1)
        self.mean, self.std = self.mean.to(dist.device), self.std.to(dist.device)
        self.model = STUDENTS[student](features.shape[1]).to(dist.device)
        for name, parameter in self.model.backbone.named_parameters():
            parameter.requires_grad_(not name.startswith(self.model.unused))
        self.student = dist.wrap(self.model)
        self.optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad], lr=recipe.lr,
            weight_decay=recipe.weight_decay)
        self.amp = settings.amp and dist.device.type == 'cuda'
        self.scaler = torch.amp.GradScaler('cuda', enabled=self.amp)

    def learning_rate_at(self, step: int) -> float:
        r = self.recipe
        progress = step / max(self.settings.steps - 1, 1)
        return r.final_lr + 0.5 * (r.lr - r.final_lr) * (1 + math.cos(math.pi * progress))

    def batches(self, start_step: int, end_step: int) -> Iterator[Any]:
        loader = torch.utils.data.DataLoader(
            DistillationCrops(self.data, self.teacher, self.recipe, self.settings.seed),
            batch_sampler=StepBatches(start_step, end_step, self.recipe.batch_size, self.dist),
            num_workers=self.settings.workers, collate_fn=as_list)
        return iter(loader)

    def _loss(self, model: nn.Module, samples: list) -> Tensor:
        crops, teacher = _batch(samples, self.dist.device)
        with torch.autocast(self.dist.device.type, dtype=torch.float16, enabled=self.amp):
            predicted = model(crops).float()
        if predicted.shape[-2:] != teacher.shape[-2:]:
            predicted = F.interpolate(predicted, teacher.shape[-2:], mode='bilinear',
                                      align_corners=False)
        return F.mse_loss(predicted, (teacher - self.mean) / self.std)

    def loss(self, batch: Any) -> Tensor:
        self.student.train()
        return self._loss(self.student, batch)

    def samples_in_step(self) -> int:
        return self.recipe.batch_size

    def validate(self) -> dict[str, float]:
        crops = DistillationCrops(self.validation or self.data, self.teacher, self.recipe,
                                  self.settings.seed + 1)
        self.model.eval()
        losses = []
        with torch.no_grad():
            for indices in fixed_batches(self.recipe.val_samples, self.recipe.batch_size):
                losses.append(float(self._loss(self.model, [crops[i] for i in indices]))
                              * len(indices))
        self.model.train()
        return {'val_loss': sum(losses) / self.recipe.val_samples}

    def export(self, path: Path) -> str:
        state = {self.model.prefix + k: v for k, v in self.model.backbone.state_dict().items()}
        return save_weights(path, state, self.model.weights_format)
