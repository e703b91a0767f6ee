import math

import pytest
import torch

from ros_tracker.atom.classifier import (conv_same, gaussian_labels, mlu, OnlineClassifier,
                                         power_normalize, SampleMemory)
from ros_tracker.atom.params import AtomParams


def test_mlu_closed_form():
    x = torch.tensor([2.0, 0.0, -0.01, -1.0])
    expected = torch.tensor([2.0, 0.0, 0.05 * (math.exp(-0.2) - 1), 0.05 * (math.exp(-20) - 1)])
    assert torch.allclose(mlu(x, 0.05), expected)


def test_conv_same_keeps_the_size_and_shifts_half_a_cell_for_even_kernels():
    x = torch.zeros(1, 1, 6, 6)
    x[0, 0, 3, 3] = 1.0
    kernel = torch.ones(1, 1, 4, 4)
    out = conv_same(x, kernel)
    assert out.shape == (1, 1, 6, 6)
    # The impulse spreads over rows/cols 2..5: centred at 3.5, half a cell after the input.
    assert out[0, 0].nonzero().min(dim=0).values.tolist() == [2, 2]
    assert out[0, 0].nonzero().max(dim=0).values.tolist() == [5, 5]


def test_power_normalize_gives_unit_mean_square():
    x = torch.randn(3, 4, 5, 5) * 7
    assert torch.allclose((power_normalize(x) ** 2).mean(dim=(1, 2, 3)), torch.ones(3))


def test_gaussian_labels_peak_where_asked():
    labels = gaussian_labels(torch.tensor([[0.5, -2.5]]), sigma=0.9, size=18)
    assert labels.shape == (1, 1, 18, 18)
    # Cell i sits at i - 8.5 from the centre: y = 0.5 -> row 9, x = -2.5 -> column 6.
    assert divmod(int(labels.argmax()), 18) == (9, 6)
    assert float(labels.max()) == pytest.approx(1.0)


def test_sample_memory_weights_follow_the_official_rules():
    memory = SampleMemory(capacity=6, initial_count=2, minimum_initial_weight=0.25)
    memory.initialize(torch.zeros(2, 1), torch.zeros(2, 1))
    assert memory.weights.tolist() == [0.5, 0.5, 0, 0, 0, 0]
    assert memory.add(torch.ones(1), torch.ones(1), learning_rate=0.5) == 2
    # First update: every weight / (1 - lr), the new one = lr, normalised: 1, 1, 0.5 over 2.5.
    assert torch.allclose(memory.weights, torch.tensor([0.4, 0.4, 0.2, 0, 0, 0]))
    assert memory.add(torch.ones(1), torch.ones(1), learning_rate=0.5) == 3
    # Then the new weight = previous new / (1 - lr) = 0.4, normalised over 1.4.
    assert torch.allclose(memory.weights, torch.tensor([0.4, 0.4, 0.2, 0.4, 0, 0]) / 1.4)
    for _ in range(4):
        memory.add(torch.ones(1), torch.ones(1), learning_rate=0.5)
    # The first-frame samples keep their floor: 0.25 shared by both.
    assert memory.weights[:2].tolist() == pytest.approx([0.125, 0.125])


def make_problem():
    params = AtomParams()
    generator = torch.Generator().manual_seed(0)
    features = power_normalize(torch.randn(30, 256, 18, 18, generator=generator))
    centers = (torch.rand(30, 2, generator=generator) - 0.5) * 4 + 0.5
    labels = gaussian_labels(centers, sigma=0.9, size=18)
    return params, generator, features, labels


def test_first_frame_optimization_lowers_the_loss():
    params, generator, features, labels = make_problem()
    classifier = OnlineClassifier(params, 256, generator, torch.device('cpu'))
    losses = classifier.initialize(features, labels)
    assert len(losses) == params.init_gauss_newton_iter + 1
    # Full Gauss-Newton steps, as officially: on the bilinear joint problem one may overshoot
    # (here the first), the run as a whole more than halves the loss.
    assert losses[-1] < 0.5 * losses[0], losses
    assert all(after < before for before, after in zip(losses[1:], losses[2:])), losses
    assert classifier.memory.samples.shape == (250, 64, 18, 18)


def test_filter_updates_lower_the_loss():
    params, generator, features, labels = make_problem()
    classifier = OnlineClassifier(params, 256, generator, torch.device('cpu'))
    classifier.initialize(features, labels)
    new = classifier.project(features[:1] * 1.5)
    classifier.memory.add(new[0], labels[0], params.learning_rate)
    before, after = classifier.update(params.cg_iter)
    assert after < before


def test_active_memory_holds_exactly_the_filled_slots():
    memory = SampleMemory(capacity=5, initial_count=2, minimum_initial_weight=0.25)
    memory.initialize(torch.zeros(2, 1), torch.zeros(2, 1))
    assert len(memory.active()[0]) == 2
    for expected in (3, 4, 5, 5):
        memory.add(torch.ones(1), torch.ones(1), learning_rate=0.1)
        samples, labels, weights = memory.active()
        assert len(samples) == len(labels) == len(weights) == expected
    assert float(memory.weights[memory.count:].sum()) == 0.0
