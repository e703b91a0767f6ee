"""The weights that ship with the package: the default of ATOM, checked before every use."""

import shutil

import pytest
import torch

from ros_tracker import pretrained
from ros_tracker.atom.checkpoint import FORMAT, load_atom_net, read_state_dict, UNUSED_PREFIXES
from ros_tracker.pretrained import SHIPPED
from ros_tracker.registry import build_tracker, BuildOptions, resolve_weights
from ros_tracker.weights import (CheckpointError, file_sha256, NONE, save_weights, UNTRAINED,
                                 Weights)

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
    assert torch.equal(default.tracker.net.state_dict()[key], shipped[key])
    untrained = build_tracker('atom', {}, BuildOptions(device='cpu', weights=UNTRAINED))
    assert not torch.equal(untrained.tracker.net.state_dict()[key], shipped[key])


def test_weights_are_resolved_hashed_and_named(tmp_path):
    assert resolve_weights('atom', '') == Weights(ATOM.path, ATOM.sha256, ATOM.file_name)
    mine = tmp_path / 'mine.pt'
    mine.write_bytes(b'abc')
    assert resolve_weights('atom', str(mine)) == Weights(
        mine, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'mine.pt')
    assert resolve_weights('atom', 'random') == UNTRAINED
    assert resolve_weights('dense_re3', '') == UNTRAINED
    assert resolve_weights('atom', 'random').label == 'random'
    assert resolve_weights('dense_re3', '').label == 'random'
    assert resolve_weights('csrt', '') == NONE
    assert NONE.label == 'none'
    with pytest.raises(CheckpointError, match='missing.pt: no such file'):
        resolve_weights('atom', str(tmp_path / 'missing.pt'))


def test_an_unchanged_file_is_hashed_once_per_process(tmp_path, monkeypatch):
    path = tmp_path / 'w.pt'
    path.write_bytes(b'abc')
    first = file_sha256(path)
    monkeypatch.setattr(pretrained.Path, 'read_bytes', lambda self: pytest.fail('hashed again'))
    assert file_sha256(path) == first
    monkeypatch.undo()
    path.write_bytes(b'abcd')
    assert file_sha256(path) != first


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


def test_mode_auto_follows_the_mode_the_file_records_not_its_path(tmp_path):
    shipped = build_tracker('atom', {'mode': 'auto'}, BuildOptions(device='cpu'))
    assert shipped.tracker.params.mode == 'scale_filter'
    untrained = build_tracker('atom', {}, BuildOptions(device='cpu', weights=UNTRAINED))
    assert untrained.tracker.params.mode == 'full'
    copy = tmp_path / 'copy.pt'
    shutil.copyfile(ATOM.path, copy)
    assert build_tracker('atom', {}, BuildOptions(
        device='cpu', weights=resolve_weights('atom', copy))).tracker.params.mode == 'scale_filter'
    unmarked = tmp_path / 'unmarked.pt'
    save_weights(unmarked, read_state_dict(ATOM.path), FORMAT)
    assert build_tracker('atom', {}, BuildOptions(
        device='cpu', weights=resolve_weights('atom', unmarked))).tracker.params.mode == 'full'
    chosen = build_tracker('atom', {'mode': 'full'}, BuildOptions(device='cpu'))
    assert chosen.tracker.params.mode == 'full'
