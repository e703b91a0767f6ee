import json

import pytest

from ros_tracker.cli import main
from ros_tracker.training.atom_samples import PairSettings
from ros_tracker.training.atom_trainer import AtomRecipe
from ros_tracker.training.command import apply_overrides, parse_overrides, settings_changes
from ros_tracker.weights import CheckpointError


def test_train_command_writes_weights_settings_and_metrics(tiny_data, tmp_path, capsys):
    out = tmp_path / 'run'
    assert main(['train', 'atom', '--data', f'uniform:{tiny_data}', '--out', str(out),
                 '--steps', '2', '--workers', '0', '--log-every', '1', '--val-every', '2',
                 '--set', 'batch_size=2', '--set', 'val_samples=2', '--set', 'output_size=64',
                 '--no-progress', '--device', 'cpu']) == 0
    assert f'weights: {out / "weights.pt"}' in capsys.readouterr().out
    settings = json.loads((out / 'settings.json').read_text())
    assert settings['recipe']['batch_size'] == 2 and settings['pairs']['output_size'] == 64
    assert settings['data'] == [f'uniform:{tiny_data}'] and settings['run']['steps'] == 2
    rows = (out / 'metrics.csv').read_text().splitlines()
    assert rows[0].startswith('step,loss,lr,samples_per_s') and len(rows) == 3
    assert main(['plot-training', str(out)]) == 0
    assert (out / 'learning_curves.png').stat().st_size > 10_000


def test_resume_refuses_other_settings_unless_fresh(tiny_data, tmp_path):
    out = tmp_path / 'run'
    command = ['train', 'atom', '--data', f'uniform:{tiny_data}', '--out', str(out),
               '--steps', '1', '--workers', '0', '--val-every', '0', '--set', 'val_samples=2',
               '--set', 'output_size=64', '--no-progress', '--device', 'cpu']
    assert main(command + ['--set', 'batch_size=2']) == 0
    with pytest.raises(ValueError, match=r'trained with other settings \(recipe.batch_size: 2 '
                                         r'-> 3\): resuming would mix two runs; use --fresh'):
        main(command + ['--set', 'batch_size=3'])
    assert json.loads((out / 'settings.json').read_text())['recipe']['batch_size'] == 2
    longer = list(command)
    longer[longer.index('--steps') + 1] = '2'  # running on is a resume, not other settings
    assert main(longer + ['--set', 'batch_size=2']) == 0
    assert main(command + ['--set', 'batch_size=3', '--fresh']) == 0
    assert json.loads((out / 'settings.json').read_text())['recipe']['batch_size'] == 3


def test_settings_changes_name_what_differs_except_run_length_reporting_and_new_ones():
    old = {'run': {'steps': 10, 'seed': 0}, 'recipe': {'lr': 0.1}, 'torch': '2.13.0'}
    new = {'run': {'steps': 20, 'seed': 1}, 'recipe': {'lr': 0.1, 'grad_clip': 10.0},
           'torch': '2.14.1'}
    # A setting the earlier version did not have (grad_clip) does not block its resume.
    assert settings_changes(old, new) == ['run.seed: 0 -> 1']


def test_overrides_are_typed_and_unknown_keys_are_refused():
    assert parse_overrides(['lr=1e-4', 'proposal_sigmas=[0.1, 0.2]']) == {
        'lr': 1e-4, 'proposal_sigmas': [0.1, 0.2]}
    recipe, pairs = apply_overrides([AtomRecipe(), PairSettings()],
                                    {'lr': 1e-4, 'proposal_sigmas': [0.1, 0.2]})
    assert recipe.lr == 1e-4 and pairs.proposal_sigmas == (0.1, 0.2)
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) \['lrate'\]"):
        apply_overrides([AtomRecipe()], {'lrate': 1.0})
    with pytest.raises(ValueError, match='must be a int'):
        apply_overrides([AtomRecipe()], {'batch_size': 'many'})
    with pytest.raises(ValueError, match='KEY=VALUE'):
        parse_overrides(['batch_size'])


def test_a_missing_re3_tower_is_reported(tiny_data, tmp_path):
    with pytest.raises(CheckpointError, match='x.pth: no such file'):
        main(['train', 're3', '--data', f'uniform:{tiny_data}', '--out', str(tmp_path),
              '--steps', '1', '--backbone', 'x.pth', '--device', 'cpu'])


def test_torchrun_trains_with_two_processes_unchanged(tiny_data, tmp_path):
    """Two CPU processes (gloo over loopback) split every step's batch and keep one model."""
    import os
    import subprocess
    import sys
    torchrun = os.path.join(os.path.dirname(sys.executable), 'torchrun')
    out = tmp_path / 'ddp'
    env = {**os.environ, 'GLOO_SOCKET_IFNAME': 'lo', 'OMP_NUM_THREADS': '1'}
    result = subprocess.run(
        [torchrun, '--standalone', '--nproc_per_node', '2', '-m', 'ros_tracker.cli', 'train',
         'atom', '--data', f'uniform:{tiny_data}', '--out', str(out), '--steps', '2',
         '--workers', '0', '--log-every', '1', '--val-every', '2', '--set', 'batch_size=2',
         '--set', 'val_samples=2', '--set', 'output_size=64', '--no-progress',
         '--device', 'cpu'], env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count('weights: ') == 1  # rank 0 reports and exports
    assert json.loads((out / 'settings.json').read_text())['world_size'] == 2
    header, *rows = (out / 'metrics.csv').read_text().splitlines()
    assert len(rows) == 2 and 'val_iou' in header
    assert (out / 'weights.pt').is_file()
