"""ATOM's tracking parameters, defaulting to the official `atom/default` parameter set."""

from __future__ import annotations

from dataclasses import dataclass

from ros_tracker.atom.scale_filter import ScaleFilterParams

#: 'auto' stands for the mode the weights file is made for (its metadata; see checkpoint.py).
MODES = ('auto', 'full', 'multi_scale', 'no_classifier', 'scale_filter')
AUTOCAST = ('auto', 'none', 'float16', 'bfloat16')


@dataclass(frozen=True)
class AtomParams:
    """Every setting of the ATOM tracker (official defaults; ATOM paper Sec. 4).

    Attributes:
        mode: 'full' (the paper's ATOM), or the Table 2 ablations 'multi_scale' (classifier
            only, scale_factors searched, no IoU-Net) and 'no_classifier' (IoU-Net only, search
            area no_classifier_search_scale); 'scale_filter': the classifier localizes, a DSST
            scale filter (scale_filter.py) sizes the box, no IoU-Net; 'auto' (the default) is
            the mode the weights file is made for: the one its metadata records, 'full' for
            a file without one and for random weights.
        image_sample_size: side of the square patch the network sees, in pixels.
        search_area_scale: patch side relative to sqrt(target area).
        init_gauss_newton_iter: Gauss-Newton steps of the first-frame optimization.
        init_cg_iter: conjugate-gradient iterations over all first-frame Gauss-Newton steps.
        cg_iter: conjugate-gradient iterations of each later filter update.
        learning_rate: weight of a new training sample.
        init_samples_minimum_weight: smallest total weight kept by the first-frame samples.
        output_sigma_factor: Gaussian label width relative to the target size.
        sample_memory_size: training samples kept.
        train_skipping: frames between regular filter updates.
        kernel_size: spatial size of the classification filter.
        compressed_dim: channels after the 1x1 projection.
        filter_reg: regularization weight of the filter.
        projection_reg: regularization weight of the projection.
        response_activation_scale: the 'mlu' output activation's negative saturation.
        augmentation_expansion_factor: first-frame crop size for augmentation, relative.
        random_shift_factor: random shift of augmented samples, relative to the patch.
        augment_fliplr / augment_blur / augment_rotate / augment_relative_shift /
        augment_dropout_count / augment_dropout_probability: first-frame augmentations; blur
            sigmas and shifts are flat (y, x) pairs, so that they fit ROS array parameters.
        target_not_found_threshold: classification peak under which the target is not found.
        distractor_threshold: second-peak ratio that signals a distractor.
        hard_negative_threshold: second-peak ratio that signals a hard negative.
        target_neighborhood_scale: size of the peak neighbourhood cleared before the second peak.
        displacement_scale: distance (relative to half the patch) separating near and far peaks.
        hard_negative_learning_rate: sample weight of hard-negative frames.
        hard_negative_cg_iter: conjugate-gradient iterations after a hard negative.
        update_scale_when_uncertain: let the IoU-Net change the size on uncertain frames.
        iounet_k: boxes averaged after refinement.
        num_init_random_boxes: random boxes added to the classifier's box.
        box_jitter_pos / box_jitter_sz: their position / size jitter, relative to sqrt(area).
        maximal_aspect_ratio: refined boxes with a larger aspect ratio are dropped.
        box_refinement_iter / box_refinement_step_length / box_refinement_step_decay:
            gradient-ascent steps on the predicted IoU.
        scale_factors: scales searched in multi_scale mode.
        no_classifier_search_scale: search area of the no_classifier mode.
        scale_filter_scales / scale_filter_step / scale_filter_sigma_factor /
        scale_filter_learning_rate / scale_filter_regularization / scale_filter_model_area:
            the scale_filter mode's filter (ScaleFilterParams; DSST's published values).
        seed: random seed of augmentation and box jitter (runs are deterministic).
        autocast: reduced precision for the backbone and the IoU-Net ('none', 'float16',
            'bfloat16'); the online classifier always runs in float32. 'auto' (the default):
            the backbone, most of the time of a frame, in bfloat16 on CPUs that multiply it in
            hardware, everything else in float32. The node's ``half`` parameter selects
            'float16' on CUDA.
        confidence_model / min_probability: the calibrated confidence
            (ros_tracker.confidence): the logistic model's bias and one weight per signal,
            fitted on the train split by ros-tracker fit-confidence, and the probability
            under which the target counts as not found.
    """

    mode: str = 'auto'
    image_sample_size: int = 288
    search_area_scale: float = 5.0
    init_gauss_newton_iter: int = 6
    init_cg_iter: int = 60
    cg_iter: int = 5
    learning_rate: float = 0.01
    init_samples_minimum_weight: float = 0.25
    output_sigma_factor: float = 0.25
    sample_memory_size: int = 250
    train_skipping: int = 10
    kernel_size: int = 4
    compressed_dim: int = 64
    filter_reg: float = 0.1
    projection_reg: float = 1e-4
    response_activation_scale: float = 0.05
    augmentation_expansion_factor: float = 2.0
    random_shift_factor: float = 1.0 / 3.0
    augment_fliplr: bool = True
    augment_blur: tuple = (2.0, 0.2, 0.2, 2.0, 3.0, 1.0, 1.0, 3.0, 2.0, 2.0)
    augment_rotate: tuple = (5, -5, 10, -10, 20, -20, 30, -30, 45, -45, -60, 60)
    augment_relative_shift: tuple = (0.6, 0.6, -0.6, 0.6, 0.6, -0.6, -0.6, -0.6)
    augment_dropout_count: int = 7
    augment_dropout_probability: float = 0.2
    target_not_found_threshold: float = 0.25
    distractor_threshold: float = 0.8
    hard_negative_threshold: float = 0.5
    target_neighborhood_scale: float = 2.2
    displacement_scale: float = 0.8
    hard_negative_learning_rate: float = 0.02
    hard_negative_cg_iter: int = 5
    update_scale_when_uncertain: bool = True
    iounet_k: int = 3
    num_init_random_boxes: int = 9
    box_jitter_pos: float = 0.1
    box_jitter_sz: float = 0.5
    maximal_aspect_ratio: float = 6.0
    box_refinement_iter: int = 5
    box_refinement_step_length: float = 1.0
    box_refinement_step_decay: float = 1.0
    scale_factors: tuple = (1.02 ** -2, 1.02 ** -1, 1.0, 1.02, 1.02 ** 2)
    no_classifier_search_scale: float = 8.0
    scale_filter_scales: int = 33
    scale_filter_step: float = 1.02
    scale_filter_sigma_factor: float = 0.25
    scale_filter_learning_rate: float = 0.025
    scale_filter_regularization: float = 0.01
    scale_filter_model_area: int = 512
    seed: int = 0
    autocast: str = 'auto'
    confidence_model: tuple = (-2.4436, 3.6494, 2.5718, 2.88, -1.2648, 0.1807, -1.6592, -0.9217,
                               -0.4275)
    min_probability: float = 0.63

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f'mode must be one of {list(MODES)}, got {self.mode!r}')
        if self.autocast not in AUTOCAST:
            raise ValueError(f'autocast must be one of {list(AUTOCAST)}, got {self.autocast!r}')
        if self.image_sample_size % 16 != 0:
            raise ValueError(f'image_sample_size must be a multiple of 16, got '
                             f'{self.image_sample_size}')
        positive = ('search_area_scale', 'learning_rate', 'filter_reg', 'projection_reg',
                    'sample_memory_size', 'kernel_size', 'compressed_dim', 'iounet_k')
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f'{name} must be positive, got {getattr(self, name)}')
        for name in ('augment_blur', 'augment_relative_shift'):
            if len(getattr(self, name)) % 2:
                raise ValueError(f'{name} must hold (y, x) pairs, got {getattr(self, name)}')
        if self.sample_memory_size <= self.initial_sample_count:
            raise ValueError(f'sample_memory_size must exceed the {self.initial_sample_count} '
                             'first-frame samples')
        self.scale_filter  # its own checks

    @property
    def scale_filter(self) -> ScaleFilterParams:
        """The scale_filter mode's filter settings."""
        return ScaleFilterParams(self.scale_filter_scales, self.scale_filter_step,
                                 self.scale_filter_sigma_factor, self.scale_filter_learning_rate,
                                 self.scale_filter_regularization, self.scale_filter_model_area)

    @property
    def initial_sample_count(self) -> int:
        """First-frame samples: identity, shifts, flip, blurs, rotations and dropout copies."""
        return (1 + len(self.relative_shifts) + int(self.augment_fliplr) + len(self.blur_sigmas)
                + len(self.augment_rotate) + self.augment_dropout_count)

    @property
    def blur_sigmas(self) -> list[tuple[float, float]]:
        return _pairs(self.augment_blur)

    @property
    def relative_shifts(self) -> list[tuple[float, float]]:
        return _pairs(self.augment_relative_shift)


def _pairs(values: tuple) -> list[tuple[float, float]]:
    return [(float(values[i]), float(values[i + 1])) for i in range(0, len(values), 2)]
