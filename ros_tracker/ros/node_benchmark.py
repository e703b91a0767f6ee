"""`ros-tracker bench-node`: an annotated sequence played through the tracker node over real
DDS, at a camera rate and at full speed, next to the bare tracker on the same frames.

The node runs in its own process, started the way the launch file starts it; this process
publishes the frames and the init box and timestamps the detections as they arrive.
"""

from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
import json
import os
from pathlib import Path
import signal
import subprocess
import threading
import time
from typing import Callable, Iterator, TypeVar

import cv2
import numpy as np
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger
from vision_msgs.msg import Detection2D, Detection2DArray

from ros_tracker.boxes import Box
from ros_tracker.datasets.readers import read_sequence
from ros_tracker.evaluation.node_overhead import Playback, summarize
from ros_tracker.evaluation.report import NODE_BENCHMARK_FILE
from ros_tracker.evaluation.results import environment, speed
from ros_tracker.evaluation.runner import frame_range
from ros_tracker.registry import (build_tracker, BuildOptions, load_tracker_config,
                                  resolve_weights)
from ros_tracker.ros.conversions import make_detection, ns_to_stamp, stamp_to_ns
from ros_tracker.ros.image_conversions import fill_image
from ros_tracker.ros.launch_config import autostarted_node_command, NODE_NAME
from ros_tracker.share import config_file, share_directory
from ros_tracker.tracker import warm_up

CAMERA_TOPIC = '/node_benchmark/image'
READY_TIMEOUT_S = 300.0
#: Tries at sending the init frame and box: best-effort transports may lose large frames.
INIT_ATTEMPTS = 20


@dataclass(frozen=True)
class BenchSettings:
    """What `ros-tracker bench-node` measures.

    Attributes:
        tracker / device / weights: the tracker as the node builds it (its config/<tracker>.yaml).
        dataset / layout / sequence: where the frames come from.
        frames: frames played (None: the whole sequence).
        size: (width, height) the frames are resized to, boxes with them; None keeps them.
        rate_hz: the camera rate of the paced pass (a full-speed pass always follows).
        out: folder for node_benchmark.json and the node's log.
    """

    tracker: str
    dataset: Path
    sequence: str
    out: Path
    layout: str = 'uniform'
    frames: int | None = None
    size: tuple[int, int] | None = None
    rate_hz: float = 30.0
    device: str = 'auto'
    weights: str = ''


def load_frames(settings: BenchSettings) -> tuple[list[np.ndarray], Box]:
    """The frames to play, from the first annotated one, and the init box on the first."""
    sequence = read_sequence(settings.layout, settings.dataset, settings.sequence)
    first, last = frame_range(sequence, settings.frames)
    frames = [sequence.frame(i) for i in range(first, last)]
    box = sequence.boxes[first]
    if settings.size is not None:
        height, width = frames[0].shape[:2]
        sx, sy = settings.size[0] / width, settings.size[1] / height
        frames = [cv2.resize(f, settings.size, interpolation=cv2.INTER_LINEAR) for f in frames]
        box = Box(box.x * sx, box.y * sy, box.w * sx, box.h * sy)
    return frames, box


def bare_tracker_times(settings: BenchSettings, frames: list[np.ndarray],
                       box: Box) -> tuple[float, list[float], str]:
    """Init time and per-frame times (ms) of the tracker alone on the same frames, and its
    device."""
    config = load_tracker_config(config_file(settings.tracker), settings.tracker)
    weights = resolve_weights(settings.tracker, settings.weights)
    tracker = build_tracker(settings.tracker, config,
                            BuildOptions(device=settings.device, weights=weights))
    warm_up(tracker)
    started = time.perf_counter()
    tracker.initialize(frames[0], box)
    init_ms = (time.perf_counter() - started) * 1e3
    times = []
    for frame in frames[1:]:
        started = time.perf_counter()
        tracker.track(frame)
        times.append((time.perf_counter() - started) * 1e3)
    return init_ms, times, tracker.device


class BenchClient(Node):
    """Camera and init box out, detections in, every message timestamped."""

    def __init__(self) -> None:
        super().__init__('node_benchmark')
        reliable = QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE)
        self.image_pub = self.create_publisher(Image, CAMERA_TOPIC, reliable)
        self.init_pub = self.create_publisher(Detection2D, f'/{NODE_NAME}/init', 5)
        self.reset_client = self.create_client(Trigger, f'/{NODE_NAME}/reset')
        self.create_subscription(Detection2DArray, f'/{NODE_NAME}/detections',
                                 self._on_detections, QoSProfile(depth=50))
        self._arrivals: dict[int, int] = {}
        self._with_target: set[int] = set()
        self._newest = -1
        self._arrived = threading.Condition()
        self.last_init_stamp = -1

    def node_ready(self) -> bool:
        return (self.image_pub.get_subscription_count() > 0
                and self.init_pub.get_subscription_count() > 0
                and self.count_publishers(f'/{NODE_NAME}/detections') > 0
                and self.reset_client.service_is_ready())

    def _on_detections(self, msg: Detection2DArray) -> None:
        arrived = time.time_ns()
        stamp = stamp_to_ns(msg.header.stamp)
        with self._arrived:
            self._arrivals[stamp] = arrived
            if msg.detections:
                self._with_target.add(stamp)
            self._newest = max(self._newest, stamp)
            self._arrived.notify_all()

    def publish(self, image: Image) -> int:
        """Send image stamped now (system time, the clock arrivals are read with)."""
        stamp = time.time_ns()
        image.header.stamp = ns_to_stamp(stamp)
        self.image_pub.publish(image)
        return stamp

    def wait_for(self, stamp: int, timeout_s: float) -> bool:
        """Wait until the frame stamped stamp, or a later one, is answered (the node skips a
        frame when a newer one arrives before it gets to it)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._newest >= stamp, timeout_s)

    def wait_for_target(self, stamp: int, timeout_s: float) -> bool:
        """Wait until the node reports a target on the frame stamped stamp (an idle node
        answers frames too, with no detection)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: stamp in self._with_target, timeout_s)

    def arrivals(self, stamps: list[int]) -> dict[int, int]:
        with self._arrived:
            return {s: self._arrivals[s] for s in stamps if s in self._arrivals}

    def initialize_async(self, image: Image, box: Box) -> int:
        """Send image and an init box stamped like it, without waiting for the answer;
        returns the stamp."""
        self.last_init_stamp = self.publish(image)
        self.init_pub.publish(make_detection(
            Header(stamp=ns_to_stamp(self.last_init_stamp), frame_id='camera'), box))
        return self.last_init_stamp

    def initialize(self, image: Image, box: Box, timeout_s: float) -> None:
        """Drop any target, then send the first frame and the init box stamped like it until
        the node reports the target on that frame."""
        # A service seen as ready may not have matched this client's reply reader yet: a
        # request sent that early gets no answer, so ask again (a reset is idempotent).
        for _ in range(INIT_ATTEMPTS):
            done = threading.Event()
            self.reset_client.call_async(Trigger.Request()).add_done_callback(
                lambda _: done.set())
            if done.wait(max(1.0, timeout_s / INIT_ATTEMPTS)):
                break
        else:
            raise RuntimeError('the node did not answer ~/reset')
        for _ in range(INIT_ATTEMPTS):
            stamp = self.publish(image)
            time.sleep(0.2)  # the box is matched to a buffered frame: let the frame land first
            self.init_pub.publish(make_detection(Header(stamp=ns_to_stamp(stamp),
                                                        frame_id='camera'), box))
            if self.wait_for_target(stamp, timeout_s):
                return
        raise RuntimeError(f'the node did not answer the init box in {INIT_ATTEMPTS} tries; '
                           'is the first frame reaching it? (see node.log)')


def _paced(client: BenchClient, images: list[Image], rate_hz: float,
           answer_timeout_s: float) -> Playback:
    playback = Playback(f'{rate_hz:g} Hz', rate_hz)
    start = time.monotonic()
    for index, image in enumerate(images):
        delay = start + index / rate_hz - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        stamp = client.publish(image)
        playback.sent_ns[stamp] = stamp
    client.wait_for(max(playback.sent_ns), answer_timeout_s)
    playback.arrived_ns = client.arrivals(list(playback.sent_ns))
    return playback


def _full_speed(client: BenchClient, images: list[Image], answer_timeout_s: float) -> Playback:
    """Two frames in flight: the next is sent when the one before the last is answered (or
    skipped), so the node always has a frame waiting."""
    playback = Playback('full speed', None)
    in_flight: deque[int] = deque()
    for image in images:
        if len(in_flight) == 2:
            client.wait_for(in_flight.popleft(), answer_timeout_s)
        stamp = client.publish(image)
        playback.sent_ns[stamp] = stamp
        in_flight.append(stamp)
    for stamp in in_flight:
        client.wait_for(stamp, answer_timeout_s)
    playback.arrived_ns = client.arrivals(list(playback.sent_ns))
    return playback


def start_node(settings: BenchSettings, log_path: Path, **optional: str) -> subprocess.Popen:
    """The tracker node for a benchmark, its output in log_path; optional parameters as in
    launch_config.parameter_overrides (image_reliability, image_transport, ...)."""
    command = autostarted_node_command(share_directory(), settings.tracker, CAMERA_TOPIC,
                                       settings.device, settings.weights, **optional)
    with open(log_path, 'w', encoding='utf-8') as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def stop_node(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


C = TypeVar('C', bound=BenchClient)


@contextmanager
def node_and_client(settings: BenchSettings, make_client: Callable[[], C],
                    **optional: str) -> Iterator[tuple[C, subprocess.Popen]]:
    """(client, node process): the tracker node in its own process (log in out/node.log) and
    a client spinning in a thread of this one, once the client sees the node ready; both
    stopped on exit."""
    settings.out.mkdir(parents=True, exist_ok=True)
    node = start_node(settings, settings.out / 'node.log', **optional)
    rclpy.init(args=[])
    client = make_client()
    executor = SingleThreadedExecutor()
    executor.add_node(client)
    threading.Thread(target=executor.spin, daemon=True).start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not client.node_ready():
            if node.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'the tracker node did not come up; see '
                                   f'{settings.out / "node.log"}')
            time.sleep(0.1)
        yield client, node
    finally:
        executor.shutdown()
        client.destroy_node()
        rclpy.try_shutdown()
        stop_node(node)


def run_node_benchmark(settings: BenchSettings) -> Path:
    """Measure, write out/node_benchmark.json and return its path."""
    frames, box = load_frames(settings)
    if len(frames) < 2:
        raise ValueError(f'{settings.sequence}: at least 2 frames are needed')
    init_ms, bare_ms, device = bare_tracker_times(settings, frames, box)
    settings.out.mkdir(parents=True, exist_ok=True)
    images = [fill_image(Image(header=Header(frame_id='camera')), f) for f in frames]
    answer_timeout_s = max(2.0, 20e-3 * max(bare_ms))
    init_timeout_s = answer_timeout_s + 5e-3 * init_ms  # ATOM's init takes seconds on a CPU
    with node_and_client(settings, BenchClient) as (client, _):
        playbacks = []
        for play in (lambda: _paced(client, images[1:], settings.rate_hz, answer_timeout_s),
                     lambda: _full_speed(client, images[1:], answer_timeout_s)):
            client.initialize(images[0], box, init_timeout_s)
            playbacks.append(play())
    height, width = frames[0].shape[:2]
    document = {'tracker': settings.tracker, 'sequence': settings.sequence,
                'frame_size': f'{width}x{height}', 'device': device,
                'weights': resolve_weights(settings.tracker, settings.weights).label,
                'dds_profile': Path(os.environ.get('FASTRTPS_DEFAULT_PROFILES_FILE', '')).name
                or 'default', **environment(),
                'bare': {**speed(bare_ms), 'frames': len(bare_ms), 'init_ms': init_ms},
                'modes': [summarize(p, bare_ms) for p in playbacks]}
    path = settings.out / NODE_BENCHMARK_FILE
    path.write_text(json.dumps(document, indent=1, allow_nan=True) + '\n', encoding='utf-8')
    return path
