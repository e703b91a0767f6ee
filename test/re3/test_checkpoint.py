"""Re3 weights files and the mapping of the official TensorFlow variables."""

import numpy as np
import pytest
import torch

from ros_tracker.re3.checkpoint import (convert_tf_variables, load_re3_net, read_tf_checkpoint,
                                        save_re3_net)
from ros_tracker.re3.model import dense_re3, PeepholeLSTMCell, re3
from ros_tracker.weights import CheckpointError, load_state_dict_strictly

CONV_SHAPES = {  # TensorFlow HWIO, grouped convolutions with half the inputs
    'conv1': (11, 11, 3, 96), 'conv2': (5, 5, 48, 256), 'conv3': (3, 3, 256, 384),
    'conv4': (3, 3, 192, 384), 'conv5': (3, 3, 192, 256),
    'conv1_skip': (1, 1, 96, 16), 'conv2_skip': (1, 1, 256, 32), 'conv5_skip': (1, 1, 256, 64),
}


def official_variables(seed=0):
    """Random arrays under the official variable names and shapes (TensorFlow layout)."""
    rng = np.random.default_rng(seed)
    variables = {}
    for layer, shape in CONV_SHAPES.items():
        variables[f're3/{layer}/W_conv'] = rng.normal(size=shape)
        variables[f're3/{layer}/b_conv'] = rng.normal(size=shape[-1])
        if layer.endswith('skip'):
            variables[f're3/{layer}/prelu'] = rng.normal(size=shape[-1])
    variables['re3/fc6/W_fc'] = rng.normal(size=(74208, 1024)) * 0.01
    variables['re3/fc6/b_fc'] = rng.normal(size=1024)
    for cell, inputs in (('lstm1', 1024), ('lstm2', 1536)):
        scope = f're3/{cell}/rnn/lstm_cell'
        variables[f'{scope}/kernel'] = rng.normal(size=(inputs + 512, 2048)) * 0.05
        variables[f'{scope}/bias'] = rng.normal(size=2048)
        for peephole in ('w_i_diag', 'w_f_diag', 'w_o_diag'):
            variables[f'{scope}/{peephole}'] = rng.normal(size=512)
    variables['re3/fc_output/W_fc'] = rng.normal(size=(512, 4))
    variables['re3/fc_output/b_fc'] = rng.normal(size=4)
    variables['re3/global_step'] = np.array(1000)  # not a weight: ignored
    return variables


def test_official_layout_maps_onto_re3_strictly():
    variables = official_variables()
    state = convert_tf_variables(variables)
    net = re3()
    load_state_dict_strictly(net, state, 'synthetic')
    expected = torch.tensor(variables['re3/conv2/W_conv'][2, 3, 5, 7], dtype=torch.float32)
    assert net.tower.conv2.weight[7, 5, 2, 3] == expected  # HWIO -> OIHW
    assert net.fc6.weight[10, 20] == torch.tensor(variables['re3/fc6/W_fc'][20, 10],
                                                  dtype=torch.float32)


def tensorflow_cell(kernel, bias, w_i, w_f, w_o, x, c, h):
    """TensorFlow's LSTMCell(use_peepholes=True, forget_bias=1) step, in numpy."""
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))
    i, j, f, o = np.split(np.concatenate([x, h]) @ kernel + bias, 4)
    c_new = sigmoid(f + 1.0 + w_f * c) * c + sigmoid(i + w_i * c) * np.tanh(j)
    return sigmoid(o + w_o * c_new) * np.tanh(c_new), c_new


def test_converted_lstm_computes_what_tensorflow_computes():
    variables = official_variables()
    state = convert_tf_variables(variables)
    cell = PeepholeLSTMCell(1024, 512)
    cell.load_state_dict({k.split('.', 2)[2]: v for k, v in state.items()
                          if k.startswith('recurrent.lstm1.')})
    rng = np.random.default_rng(1)
    x, c, h = rng.normal(size=1024), rng.normal(size=512), rng.normal(size=512)
    scope = 're3/lstm1/rnn/lstm_cell'
    expected_h, expected_c = tensorflow_cell(
        variables[f'{scope}/kernel'], variables[f'{scope}/bias'], variables[f'{scope}/w_i_diag'],
        variables[f'{scope}/w_f_diag'], variables[f'{scope}/w_o_diag'], x, c, h)
    as_tensor = [torch.tensor(v, dtype=torch.float32)[None] for v in (x, c, h)]
    h_out, (c_out, _) = cell(as_tensor[0], (as_tensor[1], as_tensor[2]))
    assert np.allclose(h_out[0].detach().numpy(), expected_h, atol=1e-5)
    assert np.allclose(c_out[0].detach().numpy(), expected_c, atol=1e-5)


def test_missing_variables_are_named():
    variables = official_variables()
    del variables['re3/conv3/b_conv']
    with pytest.raises(CheckpointError, match=r're3/conv3/.../b_conv'):
        convert_tf_variables(variables)


def test_weights_files_round_trip_and_name_their_variant(tmp_path):
    torch.manual_seed(0)
    net = dense_re3()
    path = tmp_path / 'dense.pt'
    assert len(save_re3_net(net, 'dense_re3', path)) == 64
    loaded = load_re3_net(path, 'dense_re3')
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(),
                                                 loaded.state_dict().values()))
    with pytest.raises(CheckpointError, match="holds 'dense_re3' weights, not 're3'"):
        load_re3_net(path, 're3')
    other = tmp_path / 'other.pt'
    torch.save({'net': {}}, other)
    with pytest.raises(CheckpointError, match='not a ros_tracker.re3.weights file'):
        load_re3_net(other, 're3')


def test_without_tensorflow_conversion_says_what_is_missing(tmp_path):
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        with pytest.raises(CheckpointError, match='needs TensorFlow'):
            read_tf_checkpoint(tmp_path / 'model.ckpt')
    else:
        pytest.skip('TensorFlow is installed here')
