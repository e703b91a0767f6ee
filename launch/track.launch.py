"""Start the tracker node.

ros2 launch ros_tracker track.launch.py tracker:=csrt image:=/camera/image
"""

from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from ros_tracker.ros.launch_config import (NODE_EXECUTABLE, NODE_NAME, PACKAGE,
                                           parameter_overrides, remappings, tracker_choices)


def tracker_node(context: LaunchContext) -> list[Node]:
    """The node, with every launch argument resolved to text and mapped by launch_config."""
    value = lambda name: LaunchConfiguration(name).perform(context)  # noqa: E731
    return [Node(
        package=PACKAGE, executable=NODE_EXECUTABLE, name=NODE_NAME,
        namespace=value('namespace'), output='screen',
        parameters=[value('params_file'),
                    parameter_overrides(value('tracker'), value('device'), value('weights'))],
        remappings=remappings(value('image')),
    )]


def generate_launch_description() -> LaunchDescription:
    default_params = PathJoinSubstitution(
        [FindPackageShare(PACKAGE), 'config', [LaunchConfiguration('tracker'), '.yaml']])
    return LaunchDescription([
        DeclareLaunchArgument('tracker', default_value='csrt', choices=tracker_choices(),
                              description='tracker to run'),
        DeclareLaunchArgument('params_file', default_value=default_params,
                              description='parameter file (default: config/<tracker>.yaml)'),
        DeclareLaunchArgument('image', default_value='image',
                              description='camera image topic (image/compressed follows it)'),
        DeclareLaunchArgument('namespace', default_value='', description='namespace of the node'),
        DeclareLaunchArgument('device', default_value='',
                              description="'auto', 'cpu', 'cuda' or 'cuda:N' "
                                          "('' keeps the file's)"),
        DeclareLaunchArgument('weights', default_value='',
                              description="weights file ('' keeps the file's)"),
        OpaqueFunction(function=tracker_node),
    ])
