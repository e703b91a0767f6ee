"""The package builds with colcon in a workspace whose ROS 2 packages are this environment's."""

import os
from pathlib import Path
import shutil
import subprocess


def test_colcon_build_installs_executables_launch_and_config(colcon_installed):
    workspace, install, env = colcon_installed
    listed = subprocess.run([shutil.which('colcon', path=env['PATH']), 'list', '--names-only'],
                            cwd=workspace, env=env, capture_output=True, text=True, check=True)
    # The fallback interfaces carry COLCON_IGNORE: they never shadow a real vision_msgs.
    assert listed.stdout.split() == ['ros_tracker']
    package = install / 'ros_tracker'
    for executable in ('tracker_node', 'video_player', 'tracking_recorder'):
        assert os.access(package / 'lib' / 'ros_tracker' / executable, os.X_OK), executable
    share = package / 'share' / 'ros_tracker'
    assert (share / 'launch' / 'track.launch.py').is_file()
    assert not (share / 'launch' / 'track.launch.py').is_symlink()
    for config in ('csrt.yaml', 'atom.yaml', 'tracker.rviz'):
        assert (share / 'config' / config).is_file(), config
    assert (share / 'package.xml').is_file()
    assert (install / 'ros_tracker' / 'share' / 'ament_index' / 'resource_index' / 'packages' /
            'ros_tracker').is_file()
    assert Path(env['AMENT_PREFIX_PATH'].split(':')[0]) == package
