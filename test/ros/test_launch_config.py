"""The launch arguments resolved into the node's settings (what track.launch.py starts)."""

from pathlib import Path
import re

import pytest

from ros_tracker.registry import tracker_names
from ros_tracker.ros.launch_config import (autostarted_node_command, LAUNCH_ARGUMENTS,
                                           node_command, node_settings, params_file, remappings)

SHARE = '/opt/share/ros_tracker'
NODE_MANUAL = Path(__file__).resolve().parents[2] / 'docs' / 'node.md'


def test_defaults_start_csrt_from_its_config_and_autostart():
    settings = node_settings({}, SHARE)
    assert settings.params_file == Path(SHARE) / 'config' / 'csrt.yaml'
    assert settings.overrides == {'use_sim_time': False, 'autostart': True}
    assert settings.remappings == [('image', 'image'), ('image/compressed', 'image/compressed')]
    assert (settings.namespace, settings.log_level) == ('', 'info')


def test_tracker_picks_its_config_and_overrides_the_file():
    settings = node_settings({'tracker': 'atom', 'device': 'cuda:0', 'weights': '/w.pt'}, SHARE)
    assert settings.params_file == Path(SHARE) / 'config' / 'atom.yaml'
    assert settings.overrides['tracker'] == 'atom'
    assert (settings.overrides['device'], settings.overrides['weights']) == ('cuda:0', '/w.pt')


def test_a_params_file_alone_keeps_its_tracker():
    settings = node_settings({'params_file': '/robot/atom_tuned.yaml'}, SHARE)
    assert settings.params_file == Path('/robot/atom_tuned.yaml')
    assert 'tracker' not in settings.overrides


def test_optional_arguments_become_typed_parameters_and_remaps():
    settings = node_settings({
        'image': '/cam/image_raw', 'init_topic': '/operator/box',
        'init_detections_topic': '/yolo/detections', 'image_transport': 'compressed',
        'image_reliability': 'reliable', 'debug_image': 'false', 'use_sim_time': 'true',
        'autostart': 'false', 'nano_backbone': '/m/b.onnx', 'nano_neckhead': '/m/h.onnx',
        'namespace': 'uav1', 'log_level': 'debug'}, SHARE)
    assert settings.overrides == {
        'image_transport': 'compressed', 'image_reliability': 'reliable', 'debug_image': False,
        'nano.backbone': '/m/b.onnx', 'nano.neckhead': '/m/h.onnx', 'use_sim_time': True,
        'autostart': False}
    assert settings.remappings == [('image', '/cam/image_raw'),
                                   ('image/compressed', '/cam/image_raw/compressed'),
                                   ('~/init', '/operator/box'),
                                   ('~/init_detections', '/yolo/detections')]
    assert (settings.namespace, settings.log_level) == ('uav1', 'debug')


def test_values_outside_the_choices_are_refused():
    with pytest.raises(ValueError, match=r"launch argument log_level:='loud' is not one of"):
        node_settings({'log_level': 'loud'}, SHARE)
    with pytest.raises(ValueError, match="unknown tracker 'x'"):
        params_file(SHARE, 'x')


def test_node_command_matches_the_launch_file():
    assert node_command('tracker_node', 'c.yaml', {'tracker': 'csrt', 'autostart': True},
                        [('image', '/cam')], 'uav1') == [
        'tracker_node', '--ros-args', '--params-file', 'c.yaml', '-p', 'tracker:=csrt',
        '-p', 'autostart:=true', '-r', 'image:=/cam', '-r', '__ns:=uav1']
    command = autostarted_node_command(SHARE, 'kcf', '/cam', image_reliability='reliable')
    assert command[command.index('--params-file') + 1] == f'{SHARE}/config/kcf.yaml'
    assert 'image_reliability:=reliable' in command and 'autostart:=true' in command
    assert remappings('/cam')[0] == ('image', '/cam')


def test_the_manual_table_lists_every_argument_with_its_default_and_choices():
    section = NODE_MANUAL.read_text().split('## Launch arguments')[1].split('\n## ')[0]
    rows = re.findall(r'^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|', section, flags=re.M)
    assert [name for name, _, _ in rows] == list(LAUNCH_ARGUMENTS)
    for name, default, choices in rows:
        argument = LAUNCH_ARGUMENTS[name]
        assert default.strip() == (f'`{argument.default}`' if argument.default else '(empty)')
        if argument.choices:
            listed = re.findall(r'`([^`]+)`', choices)
            assert listed == [c for c in argument.choices if c], name
    assert set(LAUNCH_ARGUMENTS['tracker'].choices) == {'', *tracker_names()}
