"""OpenCV's trackers behind the project's Tracker interface."""

from __future__ import annotations

import abc
from pathlib import Path

import cv2
import numpy as np

from ros_tracker.appearance import agreement, grey_patch
from ros_tracker.boxes import Box
from ros_tracker.opencv.params import CsrtParams, KcfParams, NanoParams
from ros_tracker.tracker import Tracker, TrackResult


def _rect(box: Box) -> tuple[int, int, int, int]:
    return (int(round(box.x)), int(round(box.y)),
            max(int(round(box.w)), 1), max(int(round(box.h)), 1))


class OpenCvTracker(Tracker):
    """Common driver of an OpenCV tracker: create on every initialization, update per frame."""

    device = 'cpu'

    def __init__(self) -> None:
        self._tracker: cv2.Tracker | None = None
        self._box: Box | None = None

    @abc.abstractmethod
    def _create(self) -> cv2.Tracker:
        """A fresh OpenCV tracker."""

    @abc.abstractmethod
    def _confidence(self, frame: np.ndarray, box: Box) -> float:
        """Confidence in [0, 1] of the box OpenCV reported."""

    def _start(self, frame: np.ndarray, box: Box) -> None:
        """Remember what the confidence compares against (nothing by default)."""

    def initialize(self, frame: np.ndarray, box: Box) -> None:
        self._tracker = self._create()
        self._tracker.init(frame, _rect(box))
        self._box = box
        self._start(frame, box)

    def track(self, frame: np.ndarray) -> TrackResult:
        if self._tracker is None or self._box is None:
            raise RuntimeError('track() called before initialize()')
        ok, rect = self._tracker.update(frame)
        if ok:
            self._box = Box(*(float(v) for v in rect))
        confidence = self._confidence(frame, self._box) if ok else 0.0
        return TrackResult(self._box, confidence, bool(ok) and confidence >= self.min_confidence)


class AppearanceCheckedTracker(OpenCvTracker):
    """An OpenCV tracker that reports only found / not found; its confidence is the appearance
    agreement between the current box and the first frame's target, so a box that drifted onto
    background scores low."""

    def __init__(self, appearance_size: int, min_confidence: float) -> None:
        super().__init__()
        self.appearance_size = appearance_size
        self.min_confidence = min_confidence
        self._reference: np.ndarray | None = None

    def _start(self, frame: np.ndarray, box: Box) -> None:
        self._reference = grey_patch(frame, box, self.appearance_size)

    def _confidence(self, frame: np.ndarray, box: Box) -> float:
        return agreement(grey_patch(frame, box, self.appearance_size), self._reference)


class CsrtTracker(AppearanceCheckedTracker):
    """Correlation filter with channel and spatial reliability (Lukezic et al., CVPR 2017)."""

    def __init__(self, params: CsrtParams) -> None:
        super().__init__(params.appearance_size, params.min_confidence)
        self.params = params

    def _create(self) -> cv2.Tracker:
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
        return cv2.TrackerCSRT_create(settings)


class KcfTracker(AppearanceCheckedTracker):
    """Kernelized correlation filter (Henriques et al., TPAMI 2015)."""

    def __init__(self, params: KcfParams) -> None:
        super().__init__(params.appearance_size, params.min_confidence)
        self.params = params

    def _create(self) -> cv2.Tracker:
        settings = cv2.TrackerKCF_Params()
        settings.detect_thresh = self.params.detect_thresh
        settings.interp_factor = self.params.interp_factor
        settings.sigma = self.params.sigma
        settings.output_sigma_factor = self.params.output_sigma_factor
        return cv2.TrackerKCF_create(settings)


class NanoTracker(OpenCvTracker):
    """NanoTrack v2 through OpenCV's TrackerNano; its own tracking score is the confidence."""

    def __init__(self, params: NanoParams) -> None:
        super().__init__()
        for name in ('backbone', 'neckhead'):
            path = getattr(params, name)
            if not path or not Path(path).is_file():
                raise ValueError(f"nano needs the {name} ONNX model: parameter 'nano.{name}' is "
                                 f'{path!r}, which is not a file')
        self.params = params
        self.min_confidence = params.min_confidence

    def _create(self) -> cv2.Tracker:
        settings = cv2.TrackerNano_Params()
        settings.backbone = self.params.backbone
        settings.neckhead = self.params.neckhead
        return cv2.TrackerNano_create(settings)

    def _confidence(self, frame: np.ndarray, box: Box) -> float:
        return float(np.clip(self._tracker.getTrackingScore(), 0.0, 1.0))
