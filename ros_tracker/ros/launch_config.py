"""What the launch file decides, as plain functions: tested without the launch packages and
shared with ``ros-tracker demo``, which starts the same node without ros2 launch."""

from __future__ import annotations

from pathlib import Path
import sys

from ros_tracker.registry import tracker_names

PACKAGE = 'ros_tracker'
NODE_EXECUTABLE = 'tracker_node'
NODE_NAME = 'tracker'


def tracker_choices() -> list[str]:
    """Values of the launch argument ``tracker``."""
    return tracker_names()


def params_file(share_directory: str | Path, tracker: str) -> Path:
    """The tracker's parameter file installed under the package's share/config."""
    if tracker not in tracker_names():
        raise ValueError(f'unknown tracker {tracker!r}; accepted: {tracker_names()}')
    return Path(share_directory) / 'config' / f'{tracker}.yaml'


def parameter_overrides(tracker: str, device: str = '', weights: str = '') -> dict[str, str]:
    """Parameters the launch arguments set on top of the parameter file; empty ones keep the
    file's (or the node's default) value."""
    overrides = {'tracker': tracker}
    if device:
        overrides['device'] = device
    if weights:
        overrides['weights'] = weights
    return overrides


def remappings(image_topic: str) -> list[tuple[str, str]]:
    """Remaps the node's image inputs (raw and compressed) onto the camera topic."""
    return [('image', image_topic), ('image/compressed', f'{image_topic}/compressed')]


def node_command(executable: str, params_path: str | Path, overrides: dict[str, str],
                 remaps: list[tuple[str, str]], namespace: str = '') -> list[str]:
    """The command line that starts the node like the launch file does."""
    command = [executable, '--ros-args', '--params-file', str(params_path)]
    for name, value in overrides.items():
        command += ['-p', f'{name}:={value}']
    for source, target in remaps:
        command += ['-r', f'{source}:={target}']
    if namespace:
        command += ['-r', f'__ns:={namespace}']
    return command


def console_script(name: str) -> str:
    """A console script of this environment (next to its python), else the name for PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name
