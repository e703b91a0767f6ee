"""The annotated picture of what the tracker sees: box, state, score and speed."""

from __future__ import annotations

import cv2
import numpy as np

from ros_tracker.node_core.session import FrameOutcome, TargetState

#: BGR colour per state: green while tracking, orange for the last box of a lost target.
COLOURS = {TargetState.TRACKING: (60, 200, 60), TargetState.LOST: (0, 140, 255),
           TargetState.IDLE: (200, 200, 200)}


def draw_outcome(frame: np.ndarray, outcome: FrameOutcome,
                 rate_hz: float | None = None) -> np.ndarray:
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


def contact_sheet(video_path: str, count: int = 6, columns: int = 3,
                  width: int = 360) -> np.ndarray | None:
    """count evenly spaced frames of a video, each scaled to width, in a grid (None if empty)."""
    capture = cv2.VideoCapture(video_path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    if not frames:
        return None
    picks = [frames[int(i)] for i in np.linspace(0, len(frames) - 1, count)]
    height = int(round(picks[0].shape[0] * width / picks[0].shape[1]))
    tiles = [cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA) for frame in picks]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    return np.vstack(rows)
