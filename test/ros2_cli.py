"""The real ROS 2 command-line tools for tests: a user's ROS install where there is one, else
Jazzy's launch/launch_ros/ros2cli built from ../shared/ros2-jazzy-tools against .venv, and this
package installed with colcon (no symlinks) on top, as a user's workspace would hold it."""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
TOOLS_SOURCES = ROOT.parent / 'shared' / 'ros2-jazzy-tools'
TOOLS_PREFIX = ROOT / 'build' / 'ros2-tools'
COPY_IGNORED = shutil.ignore_patterns('.venv', '.git', 'build', 'install', 'log', 'demo_output',
                                      '__pycache__', '*.egg-info', '.pytest_cache')


def sourced(setup_script: Path, env: dict[str, str]) -> dict[str, str]:
    """The environment after `source setup_script` in bash, starting from env."""
    output = subprocess.run(['bash', '-c', f'source "{setup_script}" >/dev/null && env -0'],
                            env=env, capture_output=True, check=True).stdout
    pairs = (item.split('=', 1) for item in output.decode().split('\0') if '=' in item)
    return dict(pairs)


def ros2_environment() -> tuple[dict[str, str] | None, str]:
    """An environment whose PATH has a real `ros2`, and where it came from; (None, why) when
    there is none."""
    if shutil.which('ros2') and os.environ.get('AMENT_PREFIX_PATH'):
        return dict(os.environ), f'the installed ROS 2 ({shutil.which("ros2")})'
    build = TOOLS_SOURCES / 'build.sh'
    if not build.is_file():
        return None, (f'no ros2 on PATH and {TOOLS_SOURCES} is absent: the launch tests need a '
                      'ROS 2 install or the shared Jazzy tool sources')
    result = subprocess.run(['bash', str(build), sys.prefix, str(TOOLS_PREFIX)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'building the ROS 2 tools failed:\n{result.stdout}{result.stderr}')
    return sourced(TOOLS_PREFIX / 'setup.bash', dict(os.environ)), f'{TOOLS_PREFIX} (built)'


def colcon_install(workspace: Path, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """Copy the package into workspace/src, `colcon build` it (copies, no symlinks) and return
    the install folder and the environment after sourcing its setup.bash."""
    shutil.copytree(ROOT, workspace / 'src' / 'ros_tracker', ignore=COPY_IGNORED)
    colcon = shutil.which('colcon', path=env.get('PATH')) or str(Path(sys.executable).parent
                                                                 / 'colcon')
    build_env = {**env, 'AMENT_PREFIX_PATH': env.get('AMENT_PREFIX_PATH', sys.prefix),
                 'CMAKE_PREFIX_PATH': env.get('CMAKE_PREFIX_PATH', sys.prefix)}
    build = subprocess.run([colcon, 'build', '--event-handlers', 'console_direct-'],
                           cwd=workspace, env=build_env, capture_output=True, text=True)
    if build.returncode != 0:
        raise RuntimeError(f'colcon build failed:\n{build.stdout}{build.stderr}')
    install = workspace / 'install'
    return install, sourced(install / 'setup.bash', build_env)
