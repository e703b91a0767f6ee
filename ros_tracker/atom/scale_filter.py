"""A discriminative scale filter (DSST: Danelljan et al., BMVC 2014) for ATOM's box size.

ATOM estimates the box with its IoU-Net. Where the IoU-Net is not trained well enough (the
shipped weights, docs/weights.md), the size comes from this filter instead: a one-dimensional
correlation filter over a pyramid of target-sized patches of gradient-orientation features,
learned online and peaking at the scale whose patch looks most like the target so far.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import cv2
import numpy as np

#: Unsigned gradient orientation bins and the side of a feature cell, in model pixels.
ORIENTATIONS = 9
CELL = 4


@dataclass(frozen=True)
class ScaleFilterParams:
    """The scale filter's settings (DSST's published values).

    Attributes:
        scales: patches in the pyramid (odd, so that one is the current size).
        step: size ratio of neighbouring patches.
        sigma_factor: width of the desired Gaussian response, relative to sqrt(scales).
        learning_rate: weight of each new frame in the filter.
        regularization: added to the filter's denominator.
        model_area: the largest area, in pixels, a patch is resized to before features.
    """

    scales: int = 33
    step: float = 1.02
    sigma_factor: float = 0.25
    learning_rate: float = 0.025
    regularization: float = 0.01
    model_area: int = 512

    def __post_init__(self) -> None:
        if self.scales < 3 or self.scales % 2 == 0:
            raise ValueError(f'scale filter: scales must be odd and at least 3, got {self.scales}')
        if self.step <= 1:
            raise ValueError(f'scale filter: step must exceed 1, got {self.step}')
        for name in ('sigma_factor', 'regularization'):
            if getattr(self, name) <= 0:
                raise ValueError(f'scale filter: {name} must be positive, got '
                                 f'{getattr(self, name)}')
        if not 0 < self.learning_rate <= 1:
            raise ValueError(f'scale filter: learning_rate must be in (0, 1], got '
                             f'{self.learning_rate}')
        if self.model_area < CELL * CELL:
            raise ValueError(f'scale filter: model_area must be at least {CELL * CELL}, got '
                             f'{self.model_area}')


def gradient_histograms(patches: np.ndarray) -> np.ndarray:
    """HOG-like features of grayscale patches float32[N, H, W]: per CELL x CELL cell, the
    gradient magnitude in ORIENTATIONS unsigned orientation bins, each cell's histogram
    L2-normalized, and the cell's mean intensity; float32[N, H // CELL * W // CELL * 10]."""
    count, height, width = patches.shape
    dy = np.zeros_like(patches)
    dx = np.zeros_like(patches)
    dy[:, 1:-1] = (patches[:, 2:] - patches[:, :-2]) / 2
    dx[:, :, 1:-1] = (patches[:, :, 2:] - patches[:, :, :-2]) / 2
    magnitude = np.hypot(dx, dy)
    orientation = np.mod(np.arctan2(dy, dx), math.pi)
    bins = np.minimum((orientation / math.pi * ORIENTATIONS).astype(np.int64), ORIENTATIONS - 1)
    rows, cols = height // CELL, width // CELL
    histogram = np.zeros((count, rows * cols, ORIENTATIONS), np.float32)
    cell = ((np.arange(height)[:, None] // CELL).clip(max=rows - 1) * cols
            + (np.arange(width)[None] // CELL).clip(max=cols - 1))
    index = (cell[None] * ORIENTATIONS + bins).reshape(count, -1)
    flat = histogram.reshape(count, -1)
    for n in range(count):
        flat[n] = np.bincount(index[n], magnitude[n].ravel(), rows * cols * ORIENTATIONS)
    histogram /= np.linalg.norm(histogram, axis=2, keepdims=True) + 1e-3
    cropped = patches[:, :rows * CELL, :cols * CELL]
    intensity = cropped.reshape(count, rows, CELL, cols, CELL).mean(axis=(2, 4)) / 255.0
    return np.concatenate([histogram.reshape(count, -1), intensity.reshape(count, -1)], axis=1)


class ScaleFilter:
    """DSST's scale filter: learn on a pyramid at the known size, then find the pyramid level
    that matches best in later frames."""

    def __init__(self, params: ScaleFilterParams = ScaleFilterParams()) -> None:
        self.params = params
        offsets = np.arange(params.scales) - params.scales // 2
        self.factors = params.step ** offsets
        sigma = params.sigma_factor * math.sqrt(params.scales)
        # The response a pyramid at the right size should give: a Gaussian over the levels.
        self._desired = np.fft.fft(np.exp(-0.5 * (offsets / sigma) ** 2))
        self._window = np.hanning(params.scales + 2)[1:-1, None].astype(np.float32)
        self._model_size: tuple[int, int] | None = None
        self._numerator: np.ndarray | None = None
        self._denominator: np.ndarray | None = None

    def _pyramid(self, gray: np.ndarray, centre_yx: tuple[float, float],
                 size_hw: tuple[float, float]) -> np.ndarray:
        """DFT over the scales of the windowed features of every pyramid patch."""
        model_h, model_w = self._model_size
        height, width = gray.shape
        patches = np.empty((self.params.scales, model_h, model_w), np.float32)
        for n, factor in enumerate(self.factors):
            h = max(int(round(size_hw[0] * factor)), 2)
            w = max(int(round(size_hw[1] * factor)), 2)
            top = int(math.floor(centre_yx[0])) - (h - 1) // 2
            left = int(math.floor(centre_yx[1])) - (w - 1) // 2
            rows = np.clip(np.arange(top, top + h), 0, height - 1)
            cols = np.clip(np.arange(left, left + w), 0, width - 1)
            region = gray[rows[:, None], cols[None]]
            shrinking = h > model_h or w > model_w
            patches[n] = cv2.resize(region, (model_w, model_h),
                                    interpolation=cv2.INTER_AREA if shrinking
                                    else cv2.INTER_LINEAR)
        return np.fft.fft(gradient_histograms(patches) * self._window, axis=0)

    def initialize(self, gray: np.ndarray, centre_yx: tuple[float, float],
                   size_hw: tuple[float, float]) -> None:
        """Learn the filter from the target at centre_yx with size_hw in a grayscale frame."""
        shrink = min(1.0, math.sqrt(self.params.model_area / (size_hw[0] * size_hw[1])))
        self._model_size = (max(int(size_hw[0] * shrink) // CELL * CELL, CELL),
                            max(int(size_hw[1] * shrink) // CELL * CELL, CELL))
        self._numerator = self._denominator = None
        self.update(gray, centre_yx, size_hw)

    def update(self, gray: np.ndarray, centre_yx: tuple[float, float],
               size_hw: tuple[float, float]) -> None:
        """Blend the pyramid at the current size into the filter (learning_rate)."""
        spectrum = self._pyramid(gray, centre_yx, size_hw)
        numerator = np.conj(self._desired)[:, None] * spectrum
        denominator = np.sum(np.real(np.conj(spectrum) * spectrum), axis=1)
        if self._numerator is None:
            self._numerator, self._denominator = numerator, denominator
            return
        rate = self.params.learning_rate
        self._numerator = (1 - rate) * self._numerator + rate * numerator
        self._denominator = (1 - rate) * self._denominator + rate * denominator

    def estimate(self, gray: np.ndarray, centre_yx: tuple[float, float],
                 size_hw: tuple[float, float]) -> float:
        """The factor by which the target's size changed since the filter last saw it."""
        if self._numerator is None:
            raise RuntimeError('estimate() called before initialize()')
        spectrum = self._pyramid(gray, centre_yx, size_hw)
        response = np.real(np.fft.ifft(
            np.sum(np.conj(self._numerator) * spectrum, axis=1)
            / (self._denominator + self.params.regularization)))
        return float(self.factors[int(np.argmax(response))])
