"""The launch logic, and the launch file itself read against recording stand-ins for the launch
packages (which no package registry carries; a real ROS install runs the file itself)."""

from pathlib import Path
import runpy
import sys
import types

import pytest

from ros_tracker.registry import tracker_names
from ros_tracker.ros.launch_config import (node_command, parameter_overrides, params_file,
                                           remappings, tracker_choices)

LAUNCH_FILE = Path(__file__).resolve().parents[2] / 'launch' / 'track.launch.py'


def test_params_file_is_the_trackers_config():
    assert params_file('/opt/share/ros_tracker', 'csrt') == Path(
        '/opt/share/ros_tracker/config/csrt.yaml')
    with pytest.raises(ValueError, match="unknown tracker 'x'"):
        params_file('/opt', 'x')


def test_overrides_keep_file_values_for_empty_arguments():
    assert parameter_overrides('csrt') == {'tracker': 'csrt'}
    assert parameter_overrides('csrt', 'cuda:0', '/w.pt') == {
        'tracker': 'csrt', 'device': 'cuda:0', 'weights': '/w.pt'}


def test_remappings_follow_the_camera_topic():
    assert remappings('/cam/image_raw') == [('image', '/cam/image_raw'),
                                            ('image/compressed', '/cam/image_raw/compressed')]


def test_node_command():
    assert node_command('tracker_node', 'c.yaml', {'tracker': 'csrt'}, [('image', '/cam')],
                        'uav1') == [
        'tracker_node', '--ros-args', '--params-file', 'c.yaml', '-p', 'tracker:=csrt',
        '-r', 'image:=/cam', '-r', '__ns:=uav1']


class Recorded:
    """Stands in for a launch class: keeps its constructor arguments."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class Configuration(Recorded):
    def perform(self, context):
        return context[self.args[0]]


@pytest.fixture
def launch_modules(monkeypatch):
    names = {
        'launch': ['LaunchContext', 'LaunchDescription'],
        'launch.actions': ['DeclareLaunchArgument', 'OpaqueFunction'],
        'launch.substitutions': ['PathJoinSubstitution'],
        'launch_ros.actions': ['Node'],
        'launch_ros.substitutions': ['FindPackageShare'],
    }
    for module_name, classes in names.items():
        module = types.ModuleType(module_name)
        for class_name in classes:
            setattr(module, class_name, type(class_name, (Recorded,), {}))
        monkeypatch.setitem(sys.modules, module_name, module)
    sys.modules['launch.substitutions'].LaunchConfiguration = Configuration
    monkeypatch.setitem(sys.modules, 'launch_ros', types.ModuleType('launch_ros'))


def test_launch_file_declares_every_argument_and_builds_the_node(launch_modules):
    description = runpy.run_path(str(LAUNCH_FILE))['generate_launch_description']()
    arguments = {action.args[0]: action.kwargs for action in description.args[0]
                 if type(action).__name__ == 'DeclareLaunchArgument'}
    assert set(arguments) == {'tracker', 'params_file', 'image', 'namespace', 'device', 'weights'}
    assert arguments['tracker']['choices'] == tracker_choices() == tracker_names()
    assert all(argument['description'] for argument in arguments.values())
    default_params = arguments['params_file']['default_value'].args[0]
    assert default_params[0].args == ('ros_tracker',) and default_params[1] == 'config'

    opaque = description.args[0][-1]
    context = {'tracker': 'csrt', 'params_file': '/p/csrt.yaml', 'image': '/cam',
               'namespace': 'uav1', 'device': '', 'weights': ''}
    (node,) = opaque.kwargs['function'](context)
    assert node.kwargs['executable'] == 'tracker_node' and node.kwargs['name'] == 'tracker'
    assert node.kwargs['namespace'] == 'uav1'
    assert node.kwargs['parameters'] == ['/p/csrt.yaml', {'tracker': 'csrt'}]
    assert node.kwargs['remappings'] == remappings('/cam')
