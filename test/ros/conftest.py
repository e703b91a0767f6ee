"""DDS isolation for every ROS test: discovery stays on this machine, in a domain of its own.

The test command (scripts/test.sh) sets both variables; these defaults cover a bare pytest run.
They must be in place before rclpy.init, which reads them.
"""

import os
import random

import pytest
import rclpy

os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
os.environ.setdefault('ROS_DOMAIN_ID', str(random.Random(os.getpid()).randint(1, 100)))


@pytest.fixture(scope='module')
def ros():
    """rclpy initialized for the test module's own nodes."""
    rclpy.init()
    yield
    rclpy.try_shutdown()
