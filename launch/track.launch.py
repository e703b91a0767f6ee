"""Start the tracker node (a managed node, driven to active unless autostart:=false).

ros2 launch ros_tracker track.launch.py tracker:=atom image:=/camera/image_raw
ros2 launch ros_tracker track.launch.py --show-args   # every argument, default and choices
"""

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from launch import LaunchContext, LaunchDescription
from launch.actions import (DeclareLaunchArgument, EmitEvent, LogInfo, OpaqueFunction,
                            RegisterEventHandler)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.events.process import ProcessExited
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

from ros_tracker.ros.launch_config import (LAUNCH_ARGUMENTS, NODE_EXECUTABLE, NODE_NAME,
                                           node_settings, PACKAGE)


def end_launch(event: ProcessExited, context: LaunchContext) -> list:
    """The node's exit ends the launch; a failure (non-zero status) makes it fail too."""
    if event.returncode != 0:
        raise RuntimeError(f'{NODE_EXECUTABLE} exited with status {event.returncode}')
    return [EmitEvent(event=Shutdown(reason=f'{NODE_EXECUTABLE} exited'))]


def launch_setup(context: LaunchContext) -> list:
    """The node (and rviz2 when asked for) from the resolved launch arguments."""
    arguments = {name: LaunchConfiguration(name).perform(context) for name in LAUNCH_ARGUMENTS}
    settings = node_settings(arguments, get_package_share_directory(PACKAGE))
    overrides = {name: ParameterValue(value, value_type=str) if isinstance(value, str) else value
                 for name, value in settings.overrides.items()}
    node = Node(package=PACKAGE, executable=NODE_EXECUTABLE, name=NODE_NAME,
                namespace=settings.namespace, output='screen',
                parameters=[str(settings.params_file), overrides],
                remappings=settings.remappings,
                ros_arguments=['--log-level', settings.log_level])
    actions = [node, RegisterEventHandler(OnProcessExit(target_action=node, on_exit=end_launch))]
    if arguments['rviz'] == 'true':
        actions.append(rviz_node(settings.namespace))
    return actions


def rviz_node(namespace: str) -> Node | LogInfo:
    """rviz2 with the package's configuration, or a note where rviz2 is not installed."""
    try:
        get_package_share_directory('rviz2')
    except PackageNotFoundError:
        return LogInfo(msg='rviz:=true, but rviz2 is not installed: not starting it')
    config = f'{get_package_share_directory(PACKAGE)}/config/tracker.rviz'
    return Node(package='rviz2', executable='rviz2', namespace=namespace,
                arguments=['-d', config], output='screen')


def generate_launch_description() -> LaunchDescription:
    declared = [DeclareLaunchArgument(name, default_value=argument.default,
                                      description=argument.description,
                                      **({'choices': list(argument.choices)}
                                         if argument.choices else {}))
                for name, argument in LAUNCH_ARGUMENTS.items()]
    return LaunchDescription([*declared, OpaqueFunction(function=launch_setup)])
