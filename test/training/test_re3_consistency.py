"""Training sees what tracking sees: for the same frames and previous boxes, the network's
input in a training step equals the tracker's, pixel for pixel, in ground-truth and in
prediction mode."""

import numpy as np
import pytest
import torch

from ros_tracker.boxes import Box
from ros_tracker.re3.model import VARIANTS
from ros_tracker.re3.params import Re3Params
from ros_tracker.re3.tracker import Re3Tracker
from ros_tracker.training.re3_samples import Re3Augmentation, UnrolledSample
from ros_tracker.training.re3_trainer import UnrolledRe3
from scenes import scene


def recorded_inputs(net):
    """The crops every forward pass of net receives, as uint8 arrays [2, 227, 227, 3]."""
    inputs = []

    def hook(module, args):
        inputs.append(args[0][0].permute(0, 2, 3, 1).round().to(torch.uint8).numpy())

    net.register_forward_pre_hook(hook)
    return inputs


@pytest.mark.parametrize('use_prediction', [False, True])
def test_a_training_step_crops_exactly_what_the_tracker_crops(use_prediction):
    torch.manual_seed(0)
    net = VARIANTS['re3']().eval()  # random: its boxes move from step to step
    frames_bgr = [scene(60 + 3 * step, 100)[0] for step in range(4)]
    first = scene(60, 100)[1]
    first = Box(round(first.x), round(first.y), round(first.w), round(first.h))
    inputs = recorded_inputs(net)
    tracker = Re3Tracker(net, Re3Params(), torch.device('cpu'))
    tracker.initialize(frames_bgr[0], first)
    outputs = [tracker.track(frame).box for frame in frames_bgr[1:]]
    # The box the tracker holds at each step (its previous output) is the crop box of the
    # ground-truth mode, and the truth (so that the coverage rule leaves predictions alone).
    held = np.array([[b.x, b.y, b.w, b.h] for b in [first, first] + outputs[:-1]], np.float32)
    assert len({tuple(row) for row in held[1:]}) == 3  # the crops move
    sample = UnrolledSample(np.stack([f[:, :, ::-1] for f in frames_bgr]), held, held,
                            use_prediction)
    tracker_inputs = list(inputs)
    inputs.clear()
    with torch.no_grad():
        UnrolledRe3(net, Re3Augmentation())([sample])
    training_inputs = list(inputs)
    assert len(training_inputs) == len(tracker_inputs) == 4
    for step, (trained, tracked) in enumerate(zip(training_inputs, tracker_inputs)):
        assert np.array_equal(trained, tracked), f'step {step}'
