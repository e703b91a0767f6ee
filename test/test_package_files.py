"""The package files a ROS workspace and a pip environment rely on."""

from pathlib import Path
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

from ros_tracker.registry import tracker_names

ROOT = Path(__file__).resolve().parent.parent


def test_package_xml_declares_every_run_dependency():
    root = ElementTree.parse(ROOT / 'package.xml').getroot()
    assert root.get('format') == '3' and root.findtext('name') == 'ros_tracker'
    declared = {element.text for element in root if element.tag in ('depend', 'exec_depend')}
    assert {'rclpy', 'sensor_msgs', 'std_msgs', 'std_srvs', 'vision_msgs', 'diagnostic_msgs',
            'cv_bridge', 'python3-numpy', 'python3-opencv', 'python3-torch', 'python3-tqdm',
            'python3-matplotlib'} <= declared
    assert root.find('export/build_type').text == 'ament_python'


def test_scripts_install_where_ros2_run_finds_them():
    setup_cfg = (ROOT / 'setup.cfg').read_text()
    assert 'script_dir=$base/lib/ros_tracker' in setup_cfg
    assert 'install_scripts=$base/lib/ros_tracker' in setup_cfg
    assert (ROOT / 'resource' / 'ros_tracker').exists()


def test_every_tracker_has_a_config_and_the_fallback_interfaces_are_colcon_ignored():
    for name in tracker_names():
        assert (ROOT / 'config' / f'{name}.yaml').is_file(), name
    assert (ROOT / 'interfaces' / 'COLCON_IGNORE').is_file()


def test_vision_msgs_in_use_has_the_real_type_hashes():
    check = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'check_type_hashes.py')],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert 'all match' in check.stdout
