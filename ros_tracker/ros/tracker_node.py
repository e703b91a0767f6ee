"""The tracker node: images and init boxes in, vision_msgs detections and a lost flag out."""

from __future__ import annotations

from dataclasses import asdict
import sys
import threading
import time
from typing import Any, Callable

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rcl_interfaces.msg import SetParametersResult
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Bool, Header
from std_srvs.srv import SetBool, Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from ros_tracker.boxes import Box, InvalidBoxError
from ros_tracker.detector_init import choose_detection, Selection
from ros_tracker.frame_buffer import FrameBuffer, LatestSlot
from ros_tracker.overlay import draw_outcome
from ros_tracker.params import params_to_dict
from ros_tracker.registry import build_tracker, BuildOptions, spec, weights_label
from ros_tracker.ros.conversions import (box_from_detection, candidates_from, detection_label,
                                         outcome_to_detections, stamp_to_ns)
from ros_tracker.ros.diagnostics import NodeStats, status_message
from ros_tracker.ros.image_conversions import (check_image, compressed_to_bgr8, fill_image,
                                               image_to_bgr8, ImageConversionError, ImageLimits)
from ros_tracker.ros.node_main import run_node
from ros_tracker.ros.node_params import (descriptor, node_params_from, NodeParams,
                                         parameter_names, RULES, tracker_descriptor,
                                         validation_error)
from ros_tracker.ros.rate_limited_log import RateLimitedLog
from ros_tracker.session import FrameOutcome, TargetState, TrackerFailure, TrackingSession
from ros_tracker.tracker import TrackResult, warm_up

ImageMsg = Image | CompressedImage


class TrackerNode(LifecycleNode):
    """A managed node that runs one tracker on the newest camera frame, in a worker thread.

    configure loads and warms up the tracker; activate subscribes and starts the worker;
    deactivate stops it and drops the target; cleanup unloads the tracker. Callbacks never wait
    for the tracker: they store messages (the newest frame, a ring buffer of recent frames for
    init boxes, the newest init request) or flags, and the worker, which alone drives the
    tracking session, picks them up.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('tracker', **kwargs)
        self.params = self._declare_parameters()
        self._warn = RateLimitedLog(self.get_logger().warning, self.params.warning_period_s)
        self._error = RateLimitedLog(self.get_logger().error, self.params.warning_period_s)
        self._stats = NodeStats()
        self._failures_reported = 0
        self._session: TrackingSession | None = None
        self._active = False
        self._enabled = True
        self._view = (TargetState.IDLE, '')  # (state, track id), written by the worker only
        self._initializing = False
        self._reset_pending = False
        self._stale = False
        self._last_image_at: float | None = None
        self._frame_id = ''
        self._publish_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._buffer: FrameBuffer[ImageMsg] = FrameBuffer(
            self.params.frame_buffer_size, int(self.params.frame_buffer_mb * 2 ** 20))
        self._limits = ImageLimits(self.params.max_image_pixels,
                                   int(self.params.max_image_mb * 2 ** 20))
        self._frame_slot: LatestSlot[ImageMsg] = LatestSlot()
        self._init_slot: LatestSlot[Detection2D] = LatestSlot()
        self._detections_slot: LatestSlot[Detection2DArray] = LatestSlot()
        self._subscriptions_of_activation: list[Any] = []
        self._interfaces: list[Any] = []
        self.configure_error = ''
        self.finalized = False
        self.add_on_set_parameters_callback(self._on_set_parameters)
        if self.params.autostart:
            self._autostart_timer = self.create_timer(0.0, self._autostart)

    # ---- parameters -----------------------------------------------------------------------

    def _declare_parameters(self) -> NodeParams:
        """Declare the node's and the chosen tracker's typed parameters; raise ValueError
        naming the parameter on a bad value or type."""
        values = {name: self._declare(name, getattr(NodeParams(), name), descriptor(name))
                  for name in parameter_names()}
        params = node_params_from(values)
        self._tracker_config = {
            key: self._declare(f'{params.tracker}.{key}', default,
                               tracker_descriptor(params.tracker, key, default))
            for key, default in params_to_dict(spec(params.tracker).params_type()).items()}
        return params

    def _declare(self, name: str, default: Any, parameter_descriptor: Any) -> Any:
        try:
            return self.declare_parameter(name, default, parameter_descriptor).value
        except (InvalidParameterTypeException, InvalidParameterValueException) as error:
            accepted = RULES[name].accepted if name in RULES else f'a {type(default).__name__}'
            raise ValueError(f'invalid value for parameter {name!r}: accepted values are '
                             f'{accepted} ({error})') from None

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """Validate live changes (types, ranges and read-only flags are the descriptors'); the
        worker applies the new thresholds before its next step."""
        changes = {p.name: p.value for p in parameters if p.name in RULES}
        for name, value in changes.items():
            error = validation_error(name, value)
            if error:
                return SetParametersResult(successful=False, reason=error)
        self.params = node_params_from({**asdict(self.params), **changes})
        self._wake.set()
        return SetParametersResult(successful=True)

    # ---- lifecycle --------------------------------------------------------------------------

    def _autostart(self) -> None:
        """Drive the node to active; a failed configure ends the process (run_node: status 2)."""
        self._autostart_timer.cancel()
        self.destroy_timer(self._autostart_timer)
        if self.trigger_configure() != TransitionCallbackReturn.SUCCESS:
            raise ValueError(self.configure_error or 'configure failed')
        self.trigger_activate()

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        try:
            self._session = self._load_tracker()
        except Exception as error:  # missing weights, no CUDA, bad tracker parameters, ...
            self.configure_error = f'cannot load the {self.params.tracker} tracker: {error}'
            self.get_logger().error(self.configure_error)
            return TransitionCallbackReturn.FAILURE
        self._detections_pub = self.create_publisher(Detection2DArray, '~/detections', 10)
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self._lost_pub = self.create_publisher(Bool, '~/lost', latched)
        self._debug_pub = self.create_publisher(Image, '~/debug_image', 1)
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._interfaces = [
            self._detections_pub, self._lost_pub, self._debug_pub, self._diagnostics_pub,
            self.create_service(Trigger, '~/reset', self._reset_callback),
            self.create_service(SetBool, '~/enable', self._enable_callback),
            self.create_timer(self.params.diagnostics_period_s, self._diagnostics_callback)]
        self._lost_pub.publish(Bool(data=True))
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        reliability = (ReliabilityPolicy.RELIABLE if self.params.image_reliability == 'reliable'
                       else ReliabilityPolicy.BEST_EFFORT)
        qos = QoSProfile(depth=self.params.image_depth, reliability=reliability)
        if self.params.image_transport == 'compressed':
            self._image_sub = self.create_subscription(CompressedImage, 'image/compressed',
                                                       self._image_callback, qos)
        else:
            self._image_sub = self.create_subscription(Image, 'image', self._image_callback, qos)
        self._subscriptions_of_activation = [
            self._image_sub,
            self.create_subscription(Detection2D, '~/init', self._init_callback, 5),
            self.create_subscription(Detection2DArray, '~/init_detections',
                                     self._detections_callback, 5)]
        self._stop.clear()
        self._active = True
        self._worker = threading.Thread(target=self._work, name='tracker_worker', daemon=True)
        self._worker.start()
        self.get_logger().info(f'active: tracking on {self._image_sub.topic_name}')
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_worker()
        for subscription in self._subscriptions_of_activation:
            self.destroy_subscription(subscription)
        self._subscriptions_of_activation = []
        self._buffer.clear()
        if self._frame_slot.take() is not None:
            self._stats.count('dropped')
        self._session.reset()
        self._view = (TargetState.IDLE, '')
        self._lost_pub.publish(Bool(data=True))
        self._free_gpu_cache()
        self.get_logger().info('inactive: subscriptions closed, target dropped')
        return TransitionCallbackReturn.SUCCESS

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._destroy_interfaces()
        self._session = None
        self._free_gpu_cache()
        self.get_logger().info(f'{self.params.tracker} tracker unloaded')
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_worker()
        self._destroy_interfaces()
        self._session = None
        self.finalized = True  # run_node ends the process
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_worker()
        return TransitionCallbackReturn.SUCCESS

    def stop(self) -> None:
        """Stop the worker (before the node is destroyed); waits for a step in progress."""
        self._stop_worker()

    def _load_tracker(self) -> TrackingSession:
        started = time.perf_counter()
        weights = weights_label(self.params.tracker, self.params.weights)
        self.get_logger().info(f'loading the {self.params.tracker} tracker (weights: {weights}, '
                               f'device: {self.params.device})')
        tracker = build_tracker(self.params.tracker, self._tracker_config, BuildOptions(
            device=self.params.device, weights=self.params.weights, half=self.params.half))
        self.get_logger().info(f'warming up {self.params.tracker} on {tracker.device}')
        warm_up(tracker)
        if self.params.device.startswith('cuda') and tracker.device == 'cpu':
            self.get_logger().warning(f'{self.params.tracker} runs on the CPU only; '
                                      f'device {self.params.device!r} is not used')
        if weights == 'random':
            self.get_logger().warning(
                f'{self.params.tracker} runs with RANDOM (untrained) weights: it will not track; '
                'set the weights parameter to a trained file')
        self.get_logger().info(
            f'{self.params.tracker} tracker (weights: {weights}) loaded and warmed up on '
            f'{tracker.device} in {time.perf_counter() - started:.2f} s')
        return TrackingSession(tracker, self.params.lost_after_frames,
                               self.params.found_after_frames, self.params.min_score,
                               self.params.class_id)

    def _free_gpu_cache(self) -> None:
        """Return the CUDA allocator's unused memory (a deactivated node keeps only its
        weights there; a cleaned-up one nothing)."""
        if self.params.device != 'cpu' and 'torch' in sys.modules:
            import torch
            if torch.cuda.is_available():
                torch.cuda.empty_cache()

    def _destroy_interfaces(self) -> None:
        for entity in self._interfaces:
            destroy = {'Publisher': self.destroy_publisher, 'Service': self.destroy_service,
                       'Timer': self.destroy_timer}[type(entity).__name__]
            destroy(entity)
        self._interfaces = []

    def _stop_worker(self) -> None:
        self._active = False
        if self._worker is not None:
            self._stop.set()
            self._wake.set()
            self._worker.join()
            self._worker = None

    # ---- callbacks: store and wake, never wait for the tracker ------------------------------

    def _image_callback(self, msg: ImageMsg) -> None:
        self._stats.count('received')
        self._last_image_at = time.monotonic()
        self._frame_id = msg.header.frame_id
        if not self._enabled:
            self._stats.count('skipped')
            return
        try:
            check_image(msg, self._limits)
        except ImageConversionError as error:  # never buffered, so never an init frame
            self._stats.count('rejected')
            self._warn(f'image_{error.reason}', f'image dropped: {error}')
            return
        stamp_ns = stamp_to_ns(msg.header.stamp)
        latest = self._buffer.latest()
        if latest is not None and stamp_ns < latest[0]:
            self._buffer.clear()  # a new timeline (bag loop, simulator reset): old frames mislead
        self._buffer.push(stamp_ns, msg, len(msg.data))
        if self._frame_slot.put(msg):
            self._stats.count('dropped')
        self._wake.set()

    def _init_callback(self, msg: Detection2D) -> None:
        self._init_slot.put(msg)
        self._wake.set()

    def _detections_callback(self, msg: Detection2DArray) -> None:
        self._detections_slot.put(msg)
        self._wake.set()

    def _reset_callback(self, request: Trigger.Request,
                        response: Trigger.Response) -> Trigger.Response:
        with self._publish_lock:
            had_target = self._initializing or self._view[0] is not TargetState.IDLE
            self._reset_pending = True
            self._lost_pub.publish(Bool(data=True))
        self._wake.set()
        response.success = True
        response.message = 'target dropped' if had_target else 'no target was tracked'
        self.get_logger().info(f'reset: {response.message}')
        return response

    def _enable_callback(self, request: SetBool.Request,
                         response: SetBool.Response) -> SetBool.Response:
        self._enabled = request.data
        if not self._enabled and self._frame_slot.take() is not None:
            self._stats.count('skipped')
        response.success = True
        response.message = 'processing enabled' if self._enabled else 'processing paused'
        self.get_logger().info(response.message)
        return response

    def _diagnostics_callback(self) -> None:
        state, track_id = self._view
        stale_s = self._stale_for_s(state)
        failures = self._stats.failures
        status = status_message(
            f'{self.get_fully_qualified_name()}: tracking', self._stats, state.value,
            self._session.tracker.device, self.params.tracker, self._enabled and self._active,
            track_id, failures - self._failures_reported, self._frame_id, stale_s)
        self._failures_reported = failures
        self._diagnostics_pub.publish(
            DiagnosticArray(header=Header(stamp=self.get_clock().now().to_msg()),
                            status=[status]))

    def _stale_for_s(self, state: TargetState) -> float:
        """Seconds without images while a target is kept (0 when input is fresh); on the first
        stale check the node logs it and publishes lost, since the target is not being seen."""
        if state is TargetState.IDLE or not self._active or self._last_image_at is None:
            self._stale = False
            return 0.0
        silent_s = time.monotonic() - self._last_image_at
        if silent_s < self.params.stale_input_s:
            self._stale = False
            return 0.0
        if not self._stale:
            self._stale = True
            self.get_logger().warning(f'no image for {silent_s:.1f} s on '
                                      f'{self._image_sub.topic_name}; publishing lost: true '
                                      '(the target is kept for when images resume)')
            with self._publish_lock:
                self._lost_pub.publish(Bool(data=True))
        return silent_s

    # ---- worker: the only thread that drives the session ---------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            self._apply_settings()
            init = self._init_slot.take()
            if init is not None:
                self._guarded(self._handle_init, init)
            detections = self._detections_slot.take()
            if detections is not None and self._session.state is not TargetState.TRACKING:
                self._guarded(self._handle_detections, detections)
            frame_msg = self._frame_slot.take()
            if frame_msg is not None:
                ending = self._guarded(self._handle_frame, frame_msg) if self._enabled else \
                    'skipped'
                self._stats.count(ending or 'rejected')

    def _apply_settings(self) -> None:
        """Pending reset and live parameter changes, applied between two tracker steps."""
        with self._publish_lock:
            if self._reset_pending:
                self._reset_pending = False
                self._session.reset()
        params, session = self.params, self._session
        session.min_score = params.min_score
        session.default_label = params.class_id
        session.hysteresis.lost_after = params.lost_after_frames
        session.hysteresis.found_after = params.found_after_frames
        self._view = (session.state, session.track_id)

    def _guarded(self, handler: Callable[[Any], str | None], msg: Any) -> str | None:
        """Run one step and return what it returns; any fault drops the target, publishes lost
        and counts as a failure (returning None), so the worker never dies."""
        try:
            return handler(msg)
        except Exception as error:  # an unforeseen fault must not stop tracking for good
            self._stats.count('failures')
            self._session.reset()
            self._view = (TargetState.IDLE, '')
            with self._publish_lock:
                self._lost_pub.publish(Bool(data=True))
            self._error('fault', f'unexpected error, target dropped: {error!r}')
            return None
        finally:
            self._initializing = False

    def _decode(self, msg: ImageMsg) -> np.ndarray:
        if isinstance(msg, CompressedImage):
            return compressed_to_bgr8(msg)
        return image_to_bgr8(msg)

    def _frame_for(self, stamp_ns: int) -> tuple[int, ImageMsg] | None:
        """The buffered frame an init request refers to: the one nearest its stamp, waiting up
        to init_frame_wait_ms for one still on its way, else the latest (logged)."""
        if stamp_ns == 0:
            return self._buffer.latest()
        tolerance_ns = int(self.params.init_stamp_tolerance_ms * 1e6)
        match = self._buffer.wait_nearest(stamp_ns, tolerance_ns,
                                          self.params.init_frame_wait_ms * 1e-3)
        if match is not None:
            return match
        latest = self._buffer.latest()
        if latest is not None:
            self._warn('init_stamp', f'no buffered frame within '
                                     f'{self.params.init_stamp_tolerance_ms:g} ms of the init '
                                     f'stamp {stamp_ns * 1e-9:.6f} after waiting '
                                     f'{self.params.init_frame_wait_ms:g} ms; using the latest '
                                     f'frame ({latest[0] * 1e-9:.6f})')
        return latest

    def _handle_init(self, msg: Detection2D) -> None:
        if not self._enabled:
            self._warn('init', 'init box ignored: processing is paused (call ~/enable true)')
            return
        request = (box_from_detection(msg), msg.id, detection_label(msg))
        self._initialize(stamp_to_ns(msg.header.stamp), lambda width, height: request)

    def _handle_detections(self, msg: Detection2DArray) -> None:
        if not self._enabled or not msg.detections:
            return
        params = self.params
        selection = Selection(params.detector_select, params.detector_class_id,
                              params.detector_id, tuple(params.detector_point),
                              params.detector_min_score)

        def pick(width: int, height: int) -> tuple[Box, str, str] | None:
            chosen = choose_detection(candidates_from(msg), selection, width, height)
            return None if chosen is None else (chosen.box, chosen.detection_id, chosen.class_id)

        self._initialize(stamp_to_ns(msg.header.stamp), pick)

    def _initialize(self, stamp_ns: int,
                    pick: Callable[[int, int], tuple[Box, str, str] | None]) -> None:
        """Start a track on the frame stamped stamp_ns with the box, id and label that pick
        chooses for that frame's size (None: no track)."""
        self._initializing = True
        entry = self._frame_for(stamp_ns)
        if entry is None:
            self._warn('init', 'init box ignored: no image received yet on '
                               f'{self._image_sub.topic_name}')
            return
        frame_stamp_ns, frame_msg = entry
        try:
            frame = self._decode(frame_msg)
        except ImageConversionError as error:
            self._warn('init', f'init box ignored: its frame cannot be decoded: {error}')
            return
        request = pick(frame.shape[1], frame.shape[0])
        if request is None:
            return
        box, track_id, label = request
        try:
            used = self._session.initialize(frame, box, frame_stamp_ns, track_id, label)
        except InvalidBoxError as error:
            kept = 'target kept' if self._session.state is not TargetState.IDLE else 'no target'
            self._warn('init', f'init box rejected: {error}; {kept}')
            return
        except TrackerFailure as error:
            self._stats.count('failures')
            self._error('failure', f'{error}; target dropped')
            with self._publish_lock:
                self._lost_pub.publish(Bool(data=True))
            return
        outcome = FrameOutcome(frame_stamp_ns, TargetState.TRACKING, self._session.track_id,
                               self._session.label, TrackResult(used, 1.0, True))
        if self._publish(frame_msg.header, outcome, frame):
            self.get_logger().info(
                f'initialized {outcome.track_id} ({outcome.label}) at x={used.x:.1f} '
                f'y={used.y:.1f} w={used.w:.1f} h={used.h:.1f} on the frame stamped '
                f'{frame_stamp_ns * 1e-9:.6f}')

    def _handle_frame(self, msg: ImageMsg) -> str:
        """Track on one frame; returns the counter it ends in."""
        started = time.perf_counter()
        try:
            frame = self._decode(msg)
        except ImageConversionError as error:
            self._warn(f'image_{error.reason}', f'image dropped: {error}')
            return 'rejected'
        outcome = self._session.process(frame, stamp_to_ns(msg.header.stamp))
        if outcome is None:  # the frame an init box was just drawn on
            return 'used_for_init'
        if outcome.tracker_failed:
            self._stats.count('failures')
        if outcome.warning:
            log = self._error if outcome.tracker_failed else self._warn
            log('failure' if outcome.tracker_failed else 'frame', outcome.warning)
        if outcome.result is not None:
            self._stats.last_score = outcome.result.confidence
        if not self._publish(msg.header, outcome, frame):
            return 'dropped'  # a reset came in while the tracker worked
        latency_ms = (self.get_clock().now().nanoseconds - outcome.stamp_ns) * 1e-6
        self._stats.record((time.perf_counter() - started) * 1e3, latency_ms)
        return 'processed'

    def _publish(self, header: Header, outcome: FrameOutcome, frame: np.ndarray) -> bool:
        """Publish a step's outcome unless a reset came in meanwhile (then it is dropped and
        the reset applied); returns whether it was published."""
        overlay = None
        if self.params.debug_image and self._debug_pub.get_subscription_count() > 0:
            overlay = fill_image(Image(header=header),
                                 draw_outcome(frame, outcome, self._stats.rate_hz()))
        with self._publish_lock:
            if self._reset_pending:
                self._reset_pending = False
                self._session.reset()
                self._view = (TargetState.IDLE, '')
                return False
            self._view = (outcome.state, outcome.track_id)
            self._detections_pub.publish(outcome_to_detections(header, outcome))
            self._lost_pub.publish(Bool(data=outcome.lost))
            if overlay is not None:
                self._debug_pub.publish(overlay)
        return True


def main(args: list[str] | None = None) -> None:
    run_node(TrackerNode, 'tracker', args, done=lambda node: node.finalized,
             cleanup=TrackerNode.stop)


if __name__ == '__main__':
    main()
