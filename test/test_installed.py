"""`ros-tracker` from an installed package, outside the source tree: a colcon install (copies,
no symlinks) and a wheel in a fresh environment find their config files and run."""

import json
import os
from pathlib import Path
import subprocess
import sys
import sysconfig

from ros_tracker.registry import load_tracker_config

ROOT = Path(__file__).resolve().parent.parent
SEQUENCES = 'OTB/Couple,VOT2015/ball1'


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def check_installed_cli(python: str, cli: str, env: dict[str, str], install: Path,
                        sequences: Path, work: Path) -> None:
    """The package imports from install, lists its trackers and evaluates two sequences with
    the installed config/csrt.yaml."""
    located = run([python, '-c', 'import ros_tracker, ros_tracker.share as s; '
                   'print(ros_tracker.__file__); print(s.config_file("csrt"))'], env, work)
    package_file, config = located.stdout.split()
    assert Path(package_file).is_relative_to(install), package_file
    assert Path(config).is_relative_to(install) and Path(config).is_file(), config
    listed = run([cli, 'trackers'], env, work).stdout
    assert {line.split()[0] for line in listed.splitlines()} >= {'atom', 'csrt', 'dense_re3'}
    out = work / 'eval'
    run([cli, 'eval', '--tracker', 'csrt', '--dataset', str(sequences), '--sequences', SEQUENCES,
         '--max-frames', '15', '--no-progress', '--out', str(out)], env, work)
    results = json.loads((out / 'results.json').read_text())
    assert results['config'] == load_tracker_config(config, 'csrt')
    assert len(results['sequences']) == 2


def test_a_colcon_install_runs_ros_tracker(colcon_installed, shared_sequences, tmp_path):
    _, install, env = colcon_installed
    cli = install / 'ros_tracker' / 'lib' / 'ros_tracker' / 'ros-tracker'
    check_installed_cli(sys.executable, str(cli), env, install, shared_sequences, tmp_path)


def test_a_wheel_in_a_fresh_environment_runs_ros_tracker(shared_sequences, tmp_path):
    wheels = tmp_path / 'wheels'
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(wheels), str(ROOT)], dict(os.environ), tmp_path)
    (wheel,) = wheels.glob('ros_tracker-*.whl')
    fresh = tmp_path / 'fresh'
    subprocess.run([sys.executable, '-m', 'venv', str(fresh)], check=True)
    python = str(fresh / 'bin' / 'python')
    # The dependencies (torch, OpenCV, numpy) come from this environment's site-packages, added
    # as a plain path: its .pth files, the editable install of the checkout among them, are
    # not read.
    site = Path(run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                    dict(os.environ), tmp_path).stdout.strip())
    (site / 'dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    env = {key: value for key, value in os.environ.items() if key != 'AMENT_PREFIX_PATH'}
    run([python, '-m', 'pip', 'install', '--no-deps', '-q', str(wheel)], env, tmp_path)
    check_installed_cli(python, str(fresh / 'bin' / 'ros-tracker'), env, fresh,
                        shared_sequences, tmp_path)
