"""Fixtures shared by all tests."""

from pathlib import Path
from typing import Iterator

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / 'shared'


@pytest.fixture
def shared_sequences() -> Path:
    """../shared/data/sequences, or a skip where the shared data is absent (a user's clone)."""
    sequences = SHARED / 'data' / 'sequences'
    if not sequences.is_dir():
        pytest.skip(f'{sequences} is absent: real-video tests need the shared data beside the '
                    'repository')
    return sequences


@pytest.fixture
def nanotrack_backbone() -> Path:
    """NanoTrack v2's backbone ONNX from ../shared/peers, or a skip where it is absent."""
    model = SHARED / 'peers' / 'nanotrack' / 'nanotrack_v2_backbone.onnx'
    if not model.is_file():
        pytest.skip(f'{model} is absent: distillation tests need the shared peer models beside '
                    'the repository')
    return model


@pytest.fixture(scope='session')
def ros2_tools() -> tuple[dict[str, str] | None, str]:
    """(environment with a real `ros2`, where it came from), or (None, why there is none)."""
    from ros2_cli import ros2_environment
    return ros2_environment()


@pytest.fixture(scope='session')
def ros2_env(ros2_tools) -> Iterator[dict[str, str]]:
    """An environment with the real ROS 2 command-line tools, or a skip saying why; the ros2
    daemon the tools start on the way is stopped at the end of the session."""
    import subprocess

    env, source = ros2_tools
    if env is None:
        pytest.skip(source)
    yield env
    subprocess.run(['ros2', 'daemon', 'stop'], env=env, capture_output=True, timeout=60)


@pytest.fixture(scope='session')
def colcon_installed(ros2_tools, tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(workspace, install folder, sourced environment) of this package built with colcon,
    on top of the ROS 2 tools where there are some, else of .venv alone."""
    import os

    from ros2_cli import colcon_install
    workspace = tmp_path_factory.mktemp('workspace')
    env = ros2_tools[0] or dict(os.environ)
    install, installed_env = colcon_install(workspace, env)
    return workspace, install, installed_env
