"""Official-layout checkpoints load without the training framework and without running code."""

import os
import sys
import types

import pytest
import torch

from official_layout import official_state_dict
from ros_tracker.atom.checkpoint import (CheckpointError, convert, FORMAT, load_atom_net,
                                         load_state_dict_strictly, read_state_dict,
                                         UNUSED_PREFIXES)
from ros_tracker.atom.model import atom_net
from ros_tracker.weights import save_weights


class NetConstructor:
    def __init__(self, fun_name, fun_module, args, kwds):
        self.fun_name, self.fun_module, self.args, self.kwds = fun_name, fun_module, args, kwds


class Settings:
    def __init__(self):
        self.env = EnvironmentSettings()
        self.batch_size = 64


class EnvironmentSettings:
    def __init__(self):
        self.workspace_dir = '/home/someone/ws'


class AverageMeter:
    def __init__(self):
        self.avg, self.count = 0.25, 100


@pytest.fixture
def training_framework(monkeypatch):
    """Pretends the training framework is importable while a checkpoint is written."""
    names = {NetConstructor: 'dlframework.common.utils.model_constructor',
             Settings: 'dlframework.admin.settings',
             EnvironmentSettings: 'dlframework.admin.local',
             AverageMeter: 'ltr.admin.stats'}
    for cls, module_name in names.items():
        parts = module_name.split('.')
        for depth in range(1, len(parts) + 1):  # pickle imports every parent package
            name = '.'.join(parts[:depth])
            if name not in sys.modules:
                monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        setattr(sys.modules[module_name], cls.__name__, cls)
        monkeypatch.setattr(cls, '__module__', module_name)
    yield


def write_official_checkpoint(path, legacy_format, state=None):
    checkpoint = {
        'epoch': 50, 'actor_type': 'AtomActor', 'net_type': 'ATOMnet',
        'net': state if state is not None else official_state_dict(),
        'net_info': None,
        'constructor': NetConstructor('atom_resnet18', 'ltr.models.bbreg.atom', (), {}),
        'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-3}]},
        'stats': {'train': {'Loss/total': AverageMeter()}},
        'settings': Settings(),
    }
    torch.save(checkpoint, path, _use_new_zipfile_serialization=not legacy_format)


@pytest.mark.parametrize('legacy_format', [False, True])
def test_official_checkpoint_loads_into_the_network(tmp_path, training_framework, legacy_format):
    path = tmp_path / 'atom_default.pth'
    write_official_checkpoint(path, legacy_format)
    for module in list(sys.modules):
        if module.startswith(('dlframework', 'ltr')):
            del sys.modules[module]  # as on a user's machine: no training framework installed
    net = load_atom_net(path)
    expected = official_state_dict()
    assert all(torch.equal(value, expected[key]) for key, value in net.state_dict().items())


def test_convert_writes_a_weights_only_file(tmp_path, training_framework):
    source, destination = tmp_path / 'atom_default.pth', tmp_path / 'atom.pt'
    write_official_checkpoint(source, legacy_format=True)
    digest = convert(source, destination)
    assert len(digest) == 64
    content = torch.load(destination, weights_only=True)
    assert content['format'] == 'ros_tracker.atom.weights'
    assert read_state_dict(destination).keys() == official_state_dict().keys()


class Payload:
    """A pickle that runs a shell command when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}',)


@pytest.mark.parametrize('legacy_format', [False, True])
def test_code_carrying_pickles_are_refused_without_running(tmp_path, legacy_format):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'net': official_state_dict(), 'settings': Payload(marker)}, path,
               _use_new_zipfile_serialization=not legacy_format)
    with pytest.raises(CheckpointError, match=r'refused: it references (posix|os)\.system'):
        read_state_dict(path)
    assert not marker.exists()


def test_files_that_are_not_atom_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match='no such file'):
        read_state_dict(tmp_path / 'missing.pth')
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint at all')
    with pytest.raises(CheckpointError, match='cannot be read'):
        read_state_dict(garbage)
    other = tmp_path / 'other.pth'
    torch.save({'model': {}}, other)
    with pytest.raises(CheckpointError, match='not an ATOM checkpoint'):
        read_state_dict(other)


def test_mismatching_keys_are_listed():
    state = official_state_dict()
    del state['bb_regressor.iou_predictor.bias']
    state['bb_regressor.extra.weight'] = torch.zeros(1)
    state['bb_regressor.fc3_rt.linear.weight'] = torch.zeros(256, 100)
    with pytest.raises(CheckpointError) as error:
        load_state_dict_strictly(atom_net(), state, 'file.pth')
    message = str(error.value)
    assert 'missing keys: bb_regressor.iou_predictor.bias' in message
    assert 'unexpected keys: bb_regressor.extra.weight' in message
    assert 'bb_regressor.fc3_rt.linear.weight (256, 100) != (256, 6400)' in message


def test_compact_files_leave_out_unused_stages_and_load_in_full_precision(tmp_path):
    torch.manual_seed(3)
    full = atom_net()
    source, compact = tmp_path / 'atom.pt', tmp_path / 'atom_compact.pt'
    save_weights(source, full.state_dict(), FORMAT)
    convert(source, compact, compact=True)
    stored = read_state_dict(compact)
    assert not any(k.startswith(UNUSED_PREFIXES) for k in stored)
    assert {v.dtype for v in stored.values() if v.is_floating_point()} == {torch.float16}
    assert stored['feature_extractor.bn1.num_batches_tracked'].dtype == torch.int64
    assert compact.stat().st_size < 0.3 * source.stat().st_size
    loaded = load_atom_net(compact).state_dict()
    for key, value in full.state_dict().items():
        if key.startswith(UNUSED_PREFIXES):
            continue
        assert loaded[key].dtype == value.dtype
        assert torch.equal(loaded[key], value.half().to(value.dtype)), key


def test_a_missing_key_that_atom_uses_is_still_an_error(tmp_path):
    state = {k: v for k, v in atom_net().state_dict().items()
             if not k.startswith('feature_extractor.layer3.1.')}
    save_weights(tmp_path / 'partial.pt', state, FORMAT)
    with pytest.raises(CheckpointError, match='missing keys: feature_extractor.layer3.1.bn1.bias'):
        load_atom_net(tmp_path / 'partial.pt')
