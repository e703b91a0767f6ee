"""The package builds with colcon in a workspace whose ROS 2 packages are this environment's."""

import os
from pathlib import Path
import shutil
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns('.venv', '.git', 'build', 'install', 'log', 'demo_output',
                                 '__pycache__', '*.egg-info', '.pytest_cache')


def test_colcon_build_installs_executables_launch_and_config(tmp_path):
    shutil.copytree(ROOT, tmp_path / 'src' / 'ros_tracker', ignore=IGNORED)
    colcon = Path(sys.executable).parent / 'colcon'
    env = {**os.environ, 'AMENT_PREFIX_PATH': sys.prefix, 'CMAKE_PREFIX_PATH': sys.prefix}
    listed = subprocess.run([str(colcon), 'list', '--names-only'], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True)
    # The fallback interfaces carry COLCON_IGNORE: they never shadow a real vision_msgs.
    assert listed.stdout.split() == ['ros_tracker']
    build = subprocess.run([str(colcon), 'build', '--event-handlers', 'console_direct-'],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    install = tmp_path / 'install' / 'ros_tracker'
    for executable in ('tracker_node', 'video_player', 'tracking_recorder'):
        assert os.access(install / 'lib' / 'ros_tracker' / executable, os.X_OK), executable
    share = install / 'share' / 'ros_tracker'
    assert (share / 'launch' / 'track.launch.py').is_file()
    assert (share / 'config' / 'csrt.yaml').is_file()
    assert (share / 'package.xml').is_file()
    assert (install / 'share' / 'ament_index' / 'resource_index' / 'packages' /
            'ros_tracker').is_file()
