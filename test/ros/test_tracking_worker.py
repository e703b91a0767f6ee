"""The worker's life cycle around the node's: it stops cleanly whenever the node stops."""

import threading

import rclpy
from sensor_msgs.msg import Image
from std_msgs.msg import Bool
from vision_msgs.msg import Detection2DArray

from ros_tracker.baselines import StaticBoxTracker, StaticParams
from ros_tracker.node_core.frame_buffer import FrameBuffer
from ros_tracker.node_core.session import TrackingSession
from ros_tracker.ros.diagnostics import NodeStats
from ros_tracker.ros.node_params import NodeParams
from ros_tracker.ros.rate_limited_log import RateLimitedLog
from ros_tracker.ros.tracking_worker import TrackingWorker, WorkerOutputs


def make_worker(node) -> TrackingWorker:
    logger = node.get_logger()
    outputs = WorkerOutputs(node.create_publisher(Detection2DArray, 'detections', 1),
                            node.create_publisher(Bool, 'lost', 1),
                            node.create_publisher(Image, 'debug_image', 1), logger.info,
                            RateLimitedLog(logger.warning), RateLimitedLog(logger.error),
                            lambda: node.get_clock().now().nanoseconds, 'image')
    return TrackingWorker(TrackingSession(StaticBoxTracker(StaticParams())), FrameBuffer(4),
                          NodeParams, NodeStats(), outputs)


def test_a_worker_stops_whether_or_not_its_thread_started(ros):
    node = rclpy.create_node('worker_life_cycle')
    try:
        make_worker(node).stop()  # Ctrl-C between the worker's creation and its start
        started = make_worker(node)
        started.start()
        started.stop()
        assert 'tracker_worker' not in [thread.name for thread in threading.enumerate()]
    finally:
        node.destroy_node()
