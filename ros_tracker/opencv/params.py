"""Parameters of the OpenCV CSRT tracker."""

from __future__ import annotations

from dataclasses import dataclass

from ros_tracker.appearance import check_confidence_settings


@dataclass(frozen=True)
class CsrtParams:
    """CSRT settings (OpenCV's defaults) plus the appearance check that gives it a confidence.

    Attributes:
        padding: search area relative to the target size.
        template_size: side of the square the search area is resized to, in pixels.
        psr_threshold: peak-to-sidelobe ratio under which OpenCV reports the target as not found.
        use_hog: use HOG features.
        use_color_names: use colour-names features.
        use_segmentation: use the colour-histogram spatial reliability map.
        filter_lr: learning rate of the correlation filter.
        number_of_scales: scales tried per frame.
        scale_step: ratio between consecutive scales.
        appearance_size: side, in pixels, of the grey patches compared with the first frame's.
        min_confidence: appearance agreement (normalized cross-correlation of the current box
            with the initial target, clipped to [0, 1]) under which the target counts as not
            found even when OpenCV reports it.
        confidence_model / min_probability: the calibrated confidence
            (ros_tracker.confidence): the logistic model's bias and one weight per signal,
            fitted on the train split by ros-tracker fit-confidence, and the probability
            under which the target counts as not found.
    """

    padding: float = 3.0
    template_size: float = 200.0
    psr_threshold: float = 0.035
    use_hog: bool = True
    use_color_names: bool = True
    use_segmentation: bool = True
    filter_lr: float = 0.02
    number_of_scales: int = 33
    scale_step: float = 1.02
    appearance_size: int = 32
    min_confidence: float = 0.1
    confidence_model: tuple = (-2.3483, 3.2474, 2.0363, 0.4697, 0.2846, 0.6307, -0.9385)
    min_probability: float = 0.57

    def __post_init__(self) -> None:
        if self.padding <= 0.0 or self.template_size <= 0.0:
            raise ValueError('padding and template_size must be positive')
        check_confidence_settings(self.appearance_size, self.min_confidence)
        if self.number_of_scales < 1 or self.scale_step <= 1.0:
            raise ValueError('number_of_scales must be >= 1 and scale_step > 1')


@dataclass(frozen=True)
class KcfParams:
    """KCF settings (OpenCV's defaults) plus the appearance check that gives it a confidence.

    Attributes:
        detect_thresh: correlation peak under which OpenCV reports the target as not found.
        interp_factor: model learning rate.
        sigma: Gaussian kernel bandwidth.
        output_sigma_factor: label width relative to the target size.
        appearance_size / min_confidence / confidence_model / min_probability: as for CSRT.
    """

    detect_thresh: float = 0.5
    interp_factor: float = 0.075
    sigma: float = 0.2
    output_sigma_factor: float = 1.0 / 16.0
    appearance_size: int = 32
    min_confidence: float = 0.1
    confidence_model: tuple = (-2.3434, 1.3046, 3.6013, 3.061, 0.9544, 0.0321, 0.7723)
    min_probability: float = 0.491

    def __post_init__(self) -> None:
        check_confidence_settings(self.appearance_size, self.min_confidence)


@dataclass(frozen=True)
class NanoParams:
    """OpenCV's TrackerNano (NanoTrack v2, ONNX models given by path).

    Attributes:
        backbone: path of nanotrack_v2_backbone.onnx.
        neckhead: path of nanotrack_v2_head.onnx.
        min_confidence: tracking score under which the target counts as not found.
        confidence_model / min_probability: as for CSRT.
    """

    backbone: str = ''
    neckhead: str = ''
    min_confidence: float = 0.5
    confidence_model: tuple = (-5.3697, 5.0586, 0.3413, 3.2244, 0.977, -0.1152, -1.1458)
    min_probability: float = 0.69

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f'min_confidence must lie in [0, 1], got {self.min_confidence}')
