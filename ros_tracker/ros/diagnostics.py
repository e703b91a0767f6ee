"""Counters and timings of the tracker node, and their /diagnostics message."""

from __future__ import annotations

from collections import deque
import statistics
import threading
import time

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue


class NodeStats:
    """Frame counters and recent timings, shared by the callbacks and the worker thread.

    Every received frame ends in exactly one counter: received = processed + dropped +
    rejected + skipped + used_for_init.
    """

    def __init__(self, window: int = 100) -> None:
        self.received = 0
        self.processed = 0
        self.dropped = 0
        self.rejected = 0
        self.skipped = 0
        self.used_for_init = 0
        self.failures = 0
        self.last_score = float('nan')
        self._processing_ms: deque[float] = deque(maxlen=window)
        self._latency_ms: deque[float] = deque(maxlen=window)
        self._done_at: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()

    def count(self, counter: str) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def record(self, processing_ms: float, latency_ms: float) -> None:
        """One processed frame's processing time and image-stamp-to-publish latency."""
        with self._lock:
            self._processing_ms.append(processing_ms)
            self._latency_ms.append(latency_ms)
            self._done_at.append(time.monotonic())

    def rate_hz(self) -> float:
        """Processed frames per second over the recent window (0 with fewer than two frames)."""
        with self._lock:
            if len(self._done_at) < 2 or self._done_at[-1] <= self._done_at[0]:
                return 0.0
            return (len(self._done_at) - 1) / (self._done_at[-1] - self._done_at[0])

    def medians(self) -> tuple[float, float]:
        """Median processing time and latency in ms over the recent window (nan when empty)."""
        with self._lock:
            processing = statistics.median(self._processing_ms) if self._processing_ms else None
            latency = statistics.median(self._latency_ms) if self._latency_ms else None
        return (float('nan') if processing is None else processing,
                float('nan') if latency is None else latency)


def status_message(name: str, stats: NodeStats, state: str, device: str, tracker: str,
                   enabled: bool, track_id: str, recent_failures: int, frame_id: str = '',
                   stale_s: float = 0.0) -> DiagnosticStatus:
    """The node's DiagnosticStatus: ERROR when the tracker failed since the last status, WARN
    while the target is lost or no image came for stale_s seconds, OK otherwise."""
    processing_ms, latency_ms = stats.medians()
    if recent_failures:
        level = DiagnosticStatus.ERROR
        summary = f'{state}; tracker failed {recent_failures} time(s)'
    elif stale_s:
        level, summary = DiagnosticStatus.WARN, f'{state}; no image for {stale_s:.1f} s'
    elif state == 'lost':
        level, summary = DiagnosticStatus.WARN, 'target lost'
    else:
        level, summary = DiagnosticStatus.OK, state if enabled else f'{state} (disabled)'
    values = {
        'tracker': tracker, 'device': device, 'state': state, 'enabled': str(enabled).lower(),
        'track_id': track_id, 'rate_hz': f'{stats.rate_hz():.2f}',
        'processing_ms_median': f'{processing_ms:.2f}', 'latency_ms_median': f'{latency_ms:.2f}',
        'frames_received': str(stats.received), 'frames_processed': str(stats.processed),
        'frames_dropped': str(stats.dropped), 'frames_rejected': str(stats.rejected),
        'frames_skipped': str(stats.skipped), 'frames_used_for_init': str(stats.used_for_init),
        'tracker_failures': str(stats.failures),
        'last_score': f'{stats.last_score:.3f}', 'seconds_without_image': f'{stale_s:.1f}',
    }
    camera = f'camera frame {frame_id!r}' if frame_id else 'no camera frame yet'
    return DiagnosticStatus(level=level, name=name, message=summary,
                            hardware_id=f'{camera} on {device}',
                            values=[KeyValue(key=k, value=v) for k, v in values.items()])
