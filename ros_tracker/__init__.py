"""ros_tracker: single-object visual tracking for ROS 2.

The package root and every subpackage except ``ros_tracker.ros`` form the core library, which
never imports ROS, so trackers, evaluation and training run and are tested without DDS.
"""

__version__ = '0.1.0'
