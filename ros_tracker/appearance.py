"""Appearance agreement with a reference patch: a confidence for trackers without one."""

from __future__ import annotations

import cv2
import numpy as np

from ros_tracker.boxes import Box


def grey_patch(frame: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box's content as a size x size float32 grey patch; outside the image counts as black."""
    x1, y1, x2, y2 = box.xyxy()
    scale_x = size / max(x2 - x1, 1e-6)
    scale_y = size / max(y2 - y1, 1e-6)
    # Affine map from the box to the patch: bilinear resampling that zero-fills outside the frame.
    warp = np.array([[scale_x, 0.0, -x1 * scale_x], [0.0, scale_y, -y1 * scale_y]])
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return cv2.warpAffine(grey, warp, (size, size), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(np.float32)


def agreement(patch: np.ndarray, reference: np.ndarray) -> float:
    """Zero-mean normalized cross-correlation of two patches, clipped to [0, 1].

    Flat patches (no texture to compare) give 0.
    """
    a = patch - patch.mean()
    b = reference - reference.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator < 1e-6:
        return 0.0
    return float(np.clip((a * b).sum() / denominator, 0.0, 1.0))


def check_confidence_settings(appearance_size: int, min_confidence: float) -> None:
    """Raise ValueError unless the patch size and the threshold of an appearance-based
    confidence are usable."""
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f'min_confidence must lie in [0, 1], got {min_confidence}')
    if appearance_size < 4:
        raise ValueError(f'appearance_size must be at least 4, got {appearance_size}')
