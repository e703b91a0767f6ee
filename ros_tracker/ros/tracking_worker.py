"""The tracker node's worker: the one thread that drives the tracking session.

The node's callbacks only hand it messages (the newest frame, the newest init request, the
newest detector output) and flags; the worker decodes, initializes, tracks and publishes, so
no callback ever waits for the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
import threading
import time
from typing import Any, Callable

import numpy as np
from rclpy.publisher import Publisher
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Bool, Header
from vision_msgs.msg import Detection2D, Detection2DArray

from ros_tracker.boxes import Box, InvalidBoxError
from ros_tracker.node_core.detector_init import choose_detection, Selection
from ros_tracker.node_core.frame_buffer import FrameBuffer, LatestSlot
from ros_tracker.node_core.overlay import draw_outcome
from ros_tracker.node_core.session import (FrameOutcome, TargetState, TrackerFailure,
                                           TrackingSession)
from ros_tracker.ros.conversions import (box_from_detection, candidates_from, detection_label,
                                         outcome_to_detections, stamp_to_ns)
from ros_tracker.ros.diagnostics import NodeStats
from ros_tracker.ros.image_conversions import (compressed_to_bgr8, fill_image, image_to_bgr8,
                                               ImageConversionError)
from ros_tracker.ros.node_params import NodeParams
from ros_tracker.ros.rate_limited_log import RateLimitedLog
from ros_tracker.tracker import TrackResult

ImageMsg = Image | CompressedImage
#: What an init request becomes for a frame of a given width and height: (box, id, label), or
#: None when it starts no track.
Pick = Callable[[int, int], 'tuple[Box, str, str] | None']


@dataclass(frozen=True)
class WorkerOutputs:
    """Where the worker's results and messages go.

    Attributes:
        detections / lost / debug_image: the node's publishers.
        info / warn / error: log sinks (warn and error rate-limited per kind).
        now_ns: the node's clock, for the stamp-to-publish latency.
        image_topic: the image topic, named in messages.
    """

    detections: Publisher
    lost: Publisher
    debug_image: Publisher
    info: Callable[[str], None]
    warn: RateLimitedLog
    error: RateLimitedLog
    now_ns: Callable[[], int]
    image_topic: str


class TrackingWorker:
    """Runs the session on the messages handed to it, in its own thread.

    Args:
        session: the tracking session (only this worker touches it).
        buffer: recent frames, for init requests.
        params: the node's current parameters (read before every step).
        stats: the node's counters; every frame taken ends in exactly one of them.
        outputs: publishers and logs.
    """

    def __init__(self, session: TrackingSession, buffer: FrameBuffer[ImageMsg],
                 params: Callable[[], NodeParams], stats: NodeStats,
                 outputs: WorkerOutputs) -> None:
        self.session, self.buffer, self.params, self.stats = session, buffer, params, stats
        self.out = outputs
        self.frames: LatestSlot[ImageMsg] = LatestSlot()
        self.inits: LatestSlot[Detection2D] = LatestSlot()
        self.detector: LatestSlot[Detection2DArray] = LatestSlot()
        self.enabled = True
        self.view = (TargetState.IDLE, '')  # (state, track id), written by the worker only
        self._initializing = False
        self._reset_pending = False
        self._publish_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name='tracker_worker', daemon=True)

    # ---- the node's side: never waits for a step --------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the step in progress (which still publishes). A worker whose thread has
        not started (Ctrl-C during activation) only stops it from ever working."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def wake(self) -> None:
        self._wake.set()

    def request_reset(self) -> bool:
        """Drop the target before the next step (a step in progress is not published);
        publishes lost at once. Returns whether a target was tracked or being initialized."""
        with self._publish_lock:
            had_target = self._initializing or self.view[0] is not TargetState.IDLE
            self._reset_pending = True
            self.out.lost.publish(Bool(data=True))
        self._wake.set()
        return had_target

    def publish_lost(self) -> None:
        with self._publish_lock:
            self.out.lost.publish(Bool(data=True))

    # ---- the worker thread ------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            self._apply_settings()
            init = self.inits.take()
            if init is not None:
                self._guarded(self._handle_init, init)
            detections = self.detector.take()
            if detections is not None and self.session.state is not TargetState.TRACKING:
                self._guarded(self._handle_detections, detections)
            frame_msg = self.frames.take()
            if frame_msg is not None:
                ending = self._guarded(self._handle_frame, frame_msg) if self.enabled else \
                    'skipped'
                self.stats.count(ending or 'rejected')

    def _apply_settings(self) -> None:
        """Pending reset and live parameter changes, applied between two tracker steps."""
        with self._publish_lock:
            if self._reset_pending:
                self._reset_pending = False
                self.session.reset()
        params, session = self.params(), self.session
        session.min_score = params.min_score
        session.default_label = params.class_id
        session.hysteresis.lost_after = params.lost_after_frames
        session.hysteresis.found_after = params.found_after_frames
        self.view = (session.state, session.track_id)

    def _guarded(self, handler: Callable[[Any], str | None], msg: Any) -> str | None:
        """Run one step and return what it returns; any fault drops the target, publishes lost
        and counts as a failure (returning None), so the worker never dies."""
        try:
            return handler(msg)
        except Exception as error:  # an unforeseen fault must not stop tracking for good
            self.stats.count('failures')
            self.session.reset()
            self.view = (TargetState.IDLE, '')
            self.publish_lost()
            self.out.error('fault', f'unexpected error, target dropped: {error!r}')
            return None
        finally:
            self._initializing = False

    def _frame_for(self, stamp_ns: int) -> tuple[int, ImageMsg] | None:
        """The buffered frame an init request refers to: the one nearest its stamp, waiting up
        to init_frame_wait_ms for one still on its way, else the latest (logged)."""
        if stamp_ns == 0:
            return self.buffer.latest()
        params = self.params()
        match = self.buffer.wait_nearest(stamp_ns, int(params.init_stamp_tolerance_ms * 1e6),
                                         params.init_frame_wait_ms * 1e-3)
        if match is not None:
            return match
        latest = self.buffer.latest()
        if latest is not None:
            self.out.warn('init_stamp', f'no buffered frame within '
                                        f'{params.init_stamp_tolerance_ms:g} ms of the init '
                                        f'stamp {stamp_ns * 1e-9:.6f} after waiting '
                                        f'{params.init_frame_wait_ms:g} ms; using the latest '
                                        f'frame ({latest[0] * 1e-9:.6f})')
        return latest

    def _handle_init(self, msg: Detection2D) -> None:
        if not self.enabled:
            self.out.warn('init', 'init box ignored: processing is paused (call ~/enable true)')
            return
        request = (box_from_detection(msg), msg.id, detection_label(msg))
        self._initialize(stamp_to_ns(msg.header.stamp), lambda width, height: request)

    def _handle_detections(self, msg: Detection2DArray) -> None:
        if not self.enabled or not msg.detections:
            return
        params = self.params()
        selection = Selection(params.detector_select, params.detector_class_id,
                              params.detector_id, tuple(params.detector_point),
                              params.detector_min_score)

        def pick(width: int, height: int) -> tuple[Box, str, str] | None:
            chosen = choose_detection(candidates_from(msg), selection, width, height)
            return None if chosen is None else (chosen.box, chosen.detection_id, chosen.class_id)

        self._initialize(stamp_to_ns(msg.header.stamp), pick)

    def _initialize(self, stamp_ns: int, pick: Pick) -> None:
        """Start a track on the frame stamped stamp_ns with what pick chooses for it."""
        self._initializing = True
        entry = self._frame_for(stamp_ns)
        if entry is None:
            self.out.warn('init', f'init box ignored: no image received yet on '
                                  f'{self.out.image_topic}')
            return
        frame_stamp_ns, frame_msg = entry
        try:
            frame = decode(frame_msg)
        except ImageConversionError as error:
            self.out.warn('init', f'init box ignored: its frame cannot be decoded: {error}')
            return
        request = pick(frame.shape[1], frame.shape[0])
        if request is None:
            return
        box, track_id, label = request
        try:
            used = self.session.initialize(frame, box, frame_stamp_ns, track_id, label)
        except InvalidBoxError as error:
            kept = 'target kept' if self.session.state is not TargetState.IDLE else 'no target'
            self.out.warn('init', f'init box rejected: {error}; {kept}')
            return
        except TrackerFailure as error:
            self.stats.count('failures')
            self.out.error('failure', f'{error}; target dropped')
            self.publish_lost()
            return
        outcome = FrameOutcome(frame_stamp_ns, TargetState.TRACKING, self.session.track_id,
                               self.session.label, TrackResult(used, 1.0, True))
        if self._publish(frame_msg.header, outcome, frame):
            self.out.info(f'initialized {outcome.track_id} ({outcome.label}) at x={used.x:.1f} '
                          f'y={used.y:.1f} w={used.w:.1f} h={used.h:.1f} on the frame stamped '
                          f'{frame_stamp_ns * 1e-9:.6f}')

    def _handle_frame(self, msg: ImageMsg) -> str:
        """Track on one frame; returns the counter it ends in."""
        started = time.perf_counter()
        try:
            frame = decode(msg)
        except ImageConversionError as error:
            self.out.warn(f'image_{error.reason}', f'image dropped: {error}')
            return 'rejected'
        outcome = self.session.process(frame, stamp_to_ns(msg.header.stamp))
        if outcome is None:  # the frame an init box was just drawn on (or a repeated stamp)
            return 'used_for_init'
        if outcome.tracker_failed:
            self.stats.count('failures')
            self.out.error('failure', outcome.warning)
        elif outcome.warning:
            self.out.warn('frame', outcome.warning)
        if outcome.result is not None:
            self.stats.last_score = outcome.result.confidence
        if not self._publish(msg.header, outcome, frame):
            return 'dropped'  # a reset came in while the tracker worked
        latency_ms = (self.out.now_ns() - outcome.stamp_ns) * 1e-6
        self.stats.record((time.perf_counter() - started) * 1e3, latency_ms)
        return 'processed'

    def _publish(self, header: Header, outcome: FrameOutcome, frame: np.ndarray) -> bool:
        """Publish a step's outcome unless a reset came in meanwhile (then it is dropped and
        the reset applied); returns whether it was published."""
        overlay = None
        if self.params().debug_image and self.out.debug_image.get_subscription_count() > 0:
            overlay = fill_image(Image(header=header),
                                 draw_outcome(frame, outcome, self.stats.rate_hz()))
        with self._publish_lock:
            if self._reset_pending:
                self._reset_pending = False
                self.session.reset()
                self.view = (TargetState.IDLE, '')
                return False
            self.view = (outcome.state, outcome.track_id)
            self.out.detections.publish(outcome_to_detections(header, outcome))
            self.out.lost.publish(Bool(data=outcome.lost))
            if overlay is not None:
                self.out.debug_image.publish(overlay)
        return True


def decode(msg: ImageMsg) -> np.ndarray:
    """A raw or compressed image message as a BGR frame."""
    if isinstance(msg, CompressedImage):
        return compressed_to_bgr8(msg)
    return image_to_bgr8(msg)
