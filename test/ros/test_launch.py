"""`ros2 launch ros_tracker track.launch.py` for real: the real launch, launch_ros and ros2cli
(a ROS install, or Jazzy's built from ../shared), this package installed with colcon, real
frames over DDS, and the commands of the README and docs/node.md run exactly as printed."""

from __future__ import annotations

from pathlib import Path
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest
import rclpy
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from std_msgs.msg import Bool, Header
from vision_msgs.msg import Detection2DArray

from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.registry import tracker_names
from ros_tracker.ros.image_conversions import fill_image
from ros_tracker.ros.launch_config import LAUNCH_ARGUMENTS

ROOT = Path(__file__).resolve().parents[2]
#: The pages whose shell commands are run as printed.
PAGES = (ROOT / 'README.md', ROOT / 'docs' / 'node.md')
SEQUENCE = 'UAV123_10fps/person11'  # 640x360: the README's init box lies inside its frames
WAIT_S = 120.0


def documented_commands(prefix: str) -> list[str]:
    """The shell commands of the README and the node manual that start with prefix,
    continuation lines joined."""
    blocks = [block for page in PAGES
              for block in re.findall(r'```bash\n(.*?)```', page.read_text(), flags=re.S)]
    lines = '\n'.join(blocks).replace('\\\n', ' ').splitlines()
    commands = [re.sub(r'\s+#.*$', '', line).strip() for line in lines]
    return [re.sub(r'\s+', ' ', c) for c in commands if c.startswith(prefix)]


class Launch:
    """A shell command (ros2 launch ...) in its own process group, its output in a file."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, 'w')
        self.process = subprocess.Popen(['bash', '-c', command], env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)
        self._log.close()
        return self.process.returncode


class Camera:
    """Plays a real sequence on a topic, looping, and records the tracker's outputs."""

    def __init__(self, sequences: Path, topic: str, node: str = '/tracker') -> None:
        self.sequence = read_uniform_sequence(sequences / SEQUENCE)
        self.node = rclpy.create_node('launch_test_camera')
        reliable = QoSProfile(depth=2, reliability=ReliabilityPolicy.RELIABLE)
        self.publisher = self.node.create_publisher(Image, topic, reliable)
        self.detections: list[Detection2DArray] = []
        self.lost: list[bool] = []
        self.node.create_subscription(Detection2DArray, f'{node}/detections',
                                      self.detections.append, 50)
        latched = QoSProfile(depth=50, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.node.create_subscription(Bool, f'{node}/lost', lambda m: self.lost.append(m.data),
                                      latched)
        self._index = 0
        self._next_frame_at = 0.0

    def step(self) -> None:
        """Publish the next frame when one is due (10 Hz) and handle incoming messages."""
        if time.monotonic() >= self._next_frame_at:
            frame = self.sequence.frame(self._index % len(self.sequence))
            header = Header(stamp=self.node.get_clock().now().to_msg(), frame_id='camera')
            self.publisher.publish(fill_image(Image(header=header), frame))
            self._index += 1
            self._next_frame_at = time.monotonic() + 0.1
        rclpy.spin_once(self.node, timeout_sec=0.01)

    def run_until(self, condition, what: str, launch: Launch | None = None) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if launch is not None and launch.process.poll() is not None:
                raise AssertionError(f'the launch ended while waiting for {what}:\n{launch.log()}')
            if time.monotonic() > deadline:
                log = launch.log() if launch else ''
                raise AssertionError(f'timed out waiting for {what}\n{log}')
            self.step()

    def tracked(self) -> list[Detection2DArray]:
        return [m for m in self.detections if m.detections
                and m.detections[0].id.startswith('track_')]

    def close(self) -> None:
        self.node.destroy_node()


@pytest.fixture(scope='module')
def installed(ros2_env, colcon_installed):
    """The environment of a user who sourced the workspace holding this package."""
    return colcon_installed


def run(command: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(['bash', '-c', command], env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_on_node(command: str, env: dict[str, str], deadline: float) -> subprocess.CompletedProcess:
    """Runs a ros2 command addressed to a node, again while it answers 'Node not found': the
    CLI takes its node list from a daemon that discovers on its own, and one started moments
    ago may not list a node that another command has just reached. Nothing is sent to the node
    before that check, so a repeat cannot apply a transition twice."""
    while True:
        result = run(command, env)
        if result.stderr.strip() != 'Node not found' or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_show_args_lists_every_argument_with_default_and_choices(installed):
    _, _, env = installed
    result = run('ros2 launch ros_tracker track.launch.py --show-args', env)
    assert result.returncode == 0, result.stdout + result.stderr
    for name, argument in LAUNCH_ARGUMENTS.items():
        assert f"'{name}':" in result.stdout, name
        if argument.choices:
            assert f'Valid choices are: {list(argument.choices)}' in result.stdout, name
    assert "Valid choices are: ['', " + ', '.join(repr(n) for n in tracker_names()) + ']' \
        in result.stdout


def test_the_launch_file_loads_without_torch(installed):
    _, install, env = installed
    launch_file = install / 'ros_tracker' / 'share' / 'ros_tracker' / 'launch' / 'track.launch.py'
    check = ('import runpy, sys; '
             f'runpy.run_path({str(launch_file)!r})["generate_launch_description"](); '
             'print(sorted(m for m in ("torch", "ros_tracker.atom.model") if m in sys.modules))')
    result = subprocess.run(['python3', '-c', check], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'


def test_a_bad_tracker_argument_fails_with_the_choices(installed):
    _, _, env = installed
    result = run('ros2 launch ros_tracker track.launch.py tracker:=yolo', env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert ('Argument "tracker" provided value "yolo" is not valid. Valid options are: '
            + str(['', *tracker_names()])) in output


def test_a_node_that_exits_with_status_2_fails_the_launch(installed):
    _, _, env = installed
    result = run('ros2 launch ros_tracker track.launch.py tracker:=atom '
                 'weights:=/nonexistent/atom.pt', env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert 'cannot load the atom tracker: /nonexistent/atom.pt: no such file' in output
    assert 'tracker_node exited with status 2' in output


def test_params_file_alone_selects_its_tracker_and_rviz_is_optional(installed, tmp_path):
    _, install, env = installed
    config = install / 'ros_tracker' / 'share' / 'ros_tracker' / 'config' / 'static.yaml'
    launch = Launch(f'ros2 launch ros_tracker track.launch.py params_file:={config} rviz:=true',
                    env, tmp_path / 'launch.log')
    try:
        deadline = time.monotonic() + WAIT_S
        while 'loaded and warmed up' not in launch.log() and time.monotonic() < deadline:
            assert launch.process.poll() is None, launch.log()
            time.sleep(0.1)
        assert 'static tracker (weights: none) loaded and warmed up' in launch.log()
        if shutil.which('rviz2', path=env['PATH']) is None:
            assert 'rviz:=true, but rviz2 is not installed: not starting it' in launch.log()
    finally:
        assert launch.stop() == 0, launch.log()


@pytest.mark.parametrize('command', [c for c in documented_commands('ros2 launch')
                                     if 'autostart:=false' not in c])
def test_readme_launch_commands_track_real_frames(ros, installed, shared_sequences, tmp_path,
                                                  command):
    _, _, env = installed
    (init_command,) = documented_commands('ros2 topic pub --once /tracker/init')
    topic = re.search(r'image:=(\S+)', command).group(1)
    camera = Camera(shared_sequences, topic)
    launch = Launch(command, env, tmp_path / 'launch.log')
    try:
        camera.run_until(lambda: 'active: tracking on' in launch.log(), 'the node to activate',
                         launch)
        camera.run_until(lambda: camera.detections, 'detections of untracked frames', launch)
        assert camera.lost and camera.lost[-1] is True, 'lost is true before any init'
        init = subprocess.Popen(shlex.split(init_command), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        camera.run_until(lambda: init.poll() is not None, 'ros2 topic pub to finish')
        assert init.returncode == 0, init.stdout.read()
        camera.run_until(lambda: camera.tracked(), 'a detection with a track id', launch)
        (detection,) = camera.tracked()[0].detections
        assert (detection.bbox.center.position.x, detection.bbox.center.position.y) == (320, 240)
        assert (detection.bbox.size_x, detection.bbox.size_y) == (80, 60)
        camera.run_until(lambda: False in camera.lost, 'lost: false once tracking', launch)
        tracked = len(camera.tracked())
        camera.run_until(lambda: len(camera.detections) > 5 + tracked, 'frames after the init',
                         launch)
    finally:
        camera.close()
        status = launch.stop()
    assert status == 0, launch.log()
    assert 'Traceback' not in launch.log()


def test_readme_lifecycle_and_param_commands_drive_the_launched_node(ros, installed, tmp_path):
    _, _, env = installed
    (command,) = [c for c in documented_commands('ros2 launch') if 'autostart:=false' in c]
    # A fresh ros2 daemon: one that ran through the earlier launches can still list their
    # /tracker, and then answers 'Node not found' while it swaps the old node for this one.
    run('ros2 daemon stop', env)
    launch = Launch(command, env, tmp_path / 'launch.log')
    node = rclpy.create_node('lifecycle_readme_test')
    try:
        deadline = time.monotonic() + WAIT_S
        while ('tracker', '/') not in node.get_node_names_and_namespaces():
            assert launch.process.poll() is None and time.monotonic() < deadline, launch.log()
            rclpy.spin_once(node, timeout_sec=0.1)
        # The ros2 CLI asks its daemon, which discovers the node and its lifecycle services on
        # its own (and may still list the node of an earlier test): wait until it reaches this
        # one, unconfigured.
        while not run('ros2 lifecycle get /tracker', env).stdout.startswith('unconfigured'):
            assert launch.process.poll() is None and time.monotonic() < deadline, launch.log()
        assert 'loaded and warmed up' not in launch.log(), 'unconfigured until asked'
        expected = {'configure': 'loaded and warmed up', 'activate': 'active: tracking on',
                    'deactivate': 'inactive: subscriptions closed',
                    'cleanup': 'csrt tracker unloaded'}
        for lifecycle_command in documented_commands('ros2 lifecycle set /tracker'):
            result = run_on_node(lifecycle_command, env, deadline)
            assert result.returncode == 0, result.stdout + result.stderr
            assert 'Transitioning successful' in result.stdout, result.stdout
            assert expected[lifecycle_command.split()[-1]] in launch.log()
        (param_command,) = documented_commands('ros2 param set /tracker')
        result = run_on_node(param_command, env, deadline)
        assert result.stdout.strip() == 'Set parameter successful', result.stdout + result.stderr
    finally:
        node.destroy_node()
        assert launch.stop() == 0, launch.log()
