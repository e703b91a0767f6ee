"""The real tracker node in its own process, over real DDS (localhost only, own domain).

Every wait ends on an event (a message, a log line, a service answer); none depends on timing.
"""

import itertools
import math
import signal
import subprocess
import sys

import cv2
from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
import pytest
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header
from std_srvs.srv import SetBool, Trigger
from vision_msgs.msg import Detection2DArray

from node_harness import Client, NodeProcess
from ros_tracker.boxes import Box, iou
from ros_tracker.ros.conversions import box_from_detection, make_detection, ns_to_stamp, \
    stamp_to_ns
from ros_tracker.ros.image_conversions import fill_image, image_to_array
from ros_tracker.ros.reliability import png_announcing
from scenes import scene

PARAMETERS = {
    'tracker': 'csrt', 'image_reliability': 'reliable', 'lost_after_frames': 2,
    'found_after_frames': 1, 'class_id': 'square', 'frame_buffer_size': 10,
    'init_stamp_tolerance_ms': 1.0, 'diagnostics_period_s': 0.2,
    'warning_period_s': 0.0,  # every warning reaches the log the tests read
    'autostart': True,
}
STAMPS = itertools.count(1_000_000_000_000, 33_000_000)  # 1000 s, then 33 ms apart


@pytest.fixture(scope='module')
def node(ros, tmp_path_factory):
    process = NodeProcess(tmp_path_factory.mktemp('node'), PARAMETERS)
    client = Client()
    client.wait_for_node()
    yield process, client
    client.close()
    assert process.stop() == 0, process.log()


@pytest.fixture
def client(node):
    """The client, with the node's target reset before the test."""
    process, client = node
    assert client.call(client.reset_client, Trigger.Request(), repeatable=True).success
    return client


def start_tracking(client, x=40, y=100):
    """Initialize on a fresh frame; returns (frame stamp, track id)."""
    stamp = next(STAMPS)
    client.send(scene(x, y)[0], stamp)
    client.init(scene(x, y)[1], stamp)
    client.wait_until(lambda: len(client.detections[stamp].detections) == 1, 'the init box')
    return stamp, client.detections[stamp].detections[0].id


def test_lost_is_latched_for_late_subscribers(node):
    process, client = node
    client.wait_until(lambda: client.lost, 'the latched lost flag')
    assert client.lost[0] is True


def test_tracks_on_the_frame_the_init_box_was_drawn_on(client):
    first = next(STAMPS)
    for step in range(3):  # the init box arrives three frames after its frame
        client.send(scene(40 + 3 * step, 100)[0], first + step)
    client.init(scene(40, 100)[1], first, label='')
    client.wait_until(lambda: len(client.detections[first].detections) == 1, 'the init outcome')
    init_detection = client.detections[first].detections[0]
    assert box_from_detection(init_detection) == scene(40, 100)[1]
    for step in range(3, 25):
        frame, truth = scene(40 + 3 * step, 100)
        stamp = next(STAMPS)
        message = client.send(frame, stamp)
        assert stamp_to_ns(message.header.stamp) == stamp and message.header.frame_id == 'camera'
        (detection,) = message.detections
        assert detection.header == message.header
        assert detection.id == init_detection.id and detection.id.startswith('track_')
        assert detection.results[0].hypothesis.class_id == 'square'
        assert 0.5 < detection.results[0].hypothesis.score <= 1.0
        assert iou(box_from_detection(detection), truth) > 0.7
    client.wait_until(lambda: client.lost[-1] is False, 'lost = false')
    assert not any(client.lost[-20:])


def test_lost_when_the_target_leaves_and_found_after_reinit(client):
    stamp, track_id = start_tracking(client, x=200)
    lost_frames = []
    for step in range(1, 30):
        message = client.send(scene(200 + 8 * step, 100)[0], next(STAMPS))
        lost_frames.append(not message.detections)
    assert lost_frames[-1] and lost_frames[:3] == [False, False, False]
    client.wait_until(lambda: client.lost[-1] is True, 'lost = true')
    stamp, new_id = start_tracking(client, x=60)
    assert new_id != track_id
    assert client.send(scene(63, 100)[0], next(STAMPS)).detections
    client.wait_until(lambda: client.lost[-1] is False, 'lost = false after re-init')


def test_init_keeps_label_and_id_from_the_request(client):
    stamp = next(STAMPS)
    client.send(scene(40, 100)[0], stamp)
    client.init(scene(40, 100)[1], stamp, label='drone', track_id='target_9')
    client.wait_until(lambda: client.detections[stamp].detections, 'the init outcome')
    detection = client.send(scene(42, 100)[0], next(STAMPS)).detections[0]
    assert (detection.id, detection.results[0].hypothesis.class_id) == ('target_9', 'drone')


def test_reset_forgets_the_target(client):
    start_tracking(client)
    response = client.call(client.reset_client, Trigger.Request())
    assert (response.success, response.message) == (True, 'target dropped')
    assert client.send(scene(43, 100)[0], next(STAMPS)).detections == []
    client.wait_until(lambda: client.lost[-1] is True, 'lost = true')
    assert client.call(client.reset_client, Trigger.Request()).message == 'no target was tracked'


def test_enable_pauses_and_resumes_processing(client):
    start_tracking(client)
    paused = client.call(client.enable_client, SetBool.Request(data=False))
    assert (paused.success, paused.message) == (True, 'processing paused')
    skipped = next(STAMPS)
    client.publish_image(fill_image(Image(), scene(43, 100)[0]), skipped)
    resumed = client.call(client.enable_client, SetBool.Request(data=True))
    assert resumed.message == 'processing enabled'
    message = client.send(scene(46, 100)[0], next(STAMPS))
    assert message.detections, 'the target is kept across a pause'
    assert skipped not in client.detections  # sent before the next frame on the same topic


def test_bad_images_are_rejected_and_the_target_kept(node, client):
    process, _ = node
    stamp, track_id = start_tracking(client)
    bad = fill_image(Image(), scene(43, 100)[0])
    bad.encoding = 'yuv422'
    client.publish_image(bad, next(STAMPS))
    process.wait_for_log("image dropped: unsupported encoding 'yuv422'")
    truncated = fill_image(Image(), scene(43, 100)[0])
    truncated.data = truncated.data[:1000]
    client.publish_image(truncated, next(STAMPS))
    process.wait_for_log('image dropped: truncated data: 1000 bytes')
    message = client.send(scene(44, 100)[0], next(STAMPS))
    assert message.detections[0].id == track_id


@pytest.mark.parametrize('box, reason', [
    (Box(40, 100, 0, 40), 'non-positive width or height'),
    (Box(40, 100, -10, 40), 'non-positive width or height'),
    (Box(math.nan, 100, 40, 40), 'non-finite coordinate'),
    (Box(900, 900, 40, 40), 'outside the 320x240 image'),
])
def test_bad_init_boxes_are_rejected_and_the_target_kept(node, client, box, reason):
    process, _ = node
    stamp, track_id = start_tracking(client)
    before = process.log().count('init box rejected')
    client.init(box, stamp)
    process.wait_for_log('init box rejected', count=before + 1)
    assert reason in process.log().split('init box rejected')[-1]
    assert 'target kept' in process.log().split('init box rejected')[-1]
    assert client.send(scene(43, 100)[0], next(STAMPS)).detections[0].id == track_id


def test_init_stamp_without_a_buffered_frame_uses_the_latest_frame(node, client):
    process, _ = node
    latest = next(STAMPS)
    client.send(scene(40, 100)[0], latest)
    client.init(scene(40, 100)[1], latest + 500_000_000)
    process.wait_for_log('using the latest frame')
    client.wait_until(lambda: client.detections[latest].detections, 'init on the latest frame')


def test_an_init_box_waits_for_its_frame(client):
    stamp = next(STAMPS)
    client.send(scene(40, 100)[0], stamp)
    later = next(STAMPS)
    client.init(scene(46, 100)[1], later)  # the small init message overtakes its large frame
    client.spin()
    client.publish_image(fill_image(Image(), scene(46, 100)[0]), later)
    client.wait_until(lambda: later in client.detections and client.detections[later].detections,
                      'the init outcome on the frame the box was drawn on')
    assert box_from_detection(client.detections[later].detections[0]) == scene(46, 100)[1]


def test_a_detector_array_starts_a_track_on_the_chosen_detection(node, client):
    service = client.node.create_client(SetParameters, '/tracker/set_parameters')
    client.wait_until(service.service_is_ready, 'the parameter service')
    request = SetParameters.Request(parameters=[
        Parameter('detector_class_id', value='square').to_parameter_msg()])
    assert client.call(service, request, repeatable=True).results[0].successful
    stamp = next(STAMPS)
    frame, box = scene(40, 100)
    client.send(frame, stamp)
    header = Header(stamp=ns_to_stamp(stamp), frame_id='camera')
    array = Detection2DArray(header=header, detections=[
        make_detection(header, Box(200, 20, 40, 40), 'det_1', 'person', 0.95),
        make_detection(header, box, 'det_2', 'square', 0.8),
        make_detection(header, Box(250, 150, 40, 40), 'det_3', 'square', 0.3)])
    client.detections_pub.publish(array)
    client.wait_until(lambda: client.detections[stamp].detections, 'a track from the detector')
    (detection,) = client.detections[stamp].detections
    assert (detection.id, detection.results[0].hypothesis.class_id) == ('det_2', 'square')
    assert box_from_detection(detection) == box
    moved = scene(43, 100)[0]
    array.detections = [make_detection(header, Box(250, 150, 40, 40), 'det_4', 'square', 0.99)]
    client.detections_pub.publish(array)  # ignored while a target is tracked
    assert client.send(moved, next(STAMPS)).detections[0].id == 'det_2'
    client.node.destroy_client(service)


def test_image_size_change_drops_the_target(node, client):
    process, _ = node
    start_tracking(client)
    message = client.send(scene(43, 100, width=200, height=150)[0], next(STAMPS))
    assert message.detections == []
    client.wait_until(lambda: client.lost[-1] is True, 'lost = true')
    process.wait_for_log('image size changed from 320x240 to 200x150; target dropped')


def test_stamps_going_backwards_drop_the_target(node, client):
    process, _ = node
    stamp, _ = start_tracking(client)
    message = client.send(scene(43, 100)[0], stamp - 10_000_000_000)
    assert message.detections == []
    client.wait_until(lambda: client.lost[-1] is True, 'lost = true')
    process.wait_for_log('image stamps went backwards by 10.000 s; target dropped')


def test_debug_image_is_rendered_for_subscribers(node, client):
    received = []
    subscription = client.node.create_subscription(
        Image, '/tracker/debug_image', received.append, 5)
    client.wait_until(lambda: subscription.get_publisher_count() > 0, 'the debug publisher')
    start_tracking(client)
    client.wait_until(lambda: client.node.count_publishers('/tracker/debug_image') > 0, 'match')
    stamp = next(STAMPS)
    frame = scene(43, 100)[0]
    # The node learns of the new subscriber asynchronously: send frames until one comes back.
    while not received:
        client.send(frame, stamp)
        stamp = next(STAMPS)
    overlay = image_to_array(received[-1])
    assert overlay.shape == frame.shape and not np.array_equal(overlay, frame)
    assert stamp_to_ns(received[-1].header.stamp) in client.detections
    client.node.destroy_subscription(subscription)


def test_diagnostics_report_counters_and_state(client):
    statuses = []
    subscription = client.node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda msg: statuses.extend(s for s in msg.status if s.name == '/tracker: tracking'), 10)
    start_tracking(client)
    client.wait_until(lambda: any({kv.key: kv.value for kv in s.values}['state'] == 'tracking'
                                  for s in statuses), 'a tracking status')
    values = {kv.key: kv.value for kv in statuses[-1].values}
    assert statuses[-1].hardware_id == "camera frame 'camera' on cpu"
    assert values['tracker'] == 'csrt' and values['device'] == 'cpu'
    assert int(values['frames_processed']) > 0 and int(values['frames_rejected']) >= 0
    expected = {'rate_hz', 'processing_ms_median', 'latency_ms_median', 'frames_dropped',
                'frames_skipped', 'seconds_without_image'}
    assert expected <= set(values)

    def accounted(status) -> bool:
        count = {kv.key: int(kv.value) for kv in status.values if kv.key.startswith('frames_')}
        return count['frames_received'] == sum(count[f'frames_{ending}'] for ending in (
            'processed', 'dropped', 'rejected', 'skipped', 'used_for_init'))

    # Earlier tests sent bad frames, paused the node and initialized on buffered frames: once
    # nothing is in flight, every received frame is in exactly one counter.
    client.wait_until(lambda: accounted(statuses[-1]), 'received = the sum of the endings')
    client.node.destroy_subscription(subscription)


def test_compressed_transport_and_init_before_any_image(ros, tmp_path):
    process = NodeProcess(tmp_path, {**PARAMETERS, 'image_transport': 'compressed'},
                          name='compressed_tracker')
    client = Client('compressed_tracker')
    try:
        client.wait_for_node(compressed=True)
        client.init(Box(40, 100, 40, 40), next(STAMPS))
        process.wait_for_log('init box ignored: no image received yet on '
                             '/compressed_tracker_camera/image/compressed')
        stamp = next(STAMPS)
        frame, box = scene(40, 100)
        jpeg = cv2.imencode('.jpg', frame, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        client.publish_image(CompressedImage(format='jpeg', data=jpeg), stamp)
        client.wait_for_detections(stamp)
        assert client.detections[stamp].detections == [], 'no target yet'
        client.init(box, stamp)
        client.wait_until(lambda: client.detections[stamp].detections, 'the init outcome')
    finally:
        client.close()
        assert process.stop() == 0, process.log()


def test_stale_input_warns_and_publishes_lost(ros, tmp_path):
    process = NodeProcess(tmp_path, {**PARAMETERS, 'stale_input_s': 0.5}, name='stale_tracker')
    client = Client('stale_tracker')
    statuses = []
    client.node.create_subscription(
        DiagnosticArray, '/diagnostics', lambda msg: statuses.extend(
            s for s in msg.status if s.name == '/stale_tracker: tracking'), 10)
    try:
        client.wait_for_node()
        start_tracking(client)
        client.wait_until(lambda: client.lost[-1] is False, 'lost: false while tracking')
        process.wait_for_log('no image for')
        assert 'publishing lost: true (the target is kept for when images resume)' in process.log()
        client.wait_until(lambda: client.lost[-1] is True, 'lost: true on stale input')
        client.wait_until(lambda: any(s.level == s.WARN and 'no image for' in s.message
                                      for s in statuses), 'a WARN status')
        assert client.send(scene(42, 100)[0], next(STAMPS)).detections, 'tracking resumes'
        client.wait_until(lambda: client.lost[-1] is False, 'lost: false once images resume')
    finally:
        client.close()
        assert process.stop() == 0, process.log()


def test_invalid_parameters_stop_the_node_with_a_clear_message(tmp_path):
    params = tmp_path / 'bad.yaml'
    params.write_text('/**:\n  ros__parameters:\n    lost_after_frames: 0\n')
    result = subprocess.run([sys.executable, '-m', 'ros_tracker.ros.tracker_node', '--ros-args',
                             '--params-file', str(params)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert ("invalid value for parameter 'lost_after_frames': accepted values are an integer "
            'in [1, 10000]') in result.stderr + result.stdout


def test_runtime_parameter_changes_are_validated(client):
    service = client.node.create_client(SetParameters, '/tracker/set_parameters')
    client.wait_until(service.service_is_ready, 'the parameter service')

    def set_parameter(name, value):
        message = Parameter(name, value=value).to_parameter_msg()
        request = SetParameters.Request(parameters=[message])
        return client.call(service, request, repeatable=True).results[0]

    rejected = set_parameter('lost_after_frames', 0)
    assert not rejected.successful
    assert 'lost_after_frames out of range. Min: 1, Max: 10000' in rejected.reason
    for wrong_type, sent in (('abc', 'STRING'), (1, 'INTEGER')):  # min_score is a double
        rejected = set_parameter('min_score', wrong_type)
        assert rejected.reason == f"Wrong parameter type, expected 'Type.DOUBLE' got 'Type.{sent}'"
    rejected = set_parameter('detector_select', 'first')
    assert rejected.reason == ("invalid value 'first' for parameter 'detector_select': accepted "
                               "values are 'best_class' or 'id' or 'nearest'")
    assert not set_parameter('tracker', 'csrt').successful  # read-only once running
    assert set_parameter('class_id', 'box').successful
    start_tracking(client)
    detection = client.send(scene(43, 100)[0], next(STAMPS)).detections[0]
    assert detection.results[0].hypothesis.class_id == 'box'
    assert set_parameter('class_id', 'square').successful
    client.node.destroy_client(service)


@pytest.mark.parametrize('tracker, weights', [('atom', 'atom_distilled.pt'), ('re3', 'random'),
                                              ('residual_re3', 'random'),
                                              ('dense_re3', 'random')])
def test_the_node_runs_every_network_tracker(ros, tmp_path, tracker, weights):
    name = f'{tracker}_tracker'
    process = NodeProcess(tmp_path, {**PARAMETERS, 'tracker': tracker}, name=name)
    client = Client(name)
    try:
        client.wait_for_node()
        stamp = next(STAMPS)
        frame, box = scene(60, 100)
        client.send(frame, stamp)
        client.init(box, stamp)
        client.wait_until(lambda: client.detections[stamp].detections, 'the init outcome')
        # lost_after_frames is 2: the first frame after init is published whatever the
        # network says (ATOM's shipped weights are the default; the others have none).
        (detection,) = client.send(scene(63, 100)[0], next(STAMPS)).detections
        assert 0.0 <= detection.results[0].hypothesis.score <= 1.0
        assert (f'{tracker} tracker (weights: {weights}) loaded and warmed up on cpu'
                in process.log())
        warned = [line for line in process.log().splitlines() if line.startswith('[WARN]')
                  and f'{tracker} runs with RANDOM (untrained) weights' in line]
        assert bool(warned) == (weights == 'random')
    finally:
        client.close()
        assert process.stop() == 0, process.log()


def test_ctrl_c_while_atom_initializes_exits_cleanly(ros, tmp_path):
    process = NodeProcess(tmp_path, {**PARAMETERS, 'tracker': 'atom'}, name='stopped_tracker')
    client = Client('stopped_tracker')
    try:
        client.wait_for_node()
        stamp = next(STAMPS)
        frame, box = scene(60, 100)
        client.publish_image(fill_image(Image(), frame), stamp)
        client.init(box, stamp)
        for _ in range(20):  # 0.2 s: the node has the box; ATOM's init takes seconds on a CPU
            client.executor.spin_once(timeout_sec=0.01)
        assert 'initialized' not in process.log(), 'Ctrl-C must come during the init'
    finally:
        client.close()
    assert process.stop() == 0, process.log()
    log = process.log()
    assert 'initialized track_1' in log, 'the init in progress finished and was published'
    assert 'Traceback' not in log and 'RCLError' not in log


@pytest.mark.parametrize('stop_signal', [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_at_100_hz_input_exits_cleanly(ros, tmp_path, stop_signal):
    # A node of its own per signal: one left behind by a failure never answers for the next.
    name = f'busy_tracker_{int(stop_signal)}'
    process = NodeProcess(tmp_path, PARAMETERS, name=name)
    client = Client(name)
    try:
        client.wait_for_node()
        start_tracking(client)
        image = fill_image(Image(), scene(43, 100)[0])
        for _ in range(100):  # one second at 100 Hz, then Ctrl-C while frames still arrive
            client.publish_image(image, next(STAMPS))
            client.executor.spin_once(timeout_sec=0.01)
        process.process.send_signal(stop_signal)
        for _ in range(20):
            client.publish_image(image, next(STAMPS))
            client.executor.spin_once(timeout_sec=0.01)
    finally:
        client.close()
        status = process.stop()
    assert status == 0, process.log()
    assert 'Traceback' not in process.log() and 'RCLError' not in process.log()


def jpeg(frame) -> CompressedImage:
    return CompressedImage(format='jpeg', data=cv2.imencode('.jpg', frame)[1].tobytes())


BAD_IMAGES = {
    'raw': [
        (Image(height=240, width=320, encoding='yuv422', step=640, data=bytes(153600)),
         "unsupported encoding 'yuv422'"),
        (Image(height=240, width=320, encoding='bgr8', step=960, data=bytes(1000)),
         'truncated data: 1000 bytes'),
        (Image(height=240, width=320, encoding='bgr8', step=100, data=bytes(230400)),
         'step 100 is smaller than a 320-pixel bgr8 row'),
        (Image(height=0, width=0, encoding='bgr8', step=0, data=b''), 'empty image (0x0)'),
        (Image(height=1000, width=1000, encoding='mono8', step=1000, data=bytes(1_000_000)),
         '1000x1000 pixels exceed max_image_pixels (307200)'),
    ],
    'compressed': [
        (CompressedImage(format='jpeg', data=b''), 'empty compressed image (0 bytes)'),
        (CompressedImage(format='jpeg', data=b'\xff\xd8' + bytes(500)),
         "compressed image (format 'jpeg') is neither PNG nor JPEG, or its header is damaged"),
        (CompressedImage(format='png', data=png_announcing(16000, 12000)),
         '16000x12000 pixels exceed max_image_pixels'),
        (CompressedImage(format='jpeg', data=bytes(2 ** 20 + 1)),
         '1048577 bytes exceed max_image_mb'),
    ],
}


@pytest.mark.parametrize('transport', ['raw', 'compressed'])
def test_every_bad_image_is_rejected_unbuffered_and_tracking_goes_on(ros, tmp_path, transport):
    name = f'{transport}_input_tracker'
    parameters = {**PARAMETERS, 'image_transport': transport, 'max_image_pixels': 640 * 480,
                  'max_image_mb': 1.0}
    process = NodeProcess(tmp_path, parameters, name=name)
    client = Client(name)
    encode = jpeg if transport == 'compressed' else (lambda frame: fill_image(Image(), frame))
    try:
        client.wait_for_node(compressed=transport == 'compressed')
        stamp = next(STAMPS)
        client.publish_image(encode(scene(40, 100)[0]), stamp)
        client.init(scene(40, 100)[1], stamp)
        client.wait_until(lambda: client.detections.get(stamp, Detection2DArray()).detections,
                          'the init outcome')
        track_id = client.detections[stamp].detections[0].id
        for bad, message in BAD_IMAGES[transport]:
            client.publish_image(bad, next(STAMPS))
            process.wait_for_log(f'image dropped: {message}')
        # A zero-stamped init means "the latest frame": the latest valid one, since rejected
        # frames never enter the buffer.
        client.init(scene(40, 100)[1], 0, track_id='after_bad_input')
        process.wait_for_log('initialized after_bad_input')
        assert 'cannot be decoded' not in process.log()
        moved = next(STAMPS)
        client.publish_image(encode(scene(43, 100)[0]), moved)
        (detection,) = client.wait_for_detections(moved).detections
        assert detection.id == 'after_bad_input' != track_id
        assert 'Traceback' not in process.log()
    finally:
        client.close()
        assert process.stop() == 0, process.log()
