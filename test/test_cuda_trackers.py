"""The network trackers on a CUDA GPU: placement, float32 agreeing with the CPU, and half
precision. They run wherever a GPU is (scripts/device_check.sh) and skip elsewhere."""

import pytest
import torch

from ros_tracker.boxes import iou
from ros_tracker.confidence import CalibratedTracker
from ros_tracker.registry import build_tracker, BuildOptions
from scenes import scene

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')]
FRAMES = 10


def boxes(name: str, device: str, half: bool = False) -> tuple[list, object]:
    """The boxes a tracker (shipped or seeded random weights) gives on a moving square."""
    tracker = build_tracker(name, {}, BuildOptions(device=device, half=half))
    tracker.initialize(*scene(40, 100))
    return [tracker.track(scene(40 + 3 * step, 100)[0]).box
            for step in range(1, FRAMES + 1)], tracker


@pytest.mark.parametrize('name', ['atom', 'dense_re3'])
def test_the_network_runs_on_the_gpu_and_float32_agrees_with_the_cpu(name):
    on_gpu, tracker = boxes(name, 'cuda')
    assert tracker.device == 'cuda:0'
    network = (tracker.tracker if isinstance(tracker, CalibratedTracker) else tracker).net
    assert all(p.device.type == 'cuda' for p in network.parameters())
    on_cpu, _ = boxes(name, 'cpu')
    # Same weights, same frames: only the kernels' summation order differs.
    assert min(iou(a, b) for a, b in zip(on_gpu, on_cpu)) > 0.95


@pytest.mark.parametrize('name', ['atom', 'dense_re3'])
def test_half_precision_agrees_with_float32(name):
    full, _ = boxes(name, 'cuda')
    half, _ = boxes(name, 'cuda', half=True)
    assert min(iou(a, b) for a, b in zip(full, half)) > 0.8
