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


def test_the_licence_file_is_the_one_package_xml_declares():
    root = ElementTree.parse(ROOT / 'package.xml').getroot()
    assert root.findtext('license') == 'Apache-2.0'
    text = (ROOT / 'LICENSE').read_text()
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text


def test_the_registry_and_the_csrt_path_load_neither_torch_nor_the_networks():
    check = ('import sys\n'
             'from ros_tracker.registry import build_tracker, tracker_names\n'
             'import ros_tracker.ros.launch_config\n'
             'tracker_names(); build_tracker("csrt")\n'
             'heavy = ("torch", "ros_tracker.atom.model", "ros_tracker.re3.model")\n'
             'print(sorted(m for m in heavy if m in sys.modules))\n')
    result = subprocess.run([sys.executable, '-c', check], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == '[]'
