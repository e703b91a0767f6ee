"""Re3-family weights: the project's weights-only files, and conversion of the official Re3
TensorFlow checkpoint (the 85.7 M-parameter model) to the ``re3`` network."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import torch
from torch import Tensor

from ros_tracker.re3.model import Re3Net, VARIANTS
from ros_tracker.weights import CheckpointError, load_state_dict_strictly, read_weights, \
    save_weights

FORMAT = 'ros_tracker.re3.weights'
#: A conv tower alone (``ros-tracker train re3_tower``), for ``ros-tracker train --backbone``.
TOWER_FORMAT = 'ros_tracker.re3.tower'


def save_re3_net(net: Re3Net, variant: str, path: str | Path) -> str:
    """Write the network's weights; returns the file's SHA-256."""
    return save_weights(path, net.state_dict(), FORMAT, variant=variant)


def load_re3_net(path: str | Path, variant: str) -> Re3Net:
    """The variant's network with the weights of path (a file from save_re3_net)."""
    content = read_weights(path, FORMAT)
    if content.get('variant') != variant:
        raise CheckpointError(f'{path}: holds {content.get("variant")!r} weights, not {variant!r}')
    net = VARIANTS[variant]()
    load_state_dict_strictly(net, content['net'], str(path))
    return net


def read_tower_state(path: str | Path) -> dict[str, Tensor]:
    """The ConvTower state dict held by a TOWER_FORMAT file."""
    prefix = 'tower.'
    content = read_weights(path, TOWER_FORMAT)['net']
    return {k[len(prefix):]: v for k, v in content.items() if k.startswith(prefix)}


def _find(variables: Mapping[str, np.ndarray], scope: str, suffix: str) -> np.ndarray:
    """The one variable under scope whose name ends with suffix (scopes inside an LSTM differ
    between TensorFlow versions, so only the ends are fixed)."""
    names = [n for n in variables if n.startswith(scope + '/') and n.endswith('/' + suffix)]
    if len(names) != 1:
        raise CheckpointError(f'expected one variable {scope}/.../{suffix}, found {names}')
    return np.asarray(variables[names[0]])


def convert_tf_variables(variables: Mapping[str, np.ndarray]) -> dict[str, Tensor]:
    """Map the official TensorFlow Re3 variables to the ``re3`` state dict.

    Convolutions go from HWIO to OIHW and dense layers from [in, out] to [out, in]. fc6 needs no
    reordering: the official graph flattens every map in (C, H, W) order, as this one does. LSTM
    kernels keep TensorFlow's gate order (i, j, f, o) and the forget bias stays a run-time
    constant, exactly as in PeepholeLSTMCell.
    """
    state: dict[str, np.ndarray] = {}
    for layer in ('conv1', 'conv2', 'conv3', 'conv4', 'conv5'):
        state[f'tower.{layer}.weight'] = _find(variables, f're3/{layer}', 'W_conv').transpose(
            3, 2, 0, 1)
        state[f'tower.{layer}.bias'] = _find(variables, f're3/{layer}', 'b_conv')
    for layer in ('conv1_skip', 'conv2_skip', 'conv5_skip'):
        scope = f're3/{layer}'
        state[f'tower.{layer}.conv.weight'] = _find(variables, scope, 'W_conv').transpose(
            3, 2, 0, 1)
        state[f'tower.{layer}.conv.bias'] = _find(variables, scope, 'b_conv')
        state[f'tower.{layer}.prelu.weight'] = _find(variables, scope, 'prelu').reshape(-1)
    state['fc6.weight'] = _find(variables, 're3/fc6', 'W_fc').T
    state['fc6.bias'] = _find(variables, 're3/fc6', 'b_fc')
    for cell in ('lstm1', 'lstm2'):
        scope = f're3/{cell}'
        state[f'recurrent.{cell}.weight'] = _find(variables, scope, 'kernel').T
        state[f'recurrent.{cell}.bias'] = _find(variables, scope, 'bias')
        for peephole in ('w_i_diag', 'w_f_diag', 'w_o_diag'):
            state[f'recurrent.{cell}.{peephole}'] = _find(variables, scope, peephole)
    state['recurrent.fc_output.weight'] = _find(variables, 're3/fc_output', 'W_fc').T
    state['recurrent.fc_output.bias'] = _find(variables, 're3/fc_output', 'b_fc')
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
            for k, v in state.items()}


def read_tf_checkpoint(path: str | Path) -> dict[str, np.ndarray]:
    """Every variable of a TensorFlow checkpoint (needs TensorFlow, which only this uses)."""
    try:
        import tensorflow as tf
    except ImportError:
        raise CheckpointError('converting a TensorFlow checkpoint needs TensorFlow: '
                              'pip install tensorflow') from None
    reader = tf.train.load_checkpoint(str(path))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def convert_tf_checkpoint(source: str | Path, destination: str | Path) -> str:
    """Convert the official TensorFlow Re3 checkpoint to a ``re3`` weights file; returns its
    SHA-256."""
    net = VARIANTS['re3']()
    load_state_dict_strictly(net, convert_tf_variables(read_tf_checkpoint(source)), str(source))
    return save_re3_net(net, 're3', destination)
