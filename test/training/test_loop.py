import pickle

import pytest
import torch

from ros_tracker.training.checkpoints import (load_checkpoint, restore_rng_states, rng_states,
                                              save_checkpoint)
from ros_tracker.training.distributed import StepBatches
from ros_tracker.training.loop import optimizer_step
from ros_tracker.training.metrics_log import MetricsLog
from ros_tracker.training.task import fixed_batches, TrainingTask
from ros_tracker.weights import CheckpointError


class _Ranks:
    def __init__(self, rank, world_size):
        self.rank, self.world_size = rank, world_size


def test_step_batches_split_every_step_between_processes_and_resume_mid_epoch():
    assert list(StepBatches(0, 2, 3, _Ranks(0, 1))) == [[0, 1, 2], [3, 4, 5]]
    rank0 = list(StepBatches(1, 3, 2, _Ranks(0, 2)))
    rank1 = list(StepBatches(1, 3, 2, _Ranks(1, 2)))
    assert rank0 == [[4, 5], [8, 9]] and rank1 == [[6, 7], [10, 11]]
    assert len(StepBatches(5, 3, 2, _Ranks(0, 1))) == 0


def test_checkpoints_round_trip_with_random_states(tmp_path):
    states = rng_states()
    expected = torch.rand(3)
    save_checkpoint(tmp_path / 'last.pt', {'step': 7, 'rng': states})
    torch.rand(5)
    content = load_checkpoint(tmp_path / 'last.pt')
    restore_rng_states(content['rng'])
    assert content['step'] == 7 and torch.equal(torch.rand(3), expected)
    assert not (tmp_path / 'last.partial').exists()


class _RunsCode:
    def __reduce__(self):
        return (print, ('this must never run',))


def test_checkpoints_that_carry_code_or_are_foreign_are_refused(tmp_path, capsys):
    (tmp_path / 'evil.pt').write_bytes(pickle.dumps({'format': 'x', 'a': _RunsCode()}, protocol=2))
    with pytest.raises(CheckpointError, match='cannot be read'):
        load_checkpoint(tmp_path / 'evil.pt')
    assert 'this must never run' not in capsys.readouterr().out
    torch.save({'step': 1}, tmp_path / 'other.pt')
    with pytest.raises(CheckpointError, match='not a ros_tracker.training.checkpoint file'):
        load_checkpoint(tmp_path / 'other.pt')


def test_a_resumed_metrics_log_drops_rows_after_its_step(tmp_path):
    log = MetricsLog(tmp_path, 0)
    for step in (10, 20, 30):
        log.write(step, {'loss': step / 10})
    resumed = MetricsLog(tmp_path, 20)
    resumed.write(30, {'loss': 9.0, 'val_loss': 1.0})
    rows = (tmp_path / 'metrics.csv').read_text().splitlines()
    assert rows == ['step,loss,val_loss', '10,1.0,', '20,2.0,', '30,9.0,1.0']


def test_sources_weigh_equally_however_many_sequences_they_bring():
    import numpy as np
    from ros_tracker.training.sampling import EqualSources
    picker = EqualSources(['small'] + [f'big{i}' for i in range(9)], [0] + [1] * 9)
    rng = np.random.default_rng(0)
    draws = [picker.draw(rng) for _ in range(4000)]
    assert draws.count('small') / len(draws) == pytest.approx(0.5, abs=0.03)
    assert len(picker) == 10


def test_combined_training_data_numbers_its_sources(tmp_path):
    from ros_tracker.datasets.training_sets import read_sources
    from scenes import write_sequence
    write_sequence(tmp_path / 'A' / 'one')
    write_sequence(tmp_path / 'A' / 'two')
    data = read_sources([f'uniform:{tmp_path}', f'uniform:{tmp_path}:A/one'])
    assert data.sequence_sources == [0, 0, 1]


def test_fixed_batches_cover_every_index_once():
    assert [list(b) for b in fixed_batches(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(fixed_batches(0, 3)) == []


class _LinearTask(TrainingTask):
    """A one-layer model for the loop's optimizer step."""

    def __init__(self, grad_clip: float) -> None:
        torch.manual_seed(0)
        self.model = torch.nn.Linear(4, 1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.0)
        self.scaler = torch.amp.GradScaler('cuda', enabled=False)
        self.grad_clip = grad_clip

    def batches(self, start_step, end_step):
        return iter(())

    def learning_rate_at(self, step):
        return 0.0

    def loss(self, batch):
        return self.model(batch).sum()

    def validate(self):
        return {}

    def export(self, path):
        return ''


def gradient_norm(model: torch.nn.Module) -> float:
    return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in
                                                       model.parameters()])))


@pytest.mark.parametrize('grad_clip, expected', [(0.0, 'unclipped'), (1.0, 1.0)])
def test_gradients_are_clipped_to_the_global_norm(grad_clip, expected):
    task = _LinearTask(grad_clip)
    batch = torch.full((8, 4), 10.0)  # d(sum)/dw = 80 per weight, d/db = 8: norm ~160.2
    optimizer_step(task, task.loss(batch))
    unclipped = (4 * 80.0 ** 2 + 8.0 ** 2) ** 0.5
    assert gradient_norm(task.model) == pytest.approx(
        unclipped if expected == 'unclipped' else expected, rel=1e-5)
