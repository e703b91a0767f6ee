from dataclasses import replace

import numpy as np
import pytest
import torch

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import Sequence
from ros_tracker.re3.checkpoint import load_re3_net
from ros_tracker.re3.params import Re3Params
from ros_tracker.re3.tracker import crop_window, decode, encode, Re3Tracker
from ros_tracker.registry import build_tracker, BuildOptions
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.loop import RunSettings, train, train_step
from ros_tracker.training.re3_samples import (covered_fraction, ensure_coverage, noisy_box,
                                              Re3Augmentation, track_starts, UnrolledSequences)
from ros_tracker.training.re3_trainer import paper_recipe, Re3Training
from ros_tracker.weights import Weights


def test_encode_is_the_inverse_of_decode():
    window = crop_window(Box(100, 50, 40, 20), 2.0)  # x 80..160, y 40..80
    target = Box(90, 45, 60, 30)
    assert encode(target, window) == pytest.approx([10 / 8, 5 / 4, 70 / 8, 35 / 4])
    assert decode(encode(target, window), window) == pytest.approx(target)


def test_coverage_rule_pulls_the_box_toward_the_target():
    target = Box(100, 100, 20, 20)
    far = Box(200, 100, 20, 20)  # its 40x40 window covers nothing of the target
    pulled = ensure_coverage(far, target, 2.0, 0.7)
    assert covered_fraction(crop_window(pulled, 2.0), target) >= 0.7
    # each pull moves 10 % of the remaining distance; the first box that covers is returned
    before = Box(target.x + (pulled.x - target.x) / 0.9, 100, 20, 20)
    assert covered_fraction(crop_window(before, 2.0), target) < 0.7
    assert ensure_coverage(target, target, 2.0, 0.7) == target


def test_noisy_boxes_keep_their_centre_in_the_previous_box_and_the_image():
    truth, previous = Box(50, 50, 20, 10), Box(45, 48, 20, 10)
    rng = np.random.default_rng(0)
    for _ in range(200):
        box = noisy_box(truth, previous, 100, 80, rng, Re3Augmentation())
        cx, cy = box.center
        assert 45 <= cx <= 65 and 48 <= cy <= 58
        assert 0.6 * 20 - 1e-9 <= box.w <= 1.4 * 20 + 1e-9


def test_track_starts_need_consecutive_boxes():
    boxes = [Box(0, 0, 1, 1)] * 3 + [None] + [Box(0, 0, 1, 1)] * 4
    sequence = Sequence('x/y', [None] * 8, boxes)
    assert track_starts(sequence, 3).tolist() == [0, 4, 5]
    assert track_starts(sequence, 9).tolist() == []


def test_samples_depend_only_on_seed_stage_and_index(tiny_training_data):
    dataset = UnrolledSequences(tiny_training_data, 2, 0.5, Re3Augmentation(), 7, 0)
    first, again = dataset[3], dataset[3]
    assert np.array_equal(first.frames, again.frames)
    assert np.array_equal(first.crop_boxes, again.crop_boxes)
    assert first.frames.shape[0] == 3 and first.truth.shape == (3, 4)
    assert np.array_equal(first.crop_boxes[0], first.truth[0])
    other_stage = UnrolledSequences(tiny_training_data, 2, 0.5, Re3Augmentation(), 7, 1)[3]
    assert not np.array_equal(other_stage.crop_boxes, first.crop_boxes)


@pytest.mark.parametrize('variant, stages', [
    ('re3', [(2, 64, 0.0), (4, 32, 0.25), (8, 16, 0.5), (16, 8, 0.75), (32, 4, 0.75),
             (32, 4, 0.75)]),
    ('dense_re3', [(2, 64, 0.0), (4, 32, 0.0), (8, 16, 0.0), (16, 8, 0.0), (32, 4, 0.0),
                   (32, 4, 0.25)]),
])
def test_curriculum_stages_follow_the_paper(variant, stages, tiny_training_data):
    task = Re3Training(variant, tiny_training_data, None, paper_recipe(variant),
                       Re3Augmentation(), RunSettings(steps=1), Distributed('cpu'))
    seen = []
    for _ in stages:
        seen.append(task.stage())
        task.plateaus += 1
    assert seen == stages


def test_prediction_crops_can_start_above_zero_as_in_the_official_training(tiny_training_data):
    recipe = replace(paper_recipe('re3'), prediction_probability=0.5)
    task = Re3Training('re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    seen = []
    for _ in range(3):
        seen.append(task.stage()[2])
        task.plateaus += 1
    assert seen == [0.5, 0.75, 0.75]  # + 0.25 a plateau, up to the cap
    high = replace(recipe, prediction_probability=0.8)
    task = Re3Training('re3', tiny_training_data, None, high, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    assert task.stage()[2] == 0.8  # a start above the cap is kept, never lowered


def test_a_frozen_tower_keeps_its_weights_while_the_rest_learns(tiny_training_data):
    recipe = replace(paper_recipe('dense_re3'), batch_size=2, lr=1e-3, freeze_tower=True)
    task = Re3Training('dense_re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1, workers=0), Distributed('cpu'))
    tower = {k: v.clone() for k, v in task.model.tower.state_dict().items()}
    fc6 = task.model.fc6.weight.detach().clone()
    train_step(task, 0, next(task.batches(0, 1)))
    assert all(torch.equal(v, task.model.tower.state_dict()[k]) for k, v in tower.items())
    assert all(p.grad is None for p in task.model.tower.parameters())
    assert not torch.equal(fc6, task.model.fc6.weight)
    assert [g['lr_scale'] for g in task.optimizer.param_groups] == [1.0]


def test_learning_rate_schedules_follow_the_paper(tiny_training_data):
    plain = Re3Training('re3', tiny_training_data, None, paper_recipe('re3'), Re3Augmentation(),
                        RunSettings(steps=1), Distributed('cpu'))
    assert [plain.learning_rate_at(s) for s in (0, 9_999, 10_000)] == [1e-5, 1e-5, 1e-6]
    residual = Re3Training('residual_re3', tiny_training_data, None,
                           paper_recipe('residual_re3'), Re3Augmentation(),
                           RunSettings(steps=1), Distributed('cpu'))
    rates = []
    for _ in range(4):
        rates.append(residual.learning_rate_at(50_000))
        residual.plateaus += 1
    assert rates == pytest.approx([1e-4, 1e-5, 1e-6, 1e-6])
    assert [g['lr_scale'] for g in residual.optimizer.param_groups] == [0.1, 1.0]


def test_a_plateau_of_the_validation_loss_advances_the_curriculum(tiny_training_data):
    recipe = replace(paper_recipe('re3'), patience=2)
    task = Re3Training('re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    assert not task.after_validation({'val_loss': 1.0}, 10)
    assert not task.after_validation({'val_loss': 0.995}, 20)  # < 1 % better: stale
    assert task.after_validation({'val_loss': 0.999}, 30)
    assert task.stage() == (4, 32, 0.25)


def test_a_plateau_of_the_held_out_tracking_auc_advances_the_curriculum(tiny_training_data):
    recipe = replace(paper_recipe('re3'), patience=2)
    task = Re3Training('re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    # The loss falls, the tracking does not improve: the tracking decides.
    assert not task.after_validation({'val_loss': 1.0, 'val_auc': 0.30}, 10)
    assert not task.after_validation({'val_loss': 0.5, 'val_auc': 0.302}, 20)  # < 1 %: stale
    assert task.after_validation({'val_loss': 0.2, 'val_auc': 0.29}, 30)
    assert task.stage() == (4, 32, 0.25)


def test_a_stage_lasts_min_stage_steps_before_a_plateau_can_end_it(tiny_training_data):
    recipe = replace(paper_recipe('re3'), patience=1, min_stage_steps=100)
    task = Re3Training('re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    assert not task.after_validation({'val_loss': 1.0}, 10)
    assert not task.after_validation({'val_loss': 1.0}, 50)  # stale, but the stage is young
    assert task.after_validation({'val_loss': 1.0}, 110)
    assert not task.after_validation({'val_loss': 1.0}, 120)  # the new stage starts at 110
    assert task.stage()[0] == 4


@pytest.mark.parametrize('batch, frozen', [(2, True), (3, False)])
def test_batch_norm_never_normalizes_batches_below_its_minimum(batch, frozen, tiny_training_data):
    recipe = replace(paper_recipe('dense_re3'), batch_size=batch, batch_norm_min_batch=3)
    task = Re3Training('dense_re3', tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1, workers=0), Distributed('cpu'))
    before = task.model.fc6_bn.running_mean.clone()
    train_step(task, 0, next(task.batches(0, 1)))
    assert torch.equal(task.model.fc6_bn.running_mean, before) == frozen


def test_held_out_tracking_is_measured_against_the_static_box(tiny_training_data):
    from ros_tracker.baselines import StaticBoxTracker, StaticParams
    from ros_tracker.training.tracking_validation import picked_sequences, tracking_metrics
    sequences = picked_sequences(tiny_training_data.sequences, 5)
    assert sequences == tiny_training_data.sequences  # fewer than asked: all of them
    metrics = tracking_metrics(lambda: StaticBoxTracker(StaticParams()), sequences, 8)
    assert metrics['val_auc'] == metrics['val_static_auc'] < 1.0  # the square moves away
    assert metrics['val_failures'] == metrics['val_static_failures']
    assert metrics['val_size_drift'] == pytest.approx(0.0, abs=1e-9)  # its size never changes


def _recipe():
    return replace(paper_recipe('re3'), batch_size=2, lr=1e-4, val_samples=2, val_frames=5,
                   patience=1, min_improvement=0.9)


def _run(data, out, steps, workers=0):
    settings = RunSettings(steps=steps, workers=workers, log_every=1, val_every=1,
                           checkpoint_every=2, progress=False)
    task = Re3Training('re3', data, None, _recipe(), Re3Augmentation(), settings,
                       Distributed('cpu'))
    weights = train(task, settings, out, Distributed('cpu'))
    return task, weights


@pytest.fixture(scope='module')
def re3_runs(tiny_training_data, tmp_path_factory):
    """Four steps in one go, and two steps then two more resumed from the checkpoint. The
    validations at steps 2 and 4 find plateaus, so the resumed run starts in the second stage
    (4 unrolls) and ends in the third."""
    root = tmp_path_factory.mktemp('re3_runs')
    full, weights = _run(tiny_training_data, root / 'full', 4, workers=1)
    _run(tiny_training_data, root / 'resumed', 2)
    resumed, _ = _run(tiny_training_data, root / 'resumed', 4)
    return full, resumed, weights, root


def test_training_lowers_the_loss(tiny_training_data):
    task = Re3Training('re3', tiny_training_data, tiny_training_data, _recipe(),
                       Re3Augmentation(), RunSettings(steps=4), Distributed('cpu'))
    dataset = UnrolledSequences(tiny_training_data, 2, 0.0, Re3Augmentation(), 0, 0)
    batch = [dataset[0], dataset[1]]
    with torch.no_grad():
        before = float(task.unrolled(batch))
    for step in range(4):
        train_step(task, step, batch)
    with torch.no_grad():
        after = float(task.unrolled(batch))
    assert after < 0.8 * before
    metrics = task.validate()
    assert 0.0 <= metrics['val_iou'] <= 1.0 and metrics['val_loss'] > 0


@pytest.mark.parametrize('variant', ['residual_re3', 'dense_re3'])
def test_a_network_started_at_the_previous_box_stays_where_it_started(variant, tiny_training_data,
                                                                      tiny_data):
    recipe = replace(_recipe(), start_at_previous_box=True)
    task = Re3Training(variant, tiny_training_data, None, recipe, Re3Augmentation(),
                       RunSettings(steps=1), Distributed('cpu'))
    tracker = Re3Tracker(task.model, Re3Params(), torch.device('cpu'))
    frames = sorted((tiny_data / 'Synthetic' / 'a' / 'img').glob('*.jpg'))
    sequence = Sequence('x/y', frames, [None] * len(frames))
    start = Box(40.0, 100.0, 40.0, 20.0)
    tracker.initialize(sequence.frame(0), start)
    for index in range(1, 4):
        box = tracker.track(sequence.frame(index)).box
        assert np.allclose(box.xyxy(), start.xyxy(), atol=1e-3)


def test_resuming_reproduces_the_uninterrupted_run_exactly(re3_runs):
    full, resumed, _, root = re3_runs
    assert full.plateaus == resumed.plateaus == 2
    for name, value in full.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name]), name
    full_state = full.optimizer.state_dict()['state']
    resumed_state = resumed.optimizer.state_dict()['state']
    assert all(torch.equal(full_state[k]['exp_avg'], resumed_state[k]['exp_avg'])
               for k in full_state)
    assert ((root / 'full' / 'metrics.csv').read_text()
            .replace('\r', '').splitlines()[1:][-1].split(',')[1]
            == (root / 'resumed' / 'metrics.csv').read_text()
            .replace('\r', '').splitlines()[1:][-1].split(',')[1])


def test_exported_weights_load_into_the_tracker(re3_runs, tiny_data):
    full, _, weights, root = re3_runs
    # Without held-out sequences the selection score is the negated validation loss.
    assert (root / 'full' / 'best.pt').is_file()
    net = load_re3_net(weights, 're3')
    for name, value in full.model.state_dict().items():
        assert torch.equal(value.cpu(), net.state_dict()[name])
    tracker = build_tracker('re3', {},
                            BuildOptions(device='cpu', weights=Weights.of_file(weights)))
    sequence = Sequence('x/y', sorted((tiny_data / 'Synthetic' / 'a' / 'img').glob('*.jpg')),
                        [None] * 12)
    tracker.initialize(sequence.frame(0), Box(40, 100, 40, 40))
    assert tracker.track(sequence.frame(1)).box.is_finite()
