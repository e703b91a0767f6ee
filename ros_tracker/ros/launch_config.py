"""What the launch file decides, as plain functions: shared with ``ros-tracker demo``, which
starts the same node without ros2 launch. Imports neither the launch packages nor PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import sys
from typing import Any, Mapping

from ros_tracker.registry import tracker_names

PACKAGE = 'ros_tracker'
NODE_EXECUTABLE = 'tracker_node'
NODE_NAME = 'tracker'
DEFAULT_TRACKER = 'csrt'
LOG_LEVELS = ('debug', 'info', 'warn', 'error', 'fatal')
FLAGS = ('true', 'false')


@dataclass(frozen=True)
class LaunchArgument:
    """One argument of track.launch.py: default, accepted values (None: any) and meaning."""

    default: str
    description: str
    choices: tuple[str, ...] | None = None


#: Every argument of track.launch.py; '' means "keep the parameter file's value".
LAUNCH_ARGUMENTS: dict[str, LaunchArgument] = {
    'tracker': LaunchArgument(
        '', f"tracker to run ('': the params_file's, else {DEFAULT_TRACKER})",
        ('', *tracker_names())),
    'params_file': LaunchArgument(
        '', "node and tracker parameters ('': config/<tracker>.yaml of the package)"),
    'image': LaunchArgument('image', 'camera image topic (image/compressed follows it)'),
    'namespace': LaunchArgument('', 'namespace of the node, e.g. one per camera'),
    'init_topic': LaunchArgument('', "topic of init boxes (Detection2D; '': ~/init)"),
    'init_detections_topic': LaunchArgument(
        '', "detector output that starts tracks (Detection2DArray; '': ~/init_detections)"),
    'device': LaunchArgument('', "'auto', 'cpu', 'cuda' or 'cuda:N' ('' keeps the file's)"),
    'weights': LaunchArgument('', "weights file ('' keeps the file's)"),
    'image_transport': LaunchArgument('', "'raw' or 'compressed' ('' keeps the file's)",
                                      ('', 'raw', 'compressed')),
    'image_reliability': LaunchArgument(
        '', "image QoS: 'best_effort' or 'reliable' ('' keeps the file's)",
        ('', 'best_effort', 'reliable')),
    'debug_image': LaunchArgument('', "publish ~/debug_image ('' keeps the file's)",
                                  ('', *FLAGS)),
    'nano_backbone': LaunchArgument('', 'nano: path of nanotrack_v2_backbone.onnx'),
    'nano_neckhead': LaunchArgument('', 'nano: path of nanotrack_v2_head.onnx'),
    'use_sim_time': LaunchArgument('false', 'use the /clock topic (bag or simulator)', FLAGS),
    'log_level': LaunchArgument('info', 'log level of the node', LOG_LEVELS),
    'autostart': LaunchArgument('true', 'configure and activate the managed node at once',
                                FLAGS),
    'rviz': LaunchArgument('false', 'start rviz2 showing ~/debug_image (skipped without rviz2)',
                           FLAGS),
}


@dataclass(frozen=True)
class NodeSettings:
    """The node as the launch arguments ask for it.

    Attributes:
        params_file: the parameter file loaded first.
        overrides: parameters set on top of it (typed values).
        remappings: topic remappings.
        namespace: the node's namespace ('' for none).
        log_level: its log level.
    """

    params_file: Path
    overrides: dict[str, Any]
    remappings: list[tuple[str, str]]
    namespace: str = ''
    log_level: str = 'info'


def params_file(share_directory: str | Path, tracker: str) -> Path:
    """The tracker's parameter file installed under the package's share/config."""
    if tracker not in tracker_names():
        raise ValueError(f'unknown tracker {tracker!r}; accepted: {tracker_names()}')
    return Path(share_directory) / 'config' / f'{tracker}.yaml'


def parameter_overrides(tracker: str = '', device: str = '', weights: str = '',
                        **optional: str) -> dict[str, Any]:
    """Parameters the launch arguments set on top of the parameter file; empty ones keep the
    file's (or the node's default) value. optional holds image_transport, image_reliability,
    debug_image, nano_backbone and nano_neckhead."""
    names = {'tracker': tracker, 'device': device, 'weights': weights,
             'image_transport': optional.get('image_transport', ''),
             'image_reliability': optional.get('image_reliability', ''),
             'debug_image': optional.get('debug_image', ''),
             'nano.backbone': optional.get('nano_backbone', ''),
             'nano.neckhead': optional.get('nano_neckhead', '')}
    overrides: dict[str, Any] = {name: value for name, value in names.items() if value}
    if 'debug_image' in overrides:
        overrides['debug_image'] = overrides['debug_image'] == 'true'
    return overrides


def remappings(image_topic: str, init_topic: str = '',
               init_detections_topic: str = '') -> list[tuple[str, str]]:
    """Remaps the node's image inputs (raw and compressed) onto the camera topic, and its init
    inputs where topics are given."""
    remaps = [('image', image_topic), ('image/compressed', f'{image_topic}/compressed')]
    if init_topic:
        remaps.append(('~/init', init_topic))
    if init_detections_topic:
        remaps.append(('~/init_detections', init_detections_topic))
    return remaps


def node_settings(arguments: Mapping[str, str], share_directory: str | Path) -> NodeSettings:
    """Resolve the launch arguments (all text) into the node's settings.

    Raises:
        ValueError: an argument outside its choices.
    """
    for name, argument in LAUNCH_ARGUMENTS.items():
        value = arguments.get(name, argument.default)
        if argument.choices is not None and value not in argument.choices:
            raise ValueError(f'launch argument {name}:={value!r} is not one of '
                             f'{list(argument.choices)}')
    value = {name: arguments.get(name, argument.default)
             for name, argument in LAUNCH_ARGUMENTS.items()}
    tracker = value['tracker']
    params_path = (Path(value['params_file']) if value['params_file']
                   else params_file(share_directory, tracker or DEFAULT_TRACKER))
    overrides = parameter_overrides(
        tracker, value['device'], value['weights'], image_transport=value['image_transport'],
        image_reliability=value['image_reliability'], debug_image=value['debug_image'],
        nano_backbone=value['nano_backbone'], nano_neckhead=value['nano_neckhead'])
    overrides['use_sim_time'] = value['use_sim_time'] == 'true'
    overrides['autostart'] = value['autostart'] == 'true'
    return NodeSettings(params_path, overrides,
                        remappings(value['image'], value['init_topic'],
                                   value['init_detections_topic']),
                        value['namespace'], value['log_level'])


def node_command(executable: str, params_path: str | Path, overrides: dict[str, Any],
                 remaps: list[tuple[str, str]], namespace: str = '') -> list[str]:
    """The command line that starts the node like the launch file does."""
    command = [executable, '--ros-args', '--params-file', str(params_path)]
    for name, value in overrides.items():
        text = str(value).lower() if isinstance(value, bool) else value
        command += ['-p', f'{name}:={text}']
    for source, target in remaps:
        command += ['-r', f'{source}:={target}']
    if namespace:
        command += ['-r', f'__ns:={namespace}']
    return command


def autostarted_node_command(share_directory: str | Path, tracker: str, image_topic: str,
                             device: str = '', weights: str = '', **optional: str) -> list[str]:
    """The node's command line outside ros2 launch, started like the launch file starts it
    (its config/<tracker>.yaml, driven to active at once); optional as in
    parameter_overrides."""
    overrides = {**parameter_overrides(tracker, device, weights, **optional), 'autostart': True}
    return node_command(console_script(NODE_EXECUTABLE), params_file(share_directory, tracker),
                        overrides, remappings(image_topic))


def console_script(name: str) -> str:
    """A console script of this environment (next to its python), else the name for PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name
