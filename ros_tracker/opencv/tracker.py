"""OpenCV's CSRT tracker behind the project's Tracker interface."""

from __future__ import annotations

import cv2
import numpy as np

from ros_tracker.appearance import agreement, grey_patch
from ros_tracker.boxes import Box
from ros_tracker.opencv.params import CsrtParams
from ros_tracker.tracker import Tracker, TrackResult


class CsrtTracker(Tracker):
    """Correlation filter with channel and spatial reliability (Lukezic et al., CVPR 2017).

    OpenCV reports only found / not found, so the confidence is the appearance agreement between
    the current box and the first frame's target; a box that drifted onto background scores low.
    """

    device = 'cpu'

    def __init__(self, params: CsrtParams) -> None:
        self.params = params
        self._tracker: cv2.Tracker | None = None
        self._reference: np.ndarray | None = None
        self._box: Box | None = None

    def _opencv_params(self) -> 'cv2.TrackerCSRT_Params':
        settings = cv2.TrackerCSRT_Params()
        settings.padding = self.params.padding
        settings.template_size = self.params.template_size
        settings.psr_threshold = self.params.psr_threshold
        settings.use_hog = self.params.use_hog
        settings.use_color_names = self.params.use_color_names
        settings.use_segmentation = self.params.use_segmentation
        settings.filter_lr = self.params.filter_lr
        settings.number_of_scales = self.params.number_of_scales
        settings.scale_step = self.params.scale_step
        return settings

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        self._tracker = cv2.TrackerCSRT_create(self._opencv_params())
        rect = (int(round(box.x)), int(round(box.y)),
                max(int(round(box.w)), 1), max(int(round(box.h)), 1))
        self._tracker.init(frame, rect)
        self._reference = grey_patch(frame, box, self.params.appearance_size)
        self._box = box

    def track(self, frame: np.ndarray) -> TrackResult:
        if self._tracker is None or self._box is None:
            raise RuntimeError('track() called before initialize()')
        ok, rect = self._tracker.update(frame)
        if ok:
            self._box = Box(*(float(v) for v in rect))
        confidence = agreement(grey_patch(frame, self._box, self.params.appearance_size),
                               self._reference)
        found = bool(ok) and confidence >= self.params.min_confidence
        return TrackResult(self._box, confidence if ok else 0.0, found)
