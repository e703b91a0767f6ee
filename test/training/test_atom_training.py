from dataclasses import replace
import json

import numpy as np
import pytest
import torch

from ros_tracker.atom.checkpoint import load_atom_net
from ros_tracker.atom.model import AtomNet
from ros_tracker.boxes import Box, iou
from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.registry import build_tracker, BuildOptions
from ros_tracker.training.atom_samples import (crop_square, ImagePairs, PairSettings,
                                               perturbed_proposals)
from ros_tracker.training.atom_trainer import AtomRecipe, AtomTraining
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.loop import RunSettings, train, train_step
from ros_tracker.weights import save_weights, Weights

SMALL = PairSettings(output_size=128)


def test_square_crops_map_boxes_into_the_crop():
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 90:110] = 255
    patch, box = crop_square(image, (100.0, 50.0), 50.0, 100, Box(90, 40, 20, 20))
    assert box == Box(30, 30, 40, 40)  # (90 - 75) * 2, (40 - 25) * 2, 20 * 2, 20 * 2
    assert patch[50, 50].tolist() == [255, 255, 255] and patch[20, 20].tolist() == [0, 0, 0]
    edge, _ = crop_square(image, (0.0, 0.0), 50.0, 50, Box(0, 0, 1, 1))
    assert edge[0, 0].tolist() == image[0, 0].tolist()  # border pixels repeated


def test_proposals_overlap_the_target_and_carry_their_iou():
    box = Box(40, 50, 30, 20)
    proposals, overlaps = perturbed_proposals(box, PairSettings(), np.random.default_rng(0))
    assert proposals.shape == (16, 4) and overlaps.shape == (16,)
    for proposal, overlap in zip(proposals, overlaps):
        assert overlap == pytest.approx(iou(Box(*proposal), box), rel=1e-5)
        assert overlap > 0.1
    assert overlaps.min() < 0.9  # not all tiny perturbations


def test_pairs_are_reproducible_and_frames_are_close(tiny_training_data):
    pairs = ImagePairs(tiny_training_data, replace(SMALL, still_probability=0.0,
                                                   grayscale_probability=0.0), 3)
    first, again = pairs[5], pairs[5]
    assert np.array_equal(first.test, again.test)
    assert np.array_equal(first.proposals, again.proposals)
    assert first.reference.shape == (128, 128, 3)
    # the reference target sits in the centre, 1/5 of the crop wide (search area factor 5)
    assert first.reference_box == pytest.approx([51.2, 51.2, 25.6, 25.6], abs=0.01)


def _task(data, steps, recipe=None, **kwargs):
    settings = RunSettings(steps=steps, workers=0, log_every=1, val_every=2,
                           checkpoint_every=2, progress=False)
    recipe = recipe or AtomRecipe(batch_size=4, val_samples=4)
    return AtomTraining(data, None, recipe, SMALL, settings, Distributed('cpu'), **kwargs)


def test_training_lowers_the_loss(tiny_training_data):
    task = _task(tiny_training_data, 6, AtomRecipe(batch_size=4, lr=1e-4))
    pairs = ImagePairs(tiny_training_data, SMALL, 0)
    batch = [pairs[i] for i in range(4)]

    def loss():
        with torch.no_grad():
            return float(task.loss(batch))

    task.prediction.train()
    before = loss()
    for step in range(6):
        train_step(task, step, batch)
    assert loss() < 0.5 * before


def test_resuming_reproduces_the_uninterrupted_run_exactly(tiny_training_data, tmp_path):
    full = _task(tiny_training_data, 4)
    train(full, full.settings, tmp_path / 'full', full.dist)
    first = _task(tiny_training_data, 2)
    train(first, first.settings, tmp_path / 'resumed', first.dist)
    resumed = _task(tiny_training_data, 4)
    weights = train(resumed, resumed.settings, tmp_path / 'resumed', resumed.dist)
    for name, value in full.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name]), name
    net = load_atom_net(weights)
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in full.model.state_dict().items())


def test_training_flushes_subnormal_floats_to_zero(tiny_training_data, tmp_path):
    torch.set_flush_denormal(False)
    assert (torch.tensor([1e-39]) * 1.0).item() > 0.0
    task = _task(tiny_training_data, 1)
    train(task, task.settings, tmp_path / 'run', task.dist)
    assert (torch.tensor([1e-39]) * 1.0).item() == 0.0


def test_exported_weights_drive_the_tracker(tiny_training_data, tiny_data, tmp_path):
    task = _task(tiny_training_data, 1)
    weights = train(task, task.settings, tmp_path / 'run', task.dist)
    tracker = build_tracker('atom', {},
                            BuildOptions(device='cpu', weights=Weights.of_file(weights)))
    sequence = read_uniform_sequence(tiny_data / 'Synthetic' / 'a')
    tracker.initialize(sequence.frame(0), sequence.boxes[0])
    assert tracker.track(sequence.frame(1)).box.is_finite()


def test_a_pretrained_backbone_stays_frozen(tiny_training_data, tmp_path):
    pretrained = AtomNet()
    task = _task(tiny_training_data, 2, initial=pretrained, backbone_pretrained=True)
    before = {k: v.clone() for k, v in task.model.feature_extractor.named_parameters()}
    pairs = ImagePairs(tiny_training_data, SMALL, 0)
    head_before = task.model.bb_regressor.iou_predictor.weight.clone()
    train_step(task, 0, [pairs[i] for i in range(4)])
    for name, value in task.model.feature_extractor.named_parameters():
        assert torch.equal(value, before[name]), name
    assert not torch.equal(task.model.bb_regressor.iou_predictor.weight, head_before)
    assert len(task.optimizer.param_groups) == 1
    trainable = _task(tiny_training_data, 2)
    assert [g['lr_scale'] for g in trainable.optimizer.param_groups] == [1.0, 0.1]


@pytest.mark.parametrize('adapt', [True, False])
def test_frozen_batch_norm_adapts_only_when_the_recipe_says(tiny_training_data, adapt):
    recipe = AtomRecipe(batch_size=4, val_samples=4, adapt_batch_norm=adapt)
    task = _task(tiny_training_data, 2, recipe, initial=AtomNet(), backbone_pretrained=True)
    statistics = task.model.feature_extractor.bn1.running_mean
    before = statistics.clone()
    pairs = ImagePairs(tiny_training_data, SMALL, 0)
    train_step(task, 0, [pairs[i] for i in range(4)])
    assert torch.equal(statistics, before) is not adapt


def test_learning_rate_decays_every_15_epochs(tiny_training_data):
    task = _task(tiny_training_data, 1, AtomRecipe())
    rates = [task.learning_rate_at(epoch * 1000) for epoch in (0, 14, 15, 30)]
    assert rates == pytest.approx([1e-3, 1e-3, 2e-4, 4e-5])


def test_validation_reports_loss_and_the_chosen_proposals_iou(tiny_training_data):
    metrics = _task(tiny_training_data, 1).validate()
    assert metrics['val_loss'] > 0 and 0.1 < metrics['val_iou'] <= 1.0


def test_backbone_weights_are_read_from_atom_files_or_resnet_state_dicts(tmp_path):
    from ros_tracker.atom.checkpoint import FORMAT, read_backbone_state
    net = AtomNet()
    save_weights(tmp_path / 'atom.pt', net.state_dict(), FORMAT)
    torch.save(net.feature_extractor.state_dict(), tmp_path / 'resnet18.pth')
    for name in ('atom.pt', 'resnet18.pth'):
        state = read_backbone_state(tmp_path / name)
        assert torch.equal(state['conv1.weight'], net.feature_extractor.conv1.weight)
    torch.save({'a': 1}, tmp_path / 'bad.pth')
    with pytest.raises(ValueError, match='neither ATOM weights nor a ResNet-18'):
        read_backbone_state(tmp_path / 'bad.pth')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_cuda_training_uses_mixed_precision(tiny_training_data):
    settings = RunSettings(steps=2, workers=0, progress=False, device='cuda')
    task = AtomTraining(tiny_training_data, None, AtomRecipe(batch_size=4, val_samples=4), SMALL,
                        settings, Distributed('cuda'))
    pairs = ImagePairs(tiny_training_data, SMALL, 0)
    losses = [train_step(task, step, [pairs[i] for i in range(4)]) for step in range(2)]
    assert task.amp and task.scaler.is_enabled() and all(np.isfinite(losses))
    assert next(task.model.parameters()).device.type == 'cuda'


def test_iou_quality_scores_the_shipped_iou_net_on_pairs(tiny_data, capsys):
    from ros_tracker.cli import main
    assert main(['iou-quality', '--data', f'uniform:{tiny_data}', '--samples', '4',
                 '--batch-size', '2', '--device', 'cpu']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report['weights'] == 'atom_distilled.pt' and report['samples'] == 4
    assert -1 <= report['spearman'] <= 1
    assert report['mean_iou'] <= report['best_iou'] and report['iou'] <= report['best_iou']
    with pytest.raises(SystemExit, match='iou-quality: needs ATOM weights'):
        main(['iou-quality', '--data', f'uniform:{tiny_data}', '--weights', 'random'])
