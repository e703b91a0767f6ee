import numpy as np
import pytest
import torch

from ros_tracker.atom.model import AtomNet
from ros_tracker.boxes import Box, iou
from ros_tracker.training.atom_samples import ImagePairs, PairSettings, stack_pairs
from ros_tracker.training.atom_trainer import AtomRecipe, AtomTraining, IoUPrediction
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.feature_pool import FeaturePool
from ros_tracker.training.loop import RunSettings, train, train_step

SMALL = PairSettings(output_size=128, proposals=8)
CPU = torch.device('cpu')


@pytest.fixture(scope='module')
def net():
    torch.manual_seed(0)
    return AtomNet().train()


def test_pooled_features_are_the_backbone_features_of_the_pairs(net, tiny_training_data):
    pairs = ImagePairs(tiny_training_data, SMALL, 2)
    pool = FeaturePool(net, pairs, 5, 2, CPU)
    assert len(pool) == 5 and net.training  # the training flag is given back
    batch = stack_pairs([pairs[i] for i in range(5)], CPU)
    net.eval()
    with torch.no_grad():
        features = net.extract_features(torch.cat([batch['reference'], batch['test']]))
    net.train()
    for index, name in enumerate(net.iou_layers):
        reference, test = features[name].chunk(2)
        assert pool.reference[index].dtype == torch.float16
        torch.testing.assert_close(pool.reference[index].float(), reference, atol=2e-2,
                                   rtol=1e-2)
        torch.testing.assert_close(pool.test[index].float(), test, atol=2e-2, rtol=1e-2)
    assert torch.equal(pool.reference_boxes, batch['reference_box'])
    assert np.array_equal(pool.test_boxes, np.stack([pairs[i].test_box for i in range(5)]))


def test_draws_are_reproducible_with_fresh_proposals_around_the_pooled_target(
        net, tiny_training_data):
    pool = FeaturePool(net, ImagePairs(tiny_training_data, SMALL, 2), 3, 3, CPU)
    first, again, other = pool.batch([7, 8]), pool.batch([7, 8]), pool.batch([9, 10])
    assert torch.equal(first['proposals'], again['proposals'])
    assert not torch.equal(first['proposals'], other['proposals'])
    assert first['proposals'].shape == (2, 8, 4) and first['ious'].shape == (2, 8)
    assert [f.shape[0] for f in first['reference'] + first['test']] == [2] * 4
    for sample in range(2):
        slot = [s for s in range(3)
                if torch.equal(first['reference'][0][sample], pool.reference[0][s].float())][0]
        target = Box(*pool.test_boxes[slot].tolist())
        for proposal, overlap in zip(first['proposals'][sample], first['ious'][sample]):
            assert float(overlap) == pytest.approx(iou(Box(*proposal.tolist()), target),
                                                   rel=1e-5)


def test_pooled_and_image_inputs_give_the_same_prediction(net, tiny_training_data):
    pairs = ImagePairs(tiny_training_data, SMALL, 4)
    pool = FeaturePool(net, pairs, 2, 2, CPU)
    batch = stack_pairs([pairs[0], pairs[1]], CPU)
    net.eval()
    with torch.no_grad():
        from_images = IoUPrediction(net, False)(batch['reference'], batch['test'],
                                                batch['reference_box'], batch['proposals'])
        pooled = net.bb_regressor([f.float() for f in pool.reference],
                                  [f.float() for f in pool.test], pool.reference_boxes,
                                  batch['proposals'])
    net.train()
    torch.testing.assert_close(pooled, from_images, atol=2e-2, rtol=2e-2)


def _task(data, steps, pool=6, backbone_pretrained=True):
    settings = RunSettings(steps=steps, workers=0, log_every=1, val_every=0,
                           checkpoint_every=2, progress=False)
    torch.manual_seed(1)
    return AtomTraining(data, None, AtomRecipe(batch_size=4, val_samples=4, feature_pool=pool),
                        SMALL, settings, Distributed('cpu'), AtomNet(),
                        backbone_pretrained=backbone_pretrained)


def test_pooled_training_resumes_exactly_and_leaves_the_backbone_alone(tiny_training_data,
                                                                       tmp_path):
    full = _task(tiny_training_data, 4)
    backbone = {k: v.clone() for k, v in full.model.feature_extractor.state_dict().items()}
    train(full, full.settings, tmp_path / 'full', full.dist)
    for name, value in full.model.feature_extractor.state_dict().items():
        assert torch.equal(value, backbone[name]), name  # batch-norm statistics included
    first = _task(tiny_training_data, 2)
    train(first, first.settings, tmp_path / 'resumed', first.dist)
    resumed = _task(tiny_training_data, 4)
    train(resumed, resumed.settings, tmp_path / 'resumed', resumed.dist)
    for name, value in full.model.bb_regressor.state_dict().items():
        assert torch.equal(value, resumed.model.bb_regressor.state_dict()[name]), name


def test_pooled_training_lowers_the_loss_on_its_pool(tiny_training_data):
    task = _task(tiny_training_data, 6, pool=4)
    next(task.batches(0, 1))  # builds the pool
    batch = task.pool.batch(list(range(4)))

    def loss():
        with torch.no_grad():
            return float(task.loss(batch))

    task.prediction.train()
    before = loss()
    for step in range(6):
        train_step(task, step, batch)
    assert loss() < 0.5 * before


def test_a_pool_needs_a_frozen_pretrained_backbone(tiny_training_data):
    with pytest.raises(ValueError, match='feature_pool needs a pretrained backbone'):
        _task(tiny_training_data, 1, backbone_pretrained=False)
    with pytest.raises(ValueError, match='at least one pair'):
        FeaturePool(AtomNet(), ImagePairs(tiny_training_data, SMALL, 0), 0, 1, CPU)
