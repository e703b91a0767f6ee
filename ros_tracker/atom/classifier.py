"""ATOM's online target classifier (Sec. 3.2): a 1x1 projection and a 4x4 correlation filter
over backbone features, trained online by Gauss-Newton on a weighted sample memory."""

from __future__ import annotations

import math

import torch
from torch import Tensor
import torch.nn.functional as F

from ros_tracker.atom.optim import Blocks, gauss_newton
from ros_tracker.atom.params import AtomParams


def mlu(x: Tensor, scale: float) -> Tensor:
    """Identity for x >= 0, scale * (exp(x / scale) - 1) below: the paper's output activation."""
    return F.elu(F.leaky_relu(x, 1.0 / scale), scale)


def conv_same(x: Tensor, kernel: Tensor) -> Tensor:
    """Correlate Tensor[N, C, H, W] with a Tensor[1, C, k, k] filter, output Tensor[N, 1, H, W].

    For an even k the output is centred half a cell before the input grid; labels compensate.
    """
    size = kernel.shape[-1]
    return F.conv2d(x, kernel, padding=size // 2)[..., :x.shape[-2], :x.shape[-1]]


def power_normalize(x: Tensor) -> Tensor:
    """Scale every sample to unit mean squared value (the classifier's feature normalization)."""
    return x / torch.sqrt((x * x).mean(dim=(1, 2, 3), keepdim=True) + 1e-10)


def gaussian_labels(centers: Tensor, sigma: float, size: int) -> Tensor:
    """Tensor[N, 1, size, size] Gaussians; centers Tensor[N, 2] are (y, x) in cells relative to
    the map centre, with the half-cell shift of the even filter already added."""
    grid = torch.arange(size, dtype=centers.dtype, device=centers.device) - (size - 1) / 2
    gy = torch.exp(-0.5 * ((grid[None, :] - centers[:, :1]) / sigma) ** 2)
    gx = torch.exp(-0.5 * ((grid[None, :] - centers[:, 1:]) / sigma) ** 2)
    return (gy[:, :, None] * gx[:, None, :])[:, None]


class SampleMemory:
    """Training samples with learning-rate weights; the first-frame samples are never replaced
    and keep at least init_samples_minimum_weight of the total weight (ATOM's memory rules)."""

    def __init__(self, capacity: int, initial_count: int, minimum_initial_weight: float) -> None:
        self.capacity = capacity
        self.initial_count = initial_count
        self.minimum_initial_weight = minimum_initial_weight
        self.samples: Tensor | None = None
        self.labels: Tensor | None = None
        self.weights: Tensor | None = None
        self.count = 0
        self._previous_slot: int | None = None

    def initialize(self, samples: Tensor, labels: Tensor) -> None:
        """Store the first-frame samples with equal weights."""
        self.samples = samples.new_zeros((self.capacity, *samples.shape[1:]))
        self.labels = labels.new_zeros((self.capacity, *labels.shape[1:]))
        self.weights = samples.new_zeros(self.capacity)
        self.samples[:len(samples)] = samples
        self.labels[:len(labels)] = labels
        self.weights[:len(samples)] = 1.0 / len(samples)
        self.count = len(samples)
        self._previous_slot = None

    def active(self) -> tuple[Tensor, Tensor, Tensor]:
        """Samples, labels and weights of the filled slots: empty slots weigh 0, so leaving
        them out of the optimization changes nothing but its cost."""
        return (self.samples[:self.count], self.labels[:self.count],
                self.weights[:self.count])

    def add(self, sample: Tensor, label: Tensor, learning_rate: float) -> int:
        """Store a sample with weight learning_rate (older ones decay); returns its slot."""
        weights = self.weights
        slot = int(torch.argmin(weights[self.initial_count:])) + self.initial_count
        if self._previous_slot is None:
            weights /= 1.0 - learning_rate
            weights[slot] = learning_rate
        else:
            weights[slot] = weights[self._previous_slot] / (1.0 - learning_rate)
        weights /= weights.sum()
        initial_total = weights[:self.initial_count].sum()
        if initial_total < self.minimum_initial_weight:
            weights /= self.minimum_initial_weight + weights[self.initial_count:].sum()
            weights[:self.initial_count] = self.minimum_initial_weight / self.initial_count
        self.samples[slot] = sample
        self.labels[slot] = label
        self.count = max(self.count, slot + 1)
        self._previous_slot = slot
        return slot


class OnlineClassifier:
    """Projection P (Tensor[D, C, 1, 1]) and filter f (Tensor[1, D, k, k]) of the classifier."""

    def __init__(self, params: AtomParams, feature_dim: int, generator: torch.Generator,
                 device: torch.device) -> None:
        self.params = params
        self.projection = torch.randn(params.compressed_dim, feature_dim, 1, 1,
                                      generator=generator).to(device) / math.sqrt(feature_dim)
        self.filter = torch.randn(1, params.compressed_dim, params.kernel_size,
                                  params.kernel_size, generator=generator).to(device) / 1024.0
        self.memory = SampleMemory(params.sample_memory_size, params.initial_sample_count,
                                   params.init_samples_minimum_weight)

    def project(self, features: Tensor) -> Tensor:
        return F.conv2d(features, self.projection)

    def scores(self, projected: Tensor) -> Tensor:
        """Raw classification scores Tensor[N, 1, H, W] of projected features."""
        return conv_same(projected, self.filter)

    def _data_residual(self, projected: Tensor, labels: Tensor, weights: Tensor,
                       kernel: Tensor) -> Tensor:
        responses = mlu(conv_same(projected, kernel), self.params.response_activation_scale)
        return (weights.sqrt()[:, None, None, None] * (responses - labels)).flatten()

    def initialize(self, features: Tensor, labels: Tensor) -> list[float]:
        """Jointly learn P and f on the first-frame samples, then fill the memory with the
        projected samples; returns the loss before each Gauss-Newton step and at the end."""
        params = self.params
        weights = features.new_full((len(features),), 1.0 / len(features))

        def joint_residual(variables: Blocks) -> Tensor:
            kernel, projection = variables
            return torch.cat([
                self._data_residual(F.conv2d(features, projection), labels, weights, kernel),
                math.sqrt(params.filter_reg) * kernel.flatten(),
                math.sqrt(params.projection_reg) * projection.flatten()])

        cg_per_step = max(params.init_cg_iter // max(params.init_gauss_newton_iter, 1), 1)
        (self.filter, self.projection), losses = gauss_newton(
            joint_residual, [self.filter, self.projection], params.init_gauss_newton_iter,
            cg_per_step, preconditioner=[params.filter_reg, params.projection_reg],
            fletcher_reeves=True)
        self.memory.initialize(self.project(features), labels)
        return losses

    def update(self, cg_iter: int) -> list[float]:
        """One Gauss-Newton step of cg_iter CG iterations on the filter over the memory."""
        samples, labels, weights = self.memory.active()

        def filter_residual(variables: Blocks) -> Tensor:
            (kernel,) = variables
            return torch.cat([
                self._data_residual(samples, labels, weights, kernel),
                math.sqrt(self.params.filter_reg) * kernel.flatten()])

        (self.filter,), losses = gauss_newton(filter_residual, [self.filter], 1, cg_iter)
        return losses
