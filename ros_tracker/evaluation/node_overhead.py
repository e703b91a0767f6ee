"""What the ROS node adds on top of the bare tracker: the figures of `ros-tracker bench-node`
computed from the publish and arrival times it logged (no ROS needed here)."""

from __future__ import annotations

from dataclasses import dataclass, field
import statistics
from typing import Any

import numpy as np


@dataclass
class Playback:
    """One pass of frames through the node.

    Attributes:
        camera: how frames were sent: a rate such as '30 Hz', or 'full speed'.
        rate_hz: the camera rate; None at full speed.
        sent_ns: publish time of every frame sent, by its header stamp (ns).
        arrived_ns: arrival time of the node's detections message, by the stamp it carries.
    """

    camera: str
    rate_hz: float | None
    sent_ns: dict[int, int] = field(default_factory=dict)
    arrived_ns: dict[int, int] = field(default_factory=dict)


def summarize(playback: Playback, bare_frame_ms: list[float]) -> dict[str, Any]:
    """Processed and dropped frames, latency and throughput against the bare tracker.

    Latency runs from a frame's stamp to its detections' arrival. The added latency is the
    median latency minus the bare tracker's median time per frame. Throughput is the node's
    processed frames per second over the pass, relative to what the bare tracker could do on
    the same frames at this camera rate (the smaller of its fps and the rate).
    """
    answered = [stamp for stamp in playback.sent_ns if stamp in playback.arrived_ns]
    latencies = [(playback.arrived_ns[s] - s) * 1e-6 for s in answered]
    bare_fps = 1e3 * len(bare_frame_ms) / sum(bare_frame_ms) if bare_frame_ms else float('nan')
    bare_median = statistics.median(bare_frame_ms) if bare_frame_ms else float('nan')
    if answered:
        duration_s = (max(playback.arrived_ns[s] for s in answered)
                      - min(playback.sent_ns.values())) * 1e-9
        fps = len(answered) / duration_s if duration_s > 0 else float('nan')
        median = statistics.median(latencies)
        p90 = float(np.percentile(latencies, 90))
    else:
        fps = median = p90 = float('nan')
    possible = bare_fps if playback.rate_hz is None else min(bare_fps, playback.rate_hz)
    return {'camera': playback.camera, 'rate_hz': playback.rate_hz,
            'sent': len(playback.sent_ns), 'processed': len(answered),
            'dropped': len(playback.sent_ns) - len(answered),
            'latency_median_ms': median, 'latency_p90_ms': p90,
            'added_latency_ms': median - bare_median, 'fps': fps,
            'throughput_ratio': fps / possible}
