"""The tracker node: images and init boxes in, vision_msgs detections and a lost flag out."""

from __future__ import annotations

from dataclasses import asdict
import sys
import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Bool, Header
from std_srvs.srv import SetBool, Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from ros_tracker.node_core.frame_buffer import FrameBuffer
from ros_tracker.node_core.session import TargetState, TrackingSession
from ros_tracker.params import params_to_dict
from ros_tracker.registry import build_tracker, BuildOptions, resolve_weights, spec
from ros_tracker.ros.conversions import stamp_to_ns
from ros_tracker.ros.diagnostics import NodeStats, status_message
from ros_tracker.ros.image_conversions import check_image, ImageConversionError, ImageLimits
from ros_tracker.ros.node_main import run_node
from ros_tracker.ros.node_params import (descriptor, node_params_from, NodeParams, parameter_names,
                                         RULES, tracker_descriptor, validation_error)
from ros_tracker.ros.rate_limited_log import RateLimitedLog
from ros_tracker.ros.tracking_worker import ImageMsg, TrackingWorker, WorkerOutputs
from ros_tracker.tracker import warm_up
from ros_tracker.weights import UNTRAINED


class TrackerNode(LifecycleNode):
    """A managed node that runs one tracker on the newest camera frame, in a worker thread.

    configure loads and warms up the tracker; activate subscribes and starts the worker;
    deactivate stops it and drops the target; cleanup unloads the tracker. Callbacks never wait
    for the tracker: they store messages (the newest frame in the worker's slot, recent frames
    in a ring buffer for init boxes, the newest init request) or set flags; the worker
    (tracking_worker.py), which alone drives the tracking session, picks them up.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('tracker', **kwargs)
        self.params = self._declare_parameters()
        self._warn = RateLimitedLog(self.get_logger().warning, self.params.warning_period_s)
        self._error = RateLimitedLog(self.get_logger().error, self.params.warning_period_s)
        self._stats = NodeStats()
        self._failures_reported = 0
        self._session: TrackingSession | None = None
        self._worker: TrackingWorker | None = None
        self._enabled = True
        self._stale = False
        self._last_image_at: float | None = None
        self._frame_id = ''
        self._buffer: FrameBuffer[ImageMsg] = FrameBuffer(
            self.params.frame_buffer_size, int(self.params.frame_buffer_mb * 2 ** 20))
        self._limits = ImageLimits(self.params.max_image_pixels,
                                   int(self.params.max_image_mb * 2 ** 20))
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
        if self._worker is not None:
            self._worker.wake()
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
        self._worker = TrackingWorker(self._session, self._buffer, lambda: self.params,
                                      self._stats, WorkerOutputs(
                                          self._detections_pub, self._lost_pub, self._debug_pub,
                                          self.get_logger().info, self._warn, self._error,
                                          lambda: self.get_clock().now().nanoseconds,
                                          self._image_sub.topic_name))
        self._worker.enabled = self._enabled
        self._worker.start()
        self.get_logger().info(f'active: tracking on {self._image_sub.topic_name}')
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        for subscription in self._subscriptions_of_activation:
            self.destroy_subscription(subscription)
        self._subscriptions_of_activation = []
        self._stop_worker()
        self._buffer.clear()
        self._session.reset()
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
        weights = resolve_weights(self.params.tracker, self.params.weights)
        digest = f', SHA-256 {weights.sha256[:12]}' if weights.sha256 else ''
        self.get_logger().info(f'loading the {self.params.tracker} tracker (weights: '
                               f'{weights.label}{digest}, device: {self.params.device})')
        tracker = build_tracker(self.params.tracker, self._tracker_config, BuildOptions(
            device=self.params.device, weights=weights, half=self.params.half))
        self.get_logger().info(f'warming up {self.params.tracker} on {tracker.device}')
        warm_up(tracker)
        if self.params.device.startswith('cuda') and tracker.device == 'cpu':
            self.get_logger().warning(f'{self.params.tracker} runs on the CPU only; '
                                      f'device {self.params.device!r} is not used')
        if weights == UNTRAINED:
            self.get_logger().warning(
                f'{self.params.tracker} runs with RANDOM (untrained) weights: it will not track; '
                'set the weights parameter to a trained file')
        self.get_logger().info(
            f'{self.params.tracker} tracker (weights: {weights.label}) loaded and warmed up on '
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
        """Stop the worker after its step; a frame it did not reach counts as dropped."""
        if self._worker is not None:
            self._worker.stop()
            if self._worker.frames.take() is not None:
                self._stats.count('dropped')
            self._worker = None

    # ---- callbacks: store and wake, never wait for the tracker ------------------------------

    def _image_callback(self, msg: ImageMsg) -> None:
        self._stats.count('received')
        self._last_image_at = time.monotonic()
        self._frame_id = msg.header.frame_id
        worker = self._worker
        if not self._enabled or worker is None:
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
        if worker.frames.put(msg):
            self._stats.count('dropped')
        worker.wake()

    def _init_callback(self, msg: Detection2D) -> None:
        if self._worker is not None:
            self._worker.inits.put(msg)
            self._worker.wake()

    def _detections_callback(self, msg: Detection2DArray) -> None:
        if self._worker is not None:
            self._worker.detector.put(msg)
            self._worker.wake()

    def _reset_callback(self, request: Trigger.Request,
                        response: Trigger.Response) -> Trigger.Response:
        worker = self._worker
        had_target = worker is not None and worker.request_reset()
        if worker is None:
            self._lost_pub.publish(Bool(data=True))
        response.success = True
        response.message = 'target dropped' if had_target else 'no target was tracked'
        self.get_logger().info(f'reset: {response.message}')
        return response

    def _enable_callback(self, request: SetBool.Request,
                         response: SetBool.Response) -> SetBool.Response:
        self._enabled = request.data
        worker = self._worker
        if worker is not None:
            worker.enabled = request.data
            if not request.data and worker.frames.take() is not None:
                self._stats.count('skipped')
        response.success = True
        response.message = 'processing enabled' if self._enabled else 'processing paused'
        self.get_logger().info(response.message)
        return response

    def _diagnostics_callback(self) -> None:
        state, track_id = self._worker.view if self._worker else (TargetState.IDLE, '')
        stale_s = self._stale_for_s(state)
        failures = self._stats.failures
        status = status_message(
            f'{self.get_fully_qualified_name()}: tracking', self._stats, state.value,
            self._session.tracker.device, self.params.tracker,
            self._enabled and self._worker is not None,
            track_id, failures - self._failures_reported, self._frame_id, stale_s)
        self._failures_reported = failures
        self._diagnostics_pub.publish(
            DiagnosticArray(header=Header(stamp=self.get_clock().now().to_msg()),
                            status=[status]))

    def _stale_for_s(self, state: TargetState) -> float:
        """Seconds without images while a target is kept (0 when input is fresh); on the first
        stale check the node logs it and publishes lost, since the target is not being seen."""
        if state is TargetState.IDLE or self._worker is None or self._last_image_at is None:
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
            self._worker.publish_lost()
        return silent_s


def main(args: list[str] | None = None) -> None:
    run_node(TrackerNode, 'tracker', args, done=lambda node: node.finalized,
             cleanup=TrackerNode.stop)


if __name__ == '__main__':
    main()
