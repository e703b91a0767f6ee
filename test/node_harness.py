"""Runs the real tracker node in its own process and talks to it over DDS."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import sys
import time

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Bool, Header
from std_srvs.srv import SetBool, Trigger
from vision_msgs.msg import Detection2D, Detection2DArray
import yaml

from ros_tracker.boxes import Box
from ros_tracker.ros.conversions import make_detection, ns_to_stamp, stamp_to_ns
from ros_tracker.ros.image_conversions import fill_image

WAIT_S = 60.0  # only an upper bound for a broken node: every wait ends on an event
RESEND_S = 2.0


def wait_until(condition, what: str, spin=None, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        if spin is None:
            time.sleep(0.02)
        else:
            spin()


class NodeProcess:
    """The node started as `python -m ros_tracker.ros.tracker_node --ros-args --params-file`."""

    def __init__(self, directory: Path, parameters: dict, name: str = 'tracker') -> None:
        self.params_path = directory / f'{name}.yaml'
        self.params_path.write_text(yaml.safe_dump({'/**': {'ros__parameters': parameters}}))
        self.log_path = directory / f'{name}.log'
        self.command = [sys.executable, '-m', 'ros_tracker.ros.tracker_node', '--ros-args',
                        '--params-file', str(self.params_path), '-r', f'__node:={name}',
                        '-r', f'image:=/{name}_camera/image',
                        '-r', f'image/compressed:=/{name}_camera/image/compressed']
        env = {**os.environ, 'RCUTILS_LOGGING_BUFFERED_STREAM': '0'}
        self._log = open(self.log_path, 'w')
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT,
                                        env=env)

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for_log(self, text: str, count: int = 1) -> None:
        wait_until(lambda: self.log().count(text) >= count or self.process.poll() is not None,
                   f'{text!r} in the node log')
        assert self.log().count(text) >= count, f'node exited; log:\n{self.log()}'

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        self._log.close()
        return self.process.returncode


class Client:
    """The other end of the wire: camera, init boxes, services and output subscriptions."""

    def __init__(self, name: str = 'tracker') -> None:
        self.node = rclpy.create_node(f'{name}_test_client')
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.image_pub = self.node.create_publisher(Image, f'/{name}_camera/image', reliable)
        self.compressed_pub = self.node.create_publisher(
            CompressedImage, f'/{name}_camera/image/compressed', reliable)
        self.init_pub = self.node.create_publisher(Detection2D, f'/{name}/init', 10)
        self.detections_pub = self.node.create_publisher(Detection2DArray,
                                                         f'/{name}/init_detections', 10)
        self.detections: dict[int, Detection2DArray] = {}
        self.lost: list[bool] = []
        self.detections_sub = self.node.create_subscription(
            Detection2DArray, f'/{name}/detections', self._detections_callback, 50)
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.node.create_subscription(Bool, f'/{name}/lost',
                                      lambda msg: self.lost.append(msg.data), latched)
        self.reset_client = self.node.create_client(Trigger, f'/{name}/reset')
        self.enable_client = self.node.create_client(SetBool, f'/{name}/enable')

    def _detections_callback(self, msg: Detection2DArray) -> None:
        self.detections[stamp_to_ns(msg.header.stamp)] = msg

    def spin(self) -> None:
        self.executor.spin_once(timeout_sec=0.05)

    def wait_until(self, condition, what: str) -> None:
        wait_until(condition, what, self.spin)

    def wait_for_node(self, compressed: bool = False) -> None:
        image_pub = self.compressed_pub if compressed else self.image_pub
        self.wait_until(lambda: image_pub.get_subscription_count() > 0
                        and self.init_pub.get_subscription_count() > 0
                        and self.detections_sub.get_publisher_count() > 0
                        and self.reset_client.service_is_ready()
                        and self.enable_client.service_is_ready(), 'the node to come up')

    def publish_image(self, image: Image | CompressedImage, stamp_ns: int) -> None:
        image.header = Header(stamp=ns_to_stamp(stamp_ns), frame_id='camera')
        publisher = self.compressed_pub if isinstance(image, CompressedImage) else self.image_pub
        publisher.publish(image)

    def send(self, frame, stamp_ns: int) -> Detection2DArray:
        """Publish a BGR frame and return the node's detections for it.

        Right after discovery, DDS can lose a first sample although both ends see the match;
        the frame is sent again every RESEND_S until answered (the node ignores a frame whose
        stamp it has processed, so a late original changes nothing).
        """
        image = fill_image(Image(), frame)
        self.publish_image(image, stamp_ns)
        resend_at = time.monotonic() + RESEND_S

        def answered() -> bool:
            nonlocal resend_at
            if stamp_ns in self.detections:
                return True
            if time.monotonic() > resend_at:
                self.publish_image(image, stamp_ns)
                resend_at = time.monotonic() + RESEND_S
            return False

        self.wait_until(answered, f'detections stamped {stamp_ns}')
        return self.detections[stamp_ns]

    def wait_for_detections(self, stamp_ns: int) -> Detection2DArray:
        self.wait_until(lambda: stamp_ns in self.detections, f'detections stamped {stamp_ns}')
        return self.detections[stamp_ns]

    def init(self, box: Box, stamp_ns: int, label: str = '', track_id: str = '') -> None:
        header = Header(stamp=ns_to_stamp(stamp_ns), frame_id='camera')
        self.init_pub.publish(make_detection(header, box, track_id, label))

    def call(self, client, request, repeatable: bool = False):
        """The service's answer to request. A repeatable request (one whose repetition
        changes nothing: a state query, a reset, setting a value) is sent again every RESEND_S
        until answered: right after discovery DDS can lose a first request, as it can a
        first sample."""
        futures = [client.call_async(request)]
        resend_at = time.monotonic() + RESEND_S

        def answered() -> bool:
            nonlocal resend_at
            if any(future.done() for future in futures):
                return True
            if repeatable and time.monotonic() > resend_at:
                futures.append(client.call_async(request))
                resend_at = time.monotonic() + RESEND_S
            return False

        self.wait_until(answered, f'{client.srv_name} to answer')
        return next(future for future in futures if future.done()).result()

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
