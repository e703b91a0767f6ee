"""Records what the tracker node shows: its debug overlay as a video and its boxes as CSV."""

from __future__ import annotations

import csv
from pathlib import Path
import time

import cv2
from rclpy.node import Node
from sensor_msgs.msg import Image
from vision_msgs.msg import Detection2DArray

from ros_tracker.ros.conversions import box_from_detection, stamp_to_ns
from ros_tracker.ros.image_conversions import image_to_bgr8
from ros_tracker.ros.node_main import run_node

CSV_COLUMNS = ['stamp', 'x', 'y', 'w', 'h', 'score', 'track_id', 'label', 'lost']


class TrackingRecorder(Node):
    """Writes ``<output_dir>/tracking.avi`` from ``debug_image`` and ``<output_dir>/boxes.csv``
    from ``detections`` (lost = 1 on frames with no detection, exactly when the node's lost flag
    is true); stops by itself after idle_timeout_s without messages."""

    def __init__(self) -> None:
        super().__init__('tracking_recorder')
        self.output_dir = Path(self.declare_parameter('output_dir', 'demo_output').value)
        self.fps = float(self.declare_parameter('fps', 24.0).value)
        self.idle_timeout_s = float(self.declare_parameter('idle_timeout_s', 5.0).value)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._csv_file = open(self.output_dir / 'boxes.csv', 'w', newline='', encoding='utf-8')
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(CSV_COLUMNS)
        self._video: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self.frames = 0
        self.rows = 0
        self._last_message = time.monotonic()
        self._received_any = False
        self._image_sub = self.create_subscription(Image, 'debug_image', self._image_callback, 10)
        self._detections_sub = self.create_subscription(
            Detection2DArray, 'detections', self._detections_callback, 10)

    @property
    def idle(self) -> bool:
        return self._received_any and time.monotonic() - self._last_message > self.idle_timeout_s

    def _touch(self) -> None:
        self._received_any = True
        self._last_message = time.monotonic()

    def _image_callback(self, msg: Image) -> None:
        self._touch()
        frame = image_to_bgr8(msg)
        size = (frame.shape[1], frame.shape[0])
        if self._video is None:
            path = str(self.output_dir / 'tracking.avi')
            self._video = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), self.fps, size)
            self._size = size
        if size != self._size:
            self.get_logger().warning(f'frame of size {size} skipped: the video is {self._size}',
                                      throttle_duration_sec=2.0)
            return
        self._video.write(frame)
        self.frames += 1

    def _detections_callback(self, msg: Detection2DArray) -> None:
        self._touch()
        stamp = f'{stamp_to_ns(msg.header.stamp) * 1e-9:.9f}'
        if not msg.detections:
            self._csv.writerow([stamp, '', '', '', '', '', '', '', 1])
        for detection in msg.detections:
            box = box_from_detection(detection)
            hypothesis = detection.results[0].hypothesis if detection.results else None
            self._csv.writerow([stamp, f'{box.x:.2f}', f'{box.y:.2f}', f'{box.w:.2f}',
                                f'{box.h:.2f}', f'{hypothesis.score:.4f}' if hypothesis else '',
                                detection.id, hypothesis.class_id if hypothesis else '', 0])
        self.rows += 1

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
        self._csv_file.close()
        self.get_logger().info(
            f'wrote {self.frames} frames and {self.rows} detection rows to {self.output_dir}')


def main(args: list[str] | None = None) -> None:
    run_node(TrackingRecorder, 'tracking_recorder', args, done=lambda node: node.idle,
             cleanup=TrackingRecorder.close)


if __name__ == '__main__':
    main()
