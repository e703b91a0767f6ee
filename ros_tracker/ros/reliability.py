"""`ros-tracker bench-reliability`: hostile input, sustained load and a long soak, over DDS.

The node runs in its own process. This one sends it every kind of malformed image and init box
(each must be rejected while the target is kept), then plays a real sequence at a high rate for
a while (load) and a large number of frames as fast as the node answers (soak), reading the
node's resident memory before and after each.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from pathlib import Path
import subprocess
import time
from typing import Callable

import cv2
import numpy as np
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from ros_tracker.boxes import Box
from ros_tracker.evaluation.report import RELIABILITY_FILE
from ros_tracker.evaluation.results import environment
from ros_tracker.ros.conversions import make_detection, ns_to_stamp
from ros_tracker.ros.image_conversions import fill_image
from ros_tracker.ros.launch_config import NODE_NAME
from ros_tracker.ros.node_benchmark import (BenchClient, BenchSettings, CAMERA_TOPIC,
                                            load_frames, node_and_client)

ANSWER_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ReliabilitySettings:
    """What is sent: load_hz frames per second for load_s seconds, then soak_frames frames."""

    bench: BenchSettings
    load_hz: float = 100.0
    load_s: float = 60.0
    soak_frames: int = 10_000


def png_announcing(width: int, height: int) -> bytes:
    """A 60-byte PNG whose header claims width x height pixels (a decompression bomb)."""
    return (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + width.to_bytes(4, 'big')
            + height.to_bytes(4, 'big') + bytes(36))


#: Malformed raw images: what is wrong, and the message.
BAD_RAW_IMAGES: list[tuple[str, Callable[[], Image]]] = [
    ('unsupported encoding', lambda: Image(height=4, width=4, encoding='yuv422', step=8,
                                           data=bytes(32))),
    ('truncated data', lambda: Image(height=240, width=320, encoding='bgr8', step=960,
                                     data=bytes(1000))),
    ('step smaller than a row', lambda: Image(height=4, width=4, encoding='bgr8', step=2,
                                              data=bytes(48))),
    ('zero size', lambda: Image(height=0, width=0, encoding='bgr8', step=0, data=b'')),
    ('over max_image_pixels', lambda: Image(height=5000, width=4000, encoding='mono8',
                                            step=4000, data=bytes(20_000_000))),
]
#: Malformed compressed images (sent on the same node's compressed topic).
BAD_COMPRESSED_IMAGES: list[tuple[str, Callable[[], CompressedImage]]] = [
    ('empty', lambda: CompressedImage(format='jpeg', data=b'')),
    ('not PNG or JPEG', lambda: CompressedImage(format='jpeg', data=b'GIF89a' + bytes(100))),
    ('damaged JPEG', lambda: CompressedImage(format='jpeg', data=b'\xff\xd8\xff\xdb'
                                             + bytes(2000))),
    ('PNG announcing 16000x12000', lambda: CompressedImage(
        format='png', data=png_announcing(16000, 12000))),
]
#: Malformed init boxes (x, y, w, h).
BAD_BOXES: list[tuple[str, Box]] = [
    ('zero width', Box(40, 40, 0, 40)), ('negative height', Box(40, 40, 40, -5)),
    ('NaN', Box(math.nan, 40, 40, 40)), ('infinite', Box(40, 40, math.inf, 40)),
    ('outside the image', Box(5000, 5000, 40, 40)),
]


def resident_mb(process: subprocess.Popen) -> float:
    """The process's resident memory (VmRSS) in MiB."""
    for line in Path(f'/proc/{process.pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f'no VmRSS for process {process.pid}')


class CompressedClient(BenchClient):
    """The benchmark client for a node on the compressed transport."""

    def __init__(self) -> None:
        super().__init__()
        self.compressed_pub = self.create_publisher(
            CompressedImage, f'{CAMERA_TOPIC}/compressed',
            QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE))

    def node_ready(self) -> bool:
        return (self.compressed_pub.get_subscription_count() > 0
                and self.count_publishers(f'/{NODE_NAME}/detections') > 0)

    def publish_compressed(self, message: CompressedImage) -> int:
        stamp = time.time_ns()
        message.header = Header(stamp=ns_to_stamp(stamp), frame_id='camera')
        self.compressed_pub.publish(message)
        return stamp


def _tracking(client: BenchClient, image: Image) -> bool:
    """Whether the node still reports the target on a fresh frame."""
    stamp = client.publish(image)
    return client.wait_for_target(stamp, ANSWER_TIMEOUT_S)


def _starts_tracks(client: BenchClient, image: Image, box: Box) -> bool:
    """Whether the node still starts a track and reports it (after a load, the looped video
    may have lost the old one)."""
    try:
        client.initialize(image, box, ANSWER_TIMEOUT_S)
    except RuntimeError:
        return False
    return True


def _hostile_raw(client: BenchClient, images: list[Image], box: Box) -> dict:
    """Every malformed raw image and init box while a target is tracked."""
    client.initialize(images[0], box, ANSWER_TIMEOUT_S * 3)
    for _, make in BAD_RAW_IMAGES:
        message = make()
        message.header = Header(stamp=ns_to_stamp(time.time_ns()), frame_id='camera')
        client.image_pub.publish(message)
    for _, bad_box in BAD_BOXES:
        client.init_pub.publish(make_detection(Header(stamp=ns_to_stamp(0)), bad_box))
    time.sleep(1.0)
    return {'inputs': [name for name, _ in BAD_RAW_IMAGES]
            + [f'init box: {name}' for name, _ in BAD_BOXES],
            'target_kept': _tracking(client, images[1])}


def _hostile_compressed(client: CompressedClient, frame: np.ndarray) -> dict:
    """Every malformed compressed image; then a valid one must still be answered."""
    for _, make in BAD_COMPRESSED_IMAGES:
        client.publish_compressed(make())
    jpeg = cv2.imencode('.jpg', frame)[1].tobytes()
    stamp = client.publish_compressed(CompressedImage(format='jpeg', data=jpeg))
    return {'inputs': [name for name, _ in BAD_COMPRESSED_IMAGES],
            'still_answering': client.wait_for(stamp, ANSWER_TIMEOUT_S)}


def _load(client: BenchClient, node: subprocess.Popen, images: list[Image], box: Box,
          rate_hz: float, duration_s: float) -> dict:
    before = resident_mb(node)
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < duration_s:
        delay = start + sent / rate_hz - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        client.publish(images[sent % len(images)])
        sent += 1
    return {'rate_hz': rate_hz, 'duration_s': duration_s, 'frames_sent': sent,
            'rss_start_mb': before, 'rss_end_mb': resident_mb(node),
            'still_tracking': _starts_tracks(client, images[0], box)}


def _soak(client: BenchClient, node: subprocess.Popen, images: list[Image], box: Box,
          frames: int) -> dict:
    before = resident_mb(node)
    for index in range(frames):
        stamp = client.publish(images[index % len(images)])
        client.wait_for(stamp, ANSWER_TIMEOUT_S)
    return {'frames': frames, 'rss_start_mb': before, 'rss_end_mb': resident_mb(node),
            'still_tracking': _starts_tracks(client, images[0], box)}


def run_reliability(settings: ReliabilitySettings) -> Path:
    """Measure, write out/reliability.json and return its path."""
    bench = settings.bench
    frames, box = load_frames(bench)
    images = [fill_image(Image(header=Header(frame_id='camera')), f) for f in frames]
    with node_and_client(bench, CompressedClient, image_reliability='reliable',
                         image_transport='compressed') as (client, _):
        hostile_compressed = _hostile_compressed(client, frames[0])
    with node_and_client(bench, BenchClient, image_reliability='reliable') as (client, node):
        hostile_raw = _hostile_raw(client, images, box)
        client.initialize(images[0], box, ANSWER_TIMEOUT_S * 3)
        load = _load(client, node, images, box, settings.load_hz, settings.load_s)
        soak = _soak(client, node, images, box, settings.soak_frames)
    height, width = frames[0].shape[:2]
    document = {'tracker': bench.tracker, 'sequence': bench.sequence,
                'frame_size': f'{width}x{height}', 'opencv': cv2.__version__,
                **environment(), 'hostile_raw': hostile_raw,
                'hostile_compressed': hostile_compressed, 'load': load, 'soak': soak}
    path = bench.out / RELIABILITY_FILE
    path.write_text(json.dumps(document, indent=1) + '\n', encoding='utf-8')
    return path
