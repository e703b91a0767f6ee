"""`ros-tracker bench-callbacks`: how fast the node answers while its tracker works.

The node runs in its own process; this one plays a real sequence to it, starts tracks, and
meanwhile times two requests a user or a supervisor sends: a parameter get (every
PROBE_PERIOD_S) and ``~/reset`` (once while a track initializes, once while it is tracked).
Each sample is tagged with the phase it was sent in: 'initializing' (from the init box until
its outcome is published) or 'tracking' (frames played at the camera rate).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import statistics
import threading
import time

from rcl_interfaces.srv import GetParameters
from sensor_msgs.msg import Image
from std_msgs.msg import Header
from std_srvs.srv import Trigger

from ros_tracker.evaluation.report import CALLBACKS_FILE
from ros_tracker.evaluation.results import environment
from ros_tracker.registry import resolve_weights
from ros_tracker.ros.image_conversions import fill_image
from ros_tracker.ros.launch_config import NODE_NAME
from ros_tracker.ros.node_benchmark import (BenchClient, BenchSettings, load_frames,
                                            node_and_client)

PROBE_PERIOD_S = 0.02
ANSWER_TIMEOUT_S = 10.0
READY_TIMEOUT_S = 300.0
PHASES = ('initializing', 'tracking')
REQUESTS = ('get_parameters', 'reset')


class ProbeClient(BenchClient):
    """The benchmark's camera and init box, plus timed service calls."""

    def __init__(self) -> None:
        super().__init__()
        self.get_parameters = self.create_client(GetParameters,
                                                 f'/{NODE_NAME}/get_parameters')

    def node_ready(self) -> bool:
        return super().node_ready() and self.get_parameters.service_is_ready()

    def timed_call(self, client, request) -> float:
        """Milliseconds from sending request to its answer (the executor spins elsewhere)."""
        done = threading.Event()
        started = time.perf_counter()
        client.call_async(request).add_done_callback(lambda _: done.set())
        if not done.wait(ANSWER_TIMEOUT_S):
            raise RuntimeError(f'{client.srv_name} did not answer in {ANSWER_TIMEOUT_S} s')
        return (time.perf_counter() - started) * 1e3


class Prober:
    """Sends a parameter get every PROBE_PERIOD_S from its own thread, tagged with the phase."""

    def __init__(self, client: ProbeClient) -> None:
        self.client = client
        self.phase = ''
        self.samples: dict[str, dict[str, list[float]]] = {
            phase: {request: [] for request in REQUESTS} for phase in PHASES}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._request = GetParameters.Request(names=['min_score'])

    def __enter__(self) -> 'Prober':
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(PROBE_PERIOD_S):
            phase = self.phase
            if phase:
                elapsed = self.client.timed_call(self.client.get_parameters, self._request)
                if phase == self.phase:
                    self.samples[phase]['get_parameters'].append(elapsed)

    def reset(self) -> None:
        """Time one ~/reset in the current phase."""
        elapsed = self.client.timed_call(self.client.reset_client, Trigger.Request())
        self.samples[self.phase]['reset'].append(elapsed)


def _cycle(client: ProbeClient, prober: Prober, images: list[Image], box, rate_hz: float,
           reset_while_initializing: bool) -> None:
    """One track: init (reset once meanwhile, then init again, when asked), frames at rate_hz,
    then a reset while tracking."""
    prober.phase = 'initializing'
    if reset_while_initializing:
        client.initialize_async(images[0], box)
        time.sleep(0.3)
        prober.reset()
    client.initialize_async(images[0], box)
    if not client.wait_for_target(client.last_init_stamp, READY_TIMEOUT_S):
        raise RuntimeError('the node did not answer the init box')
    prober.phase = 'tracking'
    start = time.monotonic()
    for index, image in enumerate(images[1:]):
        delay = start + index / rate_hz - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        client.publish(image)
    prober.reset()
    prober.phase = ''


def _summary(samples: list[float]) -> dict[str, float | int]:
    if not samples:
        return {'count': 0}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {'count': len(samples), 'median_ms': statistics.median(samples), 'p99_ms': p99,
            'max_ms': ordered[-1]}


def run_responsiveness(settings: BenchSettings, cycles: int = 4) -> Path:
    """Measure, write out/callbacks.json and return its path."""
    frames, box = load_frames(settings)
    images = [fill_image(Image(header=Header(frame_id='camera')), f) for f in frames]
    # Reliable images: a best-effort transport may lose the frame an init box refers to.
    with node_and_client(settings, ProbeClient, image_reliability='reliable') as (client, _):
        with Prober(client) as prober:
            for cycle in range(cycles):
                _cycle(client, prober, images, box, settings.rate_hz, cycle % 2 == 0)
    height, width = frames[0].shape[:2]
    loaded = re.search(r'loaded and warmed up on (\S+)', (settings.out / 'node.log').read_text())
    document = {'tracker': settings.tracker, 'sequence': settings.sequence,
                'frame_size': f'{width}x{height}',
                'device': loaded.group(1) if loaded else settings.device,
                'weights': resolve_weights(settings.tracker, settings.weights).label,
                'rate_hz': settings.rate_hz, 'cycles': cycles, **environment(),
                'requests': {phase: {request: _summary(values)
                                     for request, values in by_request.items()}
                             for phase, by_request in prober.samples.items()}}
    path = settings.out / CALLBACKS_FILE
    path.write_text(json.dumps(document, indent=1) + '\n', encoding='utf-8')
    return path
