"""The annotated picture of what the tracker sees: box, state, score and speed."""

from __future__ import annotations

import cv2
import numpy as np

from ros_tracker.session import FrameOutcome, TargetState

#: BGR colour per state: green while tracking, orange for the last box of a lost target.
COLOURS = {TargetState.TRACKING: (60, 200, 60), TargetState.LOST: (0, 140, 255),
           TargetState.IDLE: (200, 200, 200)}


def draw_outcome(frame: np.ndarray, outcome: FrameOutcome, rate_hz: float | None = None) -> np.ndarray:
    """A copy of frame with the outcome drawn on it."""
    canvas = frame.copy()
    colour = COLOURS[outcome.state]
    text = outcome.state.value.upper()
    if outcome.result is not None:
        x1, y1, x2, y2 = (int(round(v)) for v in outcome.result.box.xyxy())
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 2)
        text += f' {outcome.track_id} {outcome.label} score {outcome.result.confidence:.2f}'
    if rate_hz is not None:
        text += f' | {rate_hz:.1f} Hz'
    cv2.rectangle(canvas, (0, 0), (canvas.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(canvas, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return canvas
