"""Synthetic tracking sequences rendered from one still image, as in Re3's training.

A target cut from the image (its box plus some context, with feathered edges) moves over the
whole image, resized as background, by a random walk of position, speed, heading, size and
aspect ratio, bouncing off the borders. Occluders cut from the same image move the same way,
some drawn behind the target and some in front of it. Frames get motion blur along the target's
motion and a slowly changing illumination. The box of every frame is the exact image of the
source box under the target's placement, so it is right by construction; occluders may hide
the target, as real occlusions do. Everything is drawn from the given generator: a seed fixes
the sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import cv2
import numpy as np

from ros_tracker.boxes import Box, iou


@dataclass(frozen=True)
class SyntheticSettings:
    """How synthetic sequences are drawn.

    Attributes:
        size: side of the square canvas in pixels.
        context: the cut-out target is its box scaled by this factor about the centre.
        occluders_behind: occluders drawn below the target.
        occluders_in_front: occluders drawn above it.
        target_size: range of the target's initial longer side, as a fraction of the canvas.
        max_speed: speed limit per frame, in units of half the object's mean side.
        speed_step: scale of the Laplace steps of the speed random walk (same unit).
        heading_sigma: standard deviation of the heading's random walk per frame (radians).
        size_rate_limit: largest per-frame change of log width and log height.
        size_rate_sigma: standard deviation of the steps of those rates.
        blur_probability: probability that a sequence has motion blur.
        illumination_sigma: standard deviation of the per-frame steps of the log brightness.
        illumination_range: brightness gain limits.
        feather: width of the target's soft edge in pixels.
    """

    size: int = 400
    context: float = 1.5
    occluders_behind: int = 10
    occluders_in_front: int = 10
    target_size: tuple[float, float] = (0.15, 0.5)
    max_speed: float = 1.5
    speed_step: float = 0.1
    heading_sigma: float = math.pi / 32
    size_rate_limit: float = 0.1
    size_rate_sigma: float = 0.01
    blur_probability: float = 0.3
    illumination_sigma: float = 0.03
    illumination_range: tuple[float, float] = (0.6, 1.4)
    feather: float = 2.0


class _Mover:
    """Centre, size and velocity of one object on the canvas."""

    def __init__(self, center: np.ndarray, size: np.ndarray, canvas: int,
                 settings: SyntheticSettings, rng: np.random.Generator) -> None:
        self.center, self.size = center.astype(float), size.astype(float)
        self.aspect_limits = (size[0] / size[1] / 2, size[0] / size[1] * 2)
        self.canvas, self.settings = canvas, settings
        self.speed = rng.uniform(0, settings.max_speed / 2)
        self.heading = rng.uniform(-math.pi, math.pi)
        self.size_rate = np.zeros(2)

    def velocity(self) -> np.ndarray:
        scale = self.speed * self.size.mean() / 2
        return scale * np.array([math.cos(self.heading), math.sin(self.heading)])

    def step(self, rng: np.random.Generator) -> None:
        s = self.settings
        self.speed = float(np.clip(self.speed + rng.laplace(0, s.speed_step), 0, s.max_speed))
        self.heading += rng.normal(0, s.heading_sigma)
        self.size_rate = np.clip(self.size_rate + rng.normal(0, s.size_rate_sigma, 2),
                                 -s.size_rate_limit, s.size_rate_limit)
        size = self.size * np.exp(self.size_rate)
        size = np.clip(size, 4.0, self.canvas * 0.9)
        aspect = np.clip(size[0] / size[1], *self.aspect_limits)
        area = size[0] * size[1]
        self.size = np.array([math.sqrt(area * aspect), math.sqrt(area / aspect)])
        center = self.center + self.velocity()
        for axis in range(2):  # reflect off the borders, halving the speed
            if not 0 <= center[axis] <= self.canvas:
                center[axis] = np.clip(center[axis], 0, self.canvas)
                self.heading = math.pi - self.heading if axis == 0 else -self.heading
                self.speed /= 2
        self.center = center


def _edge_opacity(low: float, high: float, start: int, stop: int, feather: float) -> np.ndarray:
    """Opacity of pixels start..stop-1 along one axis for an object spanning [low, high):
    the covered fraction of each pixel, ramped over feather pixels inside the edges."""
    centres = np.arange(start, stop) + 0.5
    inside = np.minimum(centres - low, high - centres)
    return np.clip((inside + 0.5) / max(feather, 1.0), 0.0, 1.0).astype(np.float32)


class _Layer:
    """A texture drawn centred on a mover, its inner box at the mover's box."""

    def __init__(self, texture: np.ndarray, inner: Box, mover: _Mover, feather: float) -> None:
        self.texture = texture.astype(np.float32)
        self.inner, self.mover, self.feather = inner, mover, feather

    def placement(self) -> tuple[np.ndarray, np.ndarray]:
        """Scale and offset that map texture coordinates (pixel edges at integers) to canvas
        coordinates, putting the inner box at the mover's centre and size."""
        scale = self.mover.size / np.array([self.inner.w, self.inner.h])
        return scale, self.mover.center - scale * np.array(self.inner.center)

    def box(self) -> Box:
        return Box.from_center(*self.mover.center, *self.mover.size)

    def draw(self, canvas: np.ndarray, blur: np.ndarray | None) -> None:
        """Composite the layer onto canvas (float32 BGR), drawing only the region it covers."""
        scale, offset = self.placement()
        height, width = self.texture.shape[:2]
        low, high = offset, offset + scale * (width, height)
        margin = 1 if blur is None else blur.shape[0]
        x1, y1 = np.maximum(np.floor(low).astype(int) - margin, 0)
        x2, y2 = np.minimum(np.ceil(high).astype(int) + margin, canvas.shape[1::-1])
        if x2 <= x1 or y2 <= y1:
            return
        # warpAffine samples at pixel indices, whose centres are at +0.5 in these coordinates.
        shift = offset + 0.5 * (scale - 1) - (x1, y1)
        matrix = np.array([[scale[0], 0, shift[0]], [0, scale[1], shift[1]]])
        color = cv2.warpAffine(self.texture, matrix, (x2 - x1, y2 - y1), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        alpha = np.minimum.outer(_edge_opacity(low[1], high[1], y1, y2, self.feather),
                                 _edge_opacity(low[0], high[0], x1, x2, self.feather))
        color *= alpha[..., None]
        if blur is not None:
            color, alpha = cv2.filter2D(color, -1, blur), cv2.filter2D(alpha, -1, blur)
        region = canvas[y1:y2, x1:x2]
        region *= 1 - alpha[..., None]
        region += color


def _motion_kernel(velocity: np.ndarray) -> np.ndarray | None:
    """A normalized line kernel along the motion of one frame; None for slow motion."""
    length = int(min(np.hypot(*velocity), 21))
    if length < 2:
        return None
    kernel = np.zeros((length | 1, length | 1), np.float32)
    middle = (length | 1) // 2
    direction = velocity / np.hypot(*velocity) * (length / 2)
    cv2.line(kernel, (round(middle - direction[0]), round(middle - direction[1])),
             (round(middle + direction[0]), round(middle + direction[1])), 1.0, 1)
    return kernel / kernel.sum()


def _cut(image: np.ndarray, window: Box) -> tuple[np.ndarray, Box]:
    """The window's pixels (clipped to the image) and the window in the cut's coordinates."""
    height, width = image.shape[:2]
    x1, y1 = max(int(math.floor(window.x)), 0), max(int(math.floor(window.y)), 0)
    x2 = min(int(math.ceil(window.x + window.w)), width)
    y2 = min(int(math.ceil(window.y + window.h)), height)
    return image[y1:y2, x1:x2], Box(window.x - x1, window.y - y1, window.w, window.h)


def _random_occluder(image: np.ndarray, target: Box, rng: np.random.Generator) -> Box:
    """A random region of the image overlapping the target by less than IoU 0.3."""
    height, width = image.shape[:2]
    for _ in range(20):
        w, h = rng.uniform(0.05, 0.3, 2) * (width, height)
        candidate = Box(rng.uniform(0, width - w), rng.uniform(0, height - h), w, h)
        if iou(candidate, target) < 0.3:
            break
    return candidate


def render_sequence(image: np.ndarray, box: Box, length: int, rng: np.random.Generator,
                    settings: SyntheticSettings = SyntheticSettings()
                    ) -> tuple[list[np.ndarray], list[Box]]:
    """length frames (BGR uint8, settings.size square) and the target's box in each."""
    if length < 1:
        raise ValueError('length must be at least 1')
    height, width = image.shape[:2]
    box = box.clip(width, height)
    if box.w < 1 or box.h < 1:
        raise ValueError(f'target box {box} has no area inside the {width}x{height} image')
    side = settings.size
    background = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    longer = rng.uniform(*settings.target_size) * side
    target_size = np.array([box.w, box.h]) * longer / max(box.w, box.h)
    window = Box.from_center(*box.center, box.w * settings.context, box.h * settings.context)
    texture, _ = _cut(image, window)
    inner = Box(box.x - max(math.floor(window.x), 0), box.y - max(math.floor(window.y), 0),
                box.w, box.h)
    target = _Layer(texture, inner, _Mover(rng.uniform(0.25, 0.75, 2) * side, target_size,
                                           side, settings, rng), settings.feather)
    occluders = []
    for _ in range(settings.occluders_behind + settings.occluders_in_front):
        region = _random_occluder(image, box, rng)
        pixels, region_inner = _cut(image, region)
        size = np.array([region.w, region.h]) * side / np.array([width, height])
        occluders.append(_Layer(pixels, region_inner,
                                _Mover(rng.uniform(0, side, 2), size, side, settings, rng), 0.0))
    behind, in_front = (occluders[:settings.occluders_behind],
                        occluders[settings.occluders_behind:])
    blurred = rng.random() < settings.blur_probability
    log_gain = 0.0
    frames, boxes = [], []
    for index in range(length):
        if index:
            for layer in [target] + occluders:
                layer.mover.step(rng)
            log_gain = float(np.clip(log_gain + rng.normal(0, settings.illumination_sigma),
                                     *np.log(settings.illumination_range)))
        canvas = background.copy()
        for layer in behind:
            layer.draw(canvas, None)
        target.draw(canvas, _motion_kernel(target.mover.velocity()) if blurred else None)
        for layer in in_front:
            layer.draw(canvas, None)
        frames.append(np.clip(canvas * math.exp(log_gain), 0, 255).astype(np.uint8))
        boxes.append(target.box())
    return frames, boxes
