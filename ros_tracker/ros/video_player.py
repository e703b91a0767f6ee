"""Plays a video file as a camera: sensor_msgs/Image frames at a fixed rate, plus an init box.

The init box is published as a vision_msgs/Detection2D stamped like the frame it was drawn on,
the way a user's click or a detector would send it.
"""

from __future__ import annotations

import cv2
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from std_msgs.msg import Header
from vision_msgs.msg import Detection2D

from ros_tracker.boxes import Box
from ros_tracker.ros.conversions import make_detection
from ros_tracker.ros.image_conversions import fill_image
from ros_tracker.ros.node_main import run_node
from ros_tracker.share import DEMO_INIT_BOX, DEMO_INIT_FRAME, DEMO_VIDEO


class VideoPlayer(Node):
    """Publishes a video's frames on ``image`` and an init box on ``tracker/init`` (where the
    tracker node listens by default), then shuts down."""

    def __init__(self) -> None:
        super().__init__('video_player')
        self.video = self.declare_parameter('video', DEMO_VIDEO).value
        self.rate_hz = float(self.declare_parameter('rate_hz', 30.0).value)
        self.init_box = list(self.declare_parameter('init_box', DEMO_INIT_BOX).value)
        self.init_frame = self.declare_parameter('init_frame', DEMO_INIT_FRAME).value
        self.label = self.declare_parameter('label', 'face').value
        self.frame_id = self.declare_parameter('frame_id', 'camera').value
        self.wait_for_subscribers = self.declare_parameter('wait_for_subscribers', True).value
        if self.rate_hz <= 0.0:
            raise ValueError(f'rate_hz must be > 0, got {self.rate_hz}')
        if len(self.init_box) not in (0, 4):
            raise ValueError(f'init_box must be [x, y, w, h] or empty, got {self.init_box}')
        self._capture = cv2.VideoCapture(self.video)
        if not self._capture.isOpened():
            raise ValueError(f'cannot open video {self.video!r}')
        qos = QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE)
        self._image_pub = self.create_publisher(Image, 'image', qos)
        self._init_pub = self.create_publisher(Detection2D, 'tracker/init', 5)
        self._index = 0
        self.finished = False
        self._timer = self.create_timer(1.0 / self.rate_hz, self._timer_callback)

    def _timer_callback(self) -> None:
        if self._index == 0 and self.wait_for_subscribers and (
                self._image_pub.get_subscription_count() == 0
                or (self.init_box and self._init_pub.get_subscription_count() == 0)):
            self.get_logger().info('waiting for the tracker to subscribe',
                                   throttle_duration_sec=5.0)
            return
        ok, frame = self._capture.read()
        if not ok:
            self.get_logger().info(f'end of {self.video} after {self._index} frames')
            self.finished = True
            self._timer.cancel()
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.frame_id)
        self._image_pub.publish(fill_image(Image(header=header), frame))
        if self.init_box and self._index == self.init_frame:
            self._init_pub.publish(make_detection(header, Box(*self.init_box), label=self.label))
            self.get_logger().info(f'init box {self.init_box} sent on frame {self._index}')
        self._index += 1


def main(args: list[str] | None = None) -> None:
    run_node(VideoPlayer, 'video_player', args, done=lambda node: node.finished)


if __name__ == '__main__':
    main()
