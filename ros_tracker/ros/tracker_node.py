"""The tracker node: images and init boxes in, vision_msgs detections and a lost flag out."""

from __future__ import annotations

from dataclasses import asdict
import threading
import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.subscription import Subscription
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Bool, Header
from std_srvs.srv import SetBool, Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from ros_tracker.boxes import InvalidBoxError
from ros_tracker.frame_buffer import FrameBuffer, LatestSlot
from ros_tracker.overlay import draw_outcome
from ros_tracker.params import params_to_dict
from ros_tracker.registry import build_tracker, BuildOptions, spec, weights_label
from ros_tracker.ros.conversions import (box_from_detection, detection_label,
                                         outcome_to_detections, stamp_to_ns)
from ros_tracker.ros.diagnostics import NodeStats, status_message
from ros_tracker.ros.image_conversions import (compressed_to_bgr8, fill_image, image_to_bgr8,
                                               ImageConversionError)
from ros_tracker.ros.node_main import run_node
from ros_tracker.ros.node_params import (descriptor, node_params_from, NodeParams,
                                         parameter_names, tracker_descriptor, validation_error)
from ros_tracker.ros.rate_limited_log import RateLimitedLog
from ros_tracker.session import FrameOutcome, TargetState, TrackerFailure, TrackingSession
from ros_tracker.tracker import TrackResult, warm_up


class TrackerNode(Node):
    """Runs one tracker on the newest camera frame, in a worker thread.

    Callbacks only store messages: the image callback keeps the newest frame (replacing, and
    counting as dropped, one the worker has not reached) and a ring buffer of recent frames for
    init boxes; the worker initializes, tracks and publishes.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('tracker', **kwargs)
        self.params = self._declare_parameters()
        self._warn = RateLimitedLog(self.get_logger().warning, self.params.warning_period_s)
        self._stats = NodeStats()
        self._failures_reported = 0
        self._enabled = True
        self._last_received_ns: int | None = None
        self._session_lock = threading.Lock()
        self._session = self._load_tracker()
        self._buffer: FrameBuffer[Image | CompressedImage] = FrameBuffer(
            self.params.frame_buffer_size)
        self._frame_slot: LatestSlot[Image | CompressedImage] = LatestSlot()
        self._init_slot: LatestSlot[Detection2D] = LatestSlot()
        self._wake = threading.Event()
        self._stop = threading.Event()

        self._detections_pub = self.create_publisher(Detection2DArray, '~/detections', 10)
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self._lost_pub = self.create_publisher(Bool, '~/lost', latched)
        self._debug_pub = self.create_publisher(Image, '~/debug_image', 1)
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._image_sub = self._subscribe_images()
        self._init_sub = self.create_subscription(Detection2D, '~/init', self._init_callback, 5)
        self._reset_srv = self.create_service(Trigger, '~/reset', self._reset_callback)
        self._enable_srv = self.create_service(SetBool, '~/enable', self._enable_callback)
        self._diagnostics_timer = self.create_timer(self.params.diagnostics_period_s,
                                                    self._diagnostics_callback)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self._lost_pub.publish(Bool(data=True))
        self._worker = threading.Thread(target=self._work, name='tracker_worker', daemon=True)
        self._worker.start()

    # ---- set-up -------------------------------------------------------------------------

    def _declare_parameters(self) -> NodeParams:
        """Declare the node's and the chosen tracker's parameters; raise ValueError on bad ones."""
        defaults = NodeParams()
        values = {}
        for name in parameter_names():
            values[name] = self.declare_parameter(
                name, getattr(defaults, name), descriptor(name)).value
        params = node_params_from(values)
        tracker_params = params_to_dict(spec(params.tracker).params_type())
        self._tracker_config = {}
        for key, default in tracker_params.items():
            value = self.declare_parameter(
                f'{params.tracker}.{key}', default,
                tracker_descriptor(params.tracker, key)).value
            self._tracker_config[key] = value
        return params

    def _load_tracker(self) -> TrackingSession:
        started = time.perf_counter()
        tracker = build_tracker(self.params.tracker, self._tracker_config, BuildOptions(
            device=self.params.device, weights=self.params.weights, half=self.params.half))
        warm_up(tracker)
        if self.params.device.startswith('cuda') and tracker.device == 'cpu':
            self.get_logger().warning(f'{self.params.tracker} runs on the CPU only; '
                                      f'device {self.params.device!r} is not used')
        weights = weights_label(self.params.tracker, self.params.weights)
        self.get_logger().info(
            f'{self.params.tracker} tracker (weights: {weights}) loaded and warmed up on '
            f'{tracker.device} in {time.perf_counter() - started:.2f} s')
        return TrackingSession(tracker, self.params.lost_after_frames,
                               self.params.found_after_frames, self.params.min_score,
                               self.params.class_id)

    def _subscribe_images(self) -> Subscription:
        reliability = (ReliabilityPolicy.RELIABLE if self.params.image_reliability == 'reliable'
                       else ReliabilityPolicy.BEST_EFFORT)
        qos = QoSProfile(depth=self.params.image_depth, reliability=reliability)
        if self.params.image_transport == 'compressed':
            return self.create_subscription(CompressedImage, 'image/compressed',
                                            self._image_callback, qos)
        return self.create_subscription(Image, 'image', self._image_callback, qos)

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """Validate live changes; only thresholds, the label and the debug image may change."""
        for parameter in parameters:
            if parameter.name not in parameter_names():
                continue
            error = validation_error(parameter.name, parameter.value)
            if error:
                return SetParametersResult(successful=False, reason=error)
        changes = {p.name: p.value for p in parameters if p.name in parameter_names()}
        self.params = node_params_from({**asdict(self.params), **changes})
        with self._session_lock:
            self._session.min_score = self.params.min_score
            self._session.default_label = self.params.class_id
            self._session.hysteresis.lost_after = self.params.lost_after_frames
            self._session.hysteresis.found_after = self.params.found_after_frames
        return SetParametersResult(successful=True)

    # ---- callbacks: store and wake --------------------------------------------------------

    def _image_callback(self, msg: Image | CompressedImage) -> None:
        if not self._enabled:
            return
        self._stats.count('received')
        stamp_ns = stamp_to_ns(msg.header.stamp)
        if self._last_received_ns is not None and stamp_ns < self._last_received_ns:
            self._buffer.clear()  # a new timeline (bag loop, simulator reset): old frames mislead
        self._last_received_ns = stamp_ns
        self._buffer.push(stamp_ns, msg)
        if self._frame_slot.put(msg):
            self._stats.count('dropped')
        self._wake.set()

    def _init_callback(self, msg: Detection2D) -> None:
        self._init_slot.put(msg)
        self._wake.set()

    def _reset_callback(self, request: Trigger.Request,
                        response: Trigger.Response) -> Trigger.Response:
        with self._session_lock:
            had_target = self._session.state is not TargetState.IDLE
            self._session.reset()
        self._lost_pub.publish(Bool(data=True))
        response.success = True
        response.message = 'target dropped' if had_target else 'no target was tracked'
        self.get_logger().info(f'reset: {response.message}')
        return response

    def _enable_callback(self, request: SetBool.Request,
                         response: SetBool.Response) -> SetBool.Response:
        self._enabled = request.data
        if not self._enabled:
            self._frame_slot.take()
        response.success = True
        response.message = 'processing enabled' if self._enabled else 'processing paused'
        self.get_logger().info(response.message)
        return response

    def _diagnostics_callback(self) -> None:
        with self._session_lock:
            state, track_id = self._session.state.value, self._session.track_id
        failures = self._stats.failures
        status = status_message(
            f'{self.get_name()}: tracker', self._stats, state, self._session.tracker.device,
            self.params.tracker, self._enabled, track_id, failures - self._failures_reported)
        self._failures_reported = failures
        self._diagnostics_pub.publish(
            DiagnosticArray(header=Header(stamp=self.get_clock().now().to_msg()),
                            status=[status]))

    # ---- worker ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the worker thread (before the node is destroyed)."""
        self._stop.set()
        self._wake.set()
        self._worker.join(timeout=5.0)

    def _work(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            init = self._init_slot.take()
            if init is not None:
                self._handle_init(init)
            frame_msg = self._frame_slot.take()
            if frame_msg is not None and self._enabled:
                self._handle_frame(frame_msg)

    def _decode(self, msg: Image | CompressedImage) -> np.ndarray:
        if isinstance(msg, CompressedImage):
            return compressed_to_bgr8(msg)
        return image_to_bgr8(msg)

    def _handle_init(self, msg: Detection2D) -> None:
        if not self._enabled:
            self._warn('init', 'init box ignored: processing is paused (call ~/enable true)')
            return
        stamp_ns = stamp_to_ns(msg.header.stamp)
        entry = self._buffer.latest()
        if entry is None:
            self._warn('init', 'init box ignored: no image received yet on '
                               f'{self._image_sub.topic_name}')
            return
        if stamp_ns != 0:
            tolerance_ns = int(self.params.init_stamp_tolerance_ms * 1e6)
            match = self._buffer.nearest(stamp_ns, tolerance_ns)
            if match is None:
                self._warn('init_stamp', f'no buffered frame within '
                                         f'{self.params.init_stamp_tolerance_ms:g} ms of the init '
                                         f'stamp {stamp_ns * 1e-9:.6f}; using the latest frame '
                                         f'({entry[0] * 1e-9:.6f})')
            else:
                entry = match
        frame_stamp_ns, frame_msg = entry
        try:
            frame = self._decode(frame_msg)
        except ImageConversionError as error:
            self._warn('init', f'init box ignored: its frame cannot be decoded: {error}')
            return
        box = box_from_detection(msg)
        with self._session_lock:
            try:
                used = self._session.initialize(frame, box, frame_stamp_ns, msg.id,
                                                detection_label(msg))
            except InvalidBoxError as error:
                tracking = self._session.state is not TargetState.IDLE
                kept = 'target kept' if tracking else 'no target'
                self._warn('init', f'init box rejected: {error}; {kept}')
                return
            except TrackerFailure as error:
                self._stats.count('failures')
                self._warn('failure', f'{error}; target dropped')
                self._lost_pub.publish(Bool(data=True))
                return
            outcome = FrameOutcome(frame_stamp_ns, TargetState.TRACKING, self._session.track_id,
                                   self._session.label, TrackResult(used, 1.0, True))
        self.get_logger().info(
            f'initialized {outcome.track_id} ({outcome.label}) at x={used.x:.1f} y={used.y:.1f} '
            f'w={used.w:.1f} h={used.h:.1f} on the frame stamped {frame_stamp_ns * 1e-9:.6f}')
        self._publish(frame_msg.header, outcome, frame)

    def _handle_frame(self, msg: Image | CompressedImage) -> None:
        started = time.perf_counter()
        try:
            frame = self._decode(msg)
        except ImageConversionError as error:
            self._stats.count('rejected')
            self._warn(f'image_{error.reason}', f'image dropped: {error}')
            return
        with self._session_lock:
            outcome = self._session.process(frame, stamp_to_ns(msg.header.stamp))
        if outcome is None:
            return
        if outcome.tracker_failed:
            self._stats.count('failures')
        if outcome.warning:
            self._warn('failure' if outcome.tracker_failed else 'frame', outcome.warning)
        self._publish(msg.header, outcome, frame)
        if outcome.result is not None:
            self._stats.last_score = outcome.result.confidence
        latency_ms = (self.get_clock().now().nanoseconds - outcome.stamp_ns) * 1e-6
        self._stats.record((time.perf_counter() - started) * 1e3, latency_ms)

    def _publish(self, header: Header, outcome: FrameOutcome, frame: np.ndarray) -> None:
        self._detections_pub.publish(outcome_to_detections(header, outcome))
        self._lost_pub.publish(Bool(data=outcome.lost))
        if self.params.debug_image and self._debug_pub.get_subscription_count() > 0:
            overlay = draw_outcome(frame, outcome, self._stats.rate_hz())
            self._debug_pub.publish(fill_image(Image(header=header), overlay))


def main(args: list[str] | None = None) -> None:
    run_node(TrackerNode, 'tracker', args, cleanup=TrackerNode.stop)


if __name__ == '__main__':
    main()
