from dataclasses import replace

import numpy as np
import pytest
import torch

from ros_tracker.atom.checkpoint import BACKBONE_FORMAT, read_backbone_state
from ros_tracker.atom.model import AtomNet
from ros_tracker.re3.checkpoint import read_tower_state
from ros_tracker.training.command import build_task
from ros_tracker.training.distill import (BackboneDistillation, distill_recipe, DistillationCrops,
                                          DistillRecipe, Teacher)
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.loop import RunSettings, train_step
from ros_tracker.weights import CheckpointError, load_state_dict_strictly, save_weights

RECIPE = DistillRecipe(batch_size=4, val_samples=4, statistics_samples=8)


def test_crops_are_reproducible_and_the_teacher_sees_the_same_crop(tiny_training_data,
                                                                   nanotrack_backbone):
    crops = DistillationCrops(tiny_training_data, Teacher(nanotrack_backbone), RECIPE, 3)
    crop, features = crops[7]
    again, _ = crops[7]
    assert np.array_equal(crop, again) and crop.shape == (192, 192, 3)
    assert features.shape == (48, 12, 12)  # stride 16, like ResNet-18's layer3
    assert np.allclose(features, Teacher(nanotrack_backbone).features(crop))


def test_distillation_lowers_the_loss_and_exports_an_atom_backbone(tiny_training_data, tiny_data,
                                                                   nanotrack_backbone,
                                                                   tmp_path):
    settings = RunSettings(steps=8, workers=0, log_every=1, val_every=8, progress=False)
    task = BackboneDistillation(tiny_training_data, None, Teacher(nanotrack_backbone),
                                replace(RECIPE, lr=3e-3), settings, Distributed('cpu'))
    crops = DistillationCrops(tiny_training_data, task.teacher, RECIPE, 0)
    batch = [crops[i] for i in range(4)]
    task.model.train()
    with torch.no_grad():
        before = float(task._loss(task.model, batch))
    for step in range(8):
        train_step(task, step, batch)
    with torch.no_grad():
        after = float(task._loss(task.model, batch))
    assert after < 0.7 * before
    weights = tmp_path / 'backbone.pt'
    task.export(weights)
    net = AtomNet()
    load_state_dict_strictly(net.feature_extractor, read_backbone_state(weights), 'backbone')
    assert torch.equal(net.feature_extractor.conv1.weight, task.model.backbone.conv1.weight)
    atom, _ = build_task('atom', [f'uniform:{tiny_data}'], [], RunSettings(steps=1), {},
                         Distributed('cpu'), backbone=str(weights))
    assert torch.equal(atom.model.feature_extractor.layer3[0].conv1.weight,
                       task.model.backbone.layer3[0].conv1.weight)
    assert len(atom.optimizer.param_groups) == 1  # the distilled backbone stays frozen


def test_distillation_of_the_re3_tower_feeds_a_dense_re3_run(tiny_training_data, tiny_data,
                                                             nanotrack_backbone, tmp_path):
    recipe = replace(distill_recipe('re3_tower'), batch_size=4, val_samples=4,
                     statistics_samples=8, lr=3e-3)
    settings = RunSettings(steps=8, workers=0, log_every=1, val_every=8, progress=False)
    task = BackboneDistillation(tiny_training_data, None, Teacher(nanotrack_backbone), recipe,
                                settings, Distributed('cpu'), 're3_tower')
    crops = DistillationCrops(tiny_training_data, task.teacher, recipe, 0)
    batch = [crops[i] for i in range(4)]
    assert batch[0][0].shape == (224, 224, 3)
    with torch.no_grad():
        before = float(task._loss(task.model, batch))
    skip_before = task.model.backbone.conv5_skip.conv.weight.clone()
    for step in range(8):
        train_step(task, step, batch)
    with torch.no_grad():
        after = float(task._loss(task.model, batch))
    assert after < 0.8 * before
    assert torch.equal(task.model.backbone.conv5_skip.conv.weight, skip_before)  # not run
    weights = tmp_path / 'tower.pt'
    task.export(weights)
    assert set(read_tower_state(weights)) == set(task.model.backbone.state_dict())
    dense, _ = build_task('dense_re3', [f'uniform:{tiny_data}'], [], RunSettings(steps=1), {},
                          Distributed('cpu'), backbone=str(weights))
    assert torch.equal(dense.model.tower.conv3.weight, task.model.backbone.conv3.weight)
    atom_backbone = tmp_path / 'atom_backbone.pt'
    save_weights(atom_backbone, {'feature_extractor.conv1.weight': torch.zeros(1)},
                 BACKBONE_FORMAT)
    with pytest.raises(CheckpointError, match='not a ros_tracker.re3.tower file'):
        build_task('re3', [f'uniform:{tiny_data}'], [], RunSettings(steps=1), {},
                   Distributed('cpu'), backbone=str(atom_backbone))


def test_learning_rate_is_cosine_from_start_to_end(tiny_training_data, nanotrack_backbone):
    task = BackboneDistillation(tiny_training_data, None, Teacher(nanotrack_backbone), RECIPE,
                                RunSettings(steps=11), Distributed('cpu'))
    assert task.learning_rate_at(0) == pytest.approx(1e-3)
    assert task.learning_rate_at(5) == pytest.approx((1e-3 + 1e-5) / 2)
    assert task.learning_rate_at(10) == pytest.approx(1e-5)


def test_teacher_is_required_by_distillation_only(tiny_data, tmp_path):
    run = RunSettings(steps=1)
    with pytest.raises(ValueError, match='--teacher'):
        build_task('atom_backbone', [f'uniform:{tiny_data}'], [], run, {}, Distributed('cpu'))
    with pytest.raises(ValueError, match='--teacher'):
        build_task('atom', [f'uniform:{tiny_data}'], [], run, {}, Distributed('cpu'),
                   teacher=str(tmp_path / 'x.onnx'))
    with pytest.raises(ValueError, match='--teacher'):
        build_task('re3_tower', [f'uniform:{tiny_data}'], [], run, {}, Distributed('cpu'))
    with pytest.raises(ValueError, match='--backbone is for atom and the Re3 family'):
        build_task('re3_tower', [f'uniform:{tiny_data}'], [], run, {}, Distributed('cpu'),
                   backbone=str(tmp_path / 'x.pt'), teacher=str(tmp_path / 'x.onnx'))
    with pytest.raises(ValueError, match='no such teacher model'):
        Teacher(tmp_path / 'missing.onnx')
