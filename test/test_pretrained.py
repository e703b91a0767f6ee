"""The weights that ship with the package: the default of ATOM, checked before every use."""

import shutil

import pytest
import torch

from ros_tracker import pretrained
from ros_tracker.atom.checkpoint import load_atom_net, read_state_dict, UNUSED_PREFIXES
from ros_tracker.pretrained import resolve_weights, SHIPPED
from ros_tracker.registry import build_tracker, BuildOptions, weights_label
from ros_tracker.weights import CheckpointError, file_sha256

ATOM = SHIPPED['atom']


def test_the_shipped_atom_file_is_small_weights_only_half_precision_and_as_registered():
    assert ATOM.path.stat().st_size <= 40 * 1024 * 1024
    assert file_sha256(ATOM.path) == ATOM.sha256
    state = read_state_dict(ATOM.path)  # weights_only=True inside
    assert not any(k.startswith(UNUSED_PREFIXES) for k in state)
    assert {v.dtype for v in state.values() if v.is_floating_point()} == {torch.float16}


def test_atom_tracks_with_the_shipped_weights_unless_told_otherwise():
    shipped = load_atom_net(ATOM.path).state_dict()
    key = 'bb_regressor.iou_predictor.weight'
    default = build_tracker('atom', {}, BuildOptions(device='cpu'))
    assert torch.equal(default.net.state_dict()[key], shipped[key])
    untrained = build_tracker('atom', {}, BuildOptions(device='cpu', weights='random'))
    assert not torch.equal(untrained.net.state_dict()[key], shipped[key])


def test_weights_are_resolved_and_named():
    assert resolve_weights('atom', '') == str(ATOM.path)
    assert resolve_weights('atom', 'mine.pt') == 'mine.pt'
    assert resolve_weights('atom', 'random') == ''
    assert resolve_weights('dense_re3', '') == ''
    assert weights_label('atom', '') == ATOM.file_name
    assert weights_label('atom', 'random') == 'random'
    assert weights_label('dense_re3', '') == 'random'
    assert weights_label('csrt', '') == 'none'


def test_a_damaged_shipped_file_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / ATOM.file_name
    shutil.copyfile(ATOM.path, damaged)
    with damaged.open('r+b') as stream:
        stream.seek(-100, 2)
        byte = stream.read(1)
        stream.seek(-100, 2)
        stream.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(pretrained, 'FOLDER', tmp_path)
    with pytest.raises(CheckpointError, match='differs from the shipped file of SHA-256'):
        build_tracker('atom', {}, BuildOptions(device='cpu'))


def test_a_missing_shipped_file_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, 'FOLDER', tmp_path)
    with pytest.raises(CheckpointError, match='shipped weights file is missing; reinstall'):
        build_tracker('atom', {}, BuildOptions(device='cpu'))


def test_mode_auto_follows_the_weights_file(tmp_path):
    assert ATOM.mode == 'scale_filter'
    shipped = build_tracker('atom', {'mode': 'auto'}, BuildOptions(device='cpu'))
    assert shipped.params.mode == 'scale_filter'
    untrained = build_tracker('atom', {}, BuildOptions(device='cpu', weights='random'))
    assert untrained.params.mode == 'full'
    other = tmp_path / 'other.pt'
    shutil.copyfile(ATOM.path, other)
    assert build_tracker('atom', {}, BuildOptions(device='cpu', weights=str(other))).params.mode \
        == 'full'
    chosen = build_tracker('atom', {'mode': 'full'}, BuildOptions(device='cpu'))
    assert chosen.params.mode == 'full'
