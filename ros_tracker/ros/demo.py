"""The end-to-end demo: a video played as a camera, the tracker node, and a recorder, each a
separate ROS 2 process, started the way the launch file starts the node."""

from __future__ import annotations

from pathlib import Path
import signal
import subprocess

import cv2

from ros_tracker.node_core.overlay import contact_sheet
from ros_tracker.ros.launch_config import autostarted_node_command, console_script, NODE_NAME
from ros_tracker.share import share_directory

CAMERA_TOPIC = '/camera/image'
#: How long the recorder goes on without a message before it stops by itself: longer than a
#: tracker's first initialization on a slow CPU, during which the node publishes nothing.
RECORDER_IDLE_S = 60.0
#: How long, after the video's last frame, the results still on their way get to arrive.
DRAIN_S = 3.0


def run_demo(tracker: str, video: str, output_dir: str, rate_hz: float, device: str = '',
             weights: str = '', init_box: list[float] | None = None,
             init_frame: int | None = None) -> int:
    """Track video with the node and record the result in output_dir; returns an exit status."""
    node = autostarted_node_command(share_directory(), tracker, CAMERA_TOPIC, device, weights)
    player = [console_script('video_player'), '--ros-args', '-p', f'video:={video}',
              '-p', f'rate_hz:={rate_hz}', '-r', f'image:={CAMERA_TOPIC}']
    if init_box is not None:
        player += ['-p', f'init_box:=[{",".join(str(float(v)) for v in init_box)}]']
    if init_frame is not None:
        player += ['-p', f'init_frame:={init_frame}']
    recorder = [console_script('tracking_recorder'), '--ros-args',
                '-p', f'output_dir:={output_dir}',
                '-p', f'fps:={rate_hz}', '-p', f'idle_timeout_s:={RECORDER_IDLE_S}',
                '-r', f'debug_image:=/{NODE_NAME}/debug_image',
                '-r', f'detections:=/{NODE_NAME}/detections']
    node_process = subprocess.Popen(node)
    recorder_process = subprocess.Popen(recorder)
    try:
        player_status = subprocess.call(player)
        try:
            recorder_status = recorder_process.wait(timeout=DRAIN_S)
        except subprocess.TimeoutExpired:
            recorder_process.send_signal(signal.SIGINT)  # it closes its files and exits 0
            recorder_status = recorder_process.wait(timeout=30)
    finally:
        for process in (recorder_process, node_process):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:  # never leave a process behind
                    process.kill()
                    process.wait()
    video_path = Path(output_dir) / 'tracking.avi'
    sheet = contact_sheet(str(video_path))
    if sheet is not None:
        cv2.imwrite(str(Path(output_dir) / 'overview.jpg'), sheet)
    print(f'demo output: {video_path}, {Path(output_dir) / "boxes.csv"}, '
          f'{Path(output_dir) / "overview.jpg"}')
    return player_status or recorder_status
