"""Parameters of the Re3-family trackers (official inference settings plus the lost signal)."""

from __future__ import annotations

from dataclasses import dataclass

from ros_tracker.appearance import check_confidence_settings


@dataclass(frozen=True)
class Re3Params:
    """Re3 tracking settings.

    Attributes:
        crop_pad: crop window size relative to the previous box (2: twice its width and height).
        max_track_length: steps between resets of the LSTM state to the first frame's state (the
            training unroll horizon).
        appearance_size: side, in pixels, of the grey patches compared with the first frame's.
        max_area_change: per-frame area ratio beyond which a box change counts as implausible.
        max_size_change: side ratio to the first frame's box beyond which the size counts as
            implausible (the box has grown onto other objects or collapsed).
        min_confidence: confidence under which the target counts as not found.
        seed: random seed of the network initialization when no weights are given.
    """

    crop_pad: float = 2.0
    max_track_length: int = 32
    appearance_size: int = 32
    max_area_change: float = 1.5
    max_size_change: float = 4.0
    min_confidence: float = 0.15
    seed: int = 0

    def __post_init__(self) -> None:
        if self.crop_pad <= 0 or self.max_track_length < 1:
            raise ValueError('crop_pad must be positive and max_track_length >= 1')
        if self.max_area_change < 1.0 or self.max_size_change < 1.0:
            raise ValueError('max_area_change and max_size_change must be >= 1')
        check_confidence_settings(self.appearance_size, self.min_confidence)
