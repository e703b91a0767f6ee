"""Re3-family tracking: regress the box from two crops at the previous box, carry LSTM state.

Re3 has no notion of failure, so the tracker adds a confidence: the appearance agreement
between the new box and the first frame's target (normalized cross-correlation of grey
patches), scaled down when the box area jumps implausibly between frames or drifts far from the
first box's size (Re3's known failure: the box grows onto other objects, or collapses). The
target counts as not found when the confidence falls below min_confidence; the node's lost
hysteresis builds on that.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ros_tracker.appearance import agreement, grey_patch
from ros_tracker.boxes import Box
from ros_tracker.re3.model import CROP_SIZE, LSTMState, Re3Net
from ros_tracker.re3.params import Re3Params
from ros_tracker.timing import StageTimer
from ros_tracker.tracker import Tracker, TrackResult


def crop_window(box: Box, pad: float) -> Box:
    """The unrounded crop window: the box scaled by pad about its centre (not squared)."""
    cx, cy = box.center
    return Box.from_center(cx, cy, box.w * pad, box.h * pad)


def crop(image_rgb: np.ndarray, window: Box) -> np.ndarray:
    """The window (rounded to whole pixels) warped to 227x227; outside the image is black."""
    x1, y1 = round(window.x), round(window.y)
    width, height = max(round(window.w), 1), max(round(window.h), 1)
    scale_x, scale_y = CROP_SIZE / width, CROP_SIZE / height
    warp = np.array([[scale_x, 0.0, -x1 * scale_x], [0.0, scale_y, -y1 * scale_y]])
    return cv2.warpAffine(image_rgb, warp, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def crop_pair(previous_rgb: np.ndarray, current_rgb: np.ndarray, box: Box,
              pad: float) -> np.ndarray:
    """The network's input for one step: the previous and the current frame, both cropped at
    the window of box (the previous output, or at the first frame the initial box), as
    uint8 [2, 227, 227, 3]."""
    window = crop_window(box, pad)
    return np.stack([crop(previous_rgb, window), crop(current_rgb, window)])


def encode(box: Box, window: Box) -> np.ndarray:
    """An image box as the network's target in the window's crop: x1, y1, x2, y2 scaled to
    0..10 over the window (the inverse of decode)."""
    x1, y1, x2, y2 = box.xyxy()
    scale = np.array([window.w, window.h, window.w, window.h])
    return (np.array([x1 - window.x, y1 - window.y, x2 - window.x, y2 - window.y]) / scale
            * 10.0).astype(np.float32)


def decode(output: np.ndarray, window: Box) -> Box:
    """Network output (x1, y1, x2, y2 in the crop, scaled to 0..10) to an image box."""
    x1, y1, x2, y2 = (output / 10.0) * np.array([window.w, window.h, window.w, window.h])
    x1, x2 = sorted((x1 + window.x, x2 + window.x))
    y1, y2 = sorted((y1 + window.y, y2 + window.y))
    return Box.from_xyxy(float(x1), float(y1), float(x2), float(y2))


def clamp_box(box: Box, width: int, height: int) -> Box:
    """Keep a box inside the image with at least one pixel per side."""
    x1, y1, x2, y2 = box.xyxy()
    x1, x2 = min(max(x1, 0.0), width - 1.0), min(max(x2, 0.0), float(width))
    y1, y2 = min(max(y1, 0.0), height - 1.0), min(max(y2, 0.0), float(height))
    return Box.from_xyxy(x1, y1, max(x2, x1 + 1.0), max(y2, y1 + 1.0))


class Re3Tracker(Tracker):
    """Re3 inference (official procedure) for any variant of the family.

    Args:
        net: a Re3Net with its weights; put in eval mode here.
        params: tracking parameters.
        device: where the network runs.
        half: float16 autocast on CUDA (ignored on the CPU).
    """

    def __init__(self, net: Re3Net, params: Re3Params, device: torch.device,
                 half: bool = False) -> None:
        self.params = params
        self.device = str(device)
        self._device = device
        self._half = half and device.type == 'cuda'
        self.net = net.to(device).eval()
        for parameter in self.net.parameters():
            parameter.requires_grad_(False)
        self._box: Box | None = None
        self._previous_rgb: np.ndarray | None = None
        self._state: list[LSTMState] | None = None
        self._first_state: list[LSTMState] | None = None
        self._reference: np.ndarray | None = None
        self._steps = 0

    def _step(self, pair_rgb: np.ndarray,
              state: list[LSTMState]) -> tuple[np.ndarray, list[LSTMState]]:
        pair = torch.from_numpy(pair_rgb).to(self._device)
        pair = pair.permute(0, 3, 1, 2).float()[None]  # [1, 2, 3, 227, 227]
        with torch.no_grad(), torch.autocast(self._device.type, dtype=torch.float16,
                                             enabled=self._half):
            output, state = self.net(pair, state)
        return output[0].float().cpu().numpy(), [(c.float(), h.float()) for c, h in state]

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        rgb = np.ascontiguousarray(frame[:, :, ::-1])
        _, state = self._step(crop_pair(rgb, rgb, box, self.params.crop_pad),
                              self.net.zero_state(1, self._device))
        self._first_state = self._state = state
        self._box, self._previous_rgb, self._steps = box, rgb, 1
        self._first_area = max(box.area, 1e-6)
        self._reference = grey_patch(frame, box, self.params.appearance_size)

    def track(self, frame: np.ndarray) -> TrackResult:
        if self._box is None:
            raise RuntimeError('track() called before initialize()')
        timer = StageTimer(self._device)
        rgb = np.ascontiguousarray(frame[:, :, ::-1])
        output, self._state = self._step(
            crop_pair(self._previous_rgb, rgb, self._box, self.params.crop_pad), self._state)
        height, width = frame.shape[:2]
        box = clamp_box(decode(output, crop_window(self._box, self.params.crop_pad)), width,
                        height)
        timer.lap('network')
        if self._steps % self.params.max_track_length == 0:
            # As officially, after every max_track_length-th tracked frame: restart from the
            # first frame's state, primed with the new box, so the LSTM never runs longer than
            # the sequences it was trained on.
            _, self._state = self._step(crop_pair(rgb, rgb, box, self.params.crop_pad),
                                        self._first_state)
            timer.lap('reset')
        self._steps += 1
        confidence = self._confidence(frame, box)
        timer.lap('confidence')
        self._box, self._previous_rgb = box, rgb
        return TrackResult(box, confidence, confidence >= self.params.min_confidence,
                           timer.stages)

    def _confidence(self, frame: np.ndarray, box: Box) -> float:
        """Appearance agreement with the first frame, lowered for implausible sizes."""
        similarity = agreement(grey_patch(frame, box, self.params.appearance_size),
                               self._reference)
        area = max(box.area, 1e-6)
        step = _symmetric_ratio(area / max(self._box.area, 1e-6))
        drift = _symmetric_ratio(area / self._first_area)
        return (similarity * min(1.0, self.params.max_area_change / step)
                * min(1.0, self.params.max_size_change ** 2 / drift))


def _symmetric_ratio(ratio: float) -> float:
    """How far a ratio is from 1, either way (2 for both 2 and 0.5)."""
    return max(ratio, 1.0 / ratio)
