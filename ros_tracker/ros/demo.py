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
                '-p', f'fps:={rate_hz}', '-r', f'debug_image:=/{NODE_NAME}/debug_image',
                '-r', f'detections:=/{NODE_NAME}/detections']
    node_process = subprocess.Popen(node)
    recorder_process = subprocess.Popen(recorder)
    try:
        player_status = subprocess.call(player)
        recorder_status = recorder_process.wait(timeout=120)
    finally:
        for process in (recorder_process, node_process):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
    video_path = Path(output_dir) / 'tracking.avi'
    sheet = contact_sheet(str(video_path))
    if sheet is not None:
        cv2.imwrite(str(Path(output_dir) / 'overview.jpg'), sheet)
    print(f'demo output: {video_path}, {Path(output_dir) / "boxes.csv"}, '
          f'{Path(output_dir) / "overview.jpg"}')
    return player_status or recorder_status
