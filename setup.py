from glob import glob

from setuptools import find_packages, setup

package_name = 'ros_tracker'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    package_data={package_name: ['pretrained/*.pt']},
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/launch', glob('launch/*.launch.py')),
        ('share/' + package_name + '/config',
         glob('config/*.yaml') + glob('config/*.xml') + glob('config/*.rviz')),
    ],
    install_requires=['setuptools', 'numpy', 'PyYAML', 'tqdm', 'matplotlib'],
    extras_require={'test': ['pytest']},
    zip_safe=False,
    maintainer='ros_tracker maintainers',
    maintainer_email='ros-tracker@example.org',
    description='Single-object visual tracking for ROS 2 with vision_msgs output and a lost flag.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'tracker_node = ros_tracker.ros.tracker_node:main',
            'video_player = ros_tracker.ros.video_player:main',
            'tracking_recorder = ros_tracker.ros.recorder:main',
            'ros-tracker = ros_tracker.cli:main',
        ],
    },
)
