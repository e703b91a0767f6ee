"""The Re3 network family: one conv tower over two crops, a fully connected layer, a pluggable
recurrent module of peephole LSTMs, and a 4-output box regressor.

Variants (parameter counts of Table 1 of the Residual/Dense LSTM paper):

* ``re3``: fc 1024, LSTM1(fc) and LSTM2(fc + LSTM1), 512 units; 85,699,684 parameters (the paper
  prints 85,699,686; the official TensorFlow model has exactly 85,699,684 trainable values).
* ``residual_re3``: fc 768 + batch norm, three blocks x + LSTM_b(LSTM_a(x)) of 768 units;
  87,716,712 parameters. The paper leaves the head open: here two Linear(2304 -> 4) heads, one
  over the three LSTM_a outputs and one over the three LSTM_b outputs, summed. That is a single
  linear map of all six outputs with one redundant bias, and reproduces the count exactly.
* ``dense_re3``: fc 900 + batch norm, four 512-unit LSTMs each fed the fc output and every
  earlier LSTM's output; the head reads all four; 87,031,408 parameters.
"""

from __future__ import annotations

import torch
from torch import nn, Tensor

__all__ = ['PeepholeLSTMCell', 'Re3Net', 'ConvTower', 'dense_re3', 're3', 'residual_re3',
           'VARIANTS']

#: Per-channel RGB mean subtracted inside the network (0..255 scale, official values).
RGB_MEAN = (123.151630838, 115.902882574, 103.062623801)
CROP_SIZE = 227
# Per crop: conv1_skip 11664 + conv2_skip 5408 + conv5_skip 10816 + pool5 9216 = 37104.
PAIR_FEATURES = 2 * 37104

LSTMState = tuple[Tensor, Tensor]  # (c, h), the official order


class SkipBranch(nn.Module):
    """1x1 convolution + PReLU, flattened in (C, H, W) order."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)
        self.prelu = nn.PReLU(out_channels, init=0.25)

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(self.prelu(self.conv(x)), 1)


class ConvTower(nn.Module):
    """CaffeNet-style conv1..conv5 with LRN, grouped convolutions and three skip branches.

    Input: Tensor[N, 3, 227, 227] RGB on the 0..255 scale. Output: Tensor[N, 37104].
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(RGB_MEAN).view(1, 3, 1, 1), persistent=False)
        self.conv1 = nn.Conv2d(3, 96, kernel_size=11, stride=4)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2)
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2)
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2)
        self.conv1_skip = SkipBranch(96, 16)
        self.conv2_skip = SkipBranch(256, 32)
        self.conv5_skip = SkipBranch(256, 64)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2)
        self.norm = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=1.0)
        self.relu = nn.ReLU(inplace=True)
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5):
            nn.init.xavier_uniform_(conv.weight)  # the official initialization
            nn.init.zeros_(conv.bias)

    def feature_maps(self, crops: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """norm1, norm2 and conv5 (strides 8, 16 and 16) of RGB 0..255 crops of any size (the
        shapes noted are those of 227x227 crops)."""
        x = crops - self.mean
        norm1 = self.norm(self.pool(self.relu(self.conv1(x))))  # [N, 96, 27, 27]
        norm2 = self.norm(self.pool(self.relu(self.conv2(norm1))))  # [N, 256, 13, 13]
        conv5 = self.relu(self.conv5(self.relu(self.conv4(self.relu(self.conv3(norm2))))))
        return norm1, norm2, conv5

    def forward(self, crops: Tensor) -> Tensor:
        norm1, norm2, conv5 = self.feature_maps(crops)
        pool5 = torch.flatten(self.pool(conv5), 1)  # [N, 256 * 6 * 6]
        return torch.cat([self.conv1_skip(norm1), self.conv2_skip(norm2),
                          self.conv5_skip(conv5), pool5], dim=1)


class PeepholeLSTMCell(nn.Module):
    """The LSTM cell of the official TensorFlow Re3 (LSTMCell with use_peepholes=True).

    ``weight`` (Tensor[4h, in + h]) acts on [x, h_prev]; its rows are the gates in the order
    i (input), j (candidate), f (forget), o (output), as in TensorFlow. A forget bias of 1 is
    added at run time and is not a parameter. The output peephole reads the new cell state.
    State order: (c, h).
    """

    forget_bias = 1.0

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError('input_size and hidden_size must be positive')
        self.hidden_size = hidden_size
        self.weight = nn.Parameter(torch.empty(4 * hidden_size, input_size + hidden_size))
        self.bias = nn.Parameter(torch.zeros(4 * hidden_size))
        self.w_i_diag = nn.Parameter(torch.zeros(hidden_size))
        self.w_f_diag = nn.Parameter(torch.zeros(hidden_size))
        self.w_o_diag = nn.Parameter(torch.zeros(hidden_size))
        # Variance scaling (factor 2, fan-in), the official LSTM initialization.
        nn.init.normal_(self.weight, std=(2.0 / (input_size + hidden_size)) ** 0.5)

    def extra_repr(self) -> str:
        return f'{self.weight.shape[1] - self.hidden_size}, {self.hidden_size}, peepholes=True'

    def zero_state(self, batch: int, device: torch.device) -> LSTMState:
        zeros = torch.zeros(batch, self.hidden_size, device=device)
        return zeros, zeros.clone()

    def forward(self, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        c_prev, h_prev = state
        i, j, f, o = torch.nn.functional.linear(
            torch.cat([x, h_prev], dim=1), self.weight, self.bias).chunk(4, dim=1)
        c = (torch.sigmoid(f + self.forget_bias + self.w_f_diag * c_prev) * c_prev
             + torch.sigmoid(i + self.w_i_diag * c_prev) * torch.tanh(j))
        h = torch.sigmoid(o + self.w_o_diag * c) * torch.tanh(c)
        return h, (c, h)


class StackedRecurrent(nn.Module):
    """lstm1(fc), lstm2(fc + lstm1): the official Re3 recurrent part; head on lstm2."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.lstm1 = PeepholeLSTMCell(input_size, hidden_size)
        self.lstm2 = PeepholeLSTMCell(input_size + hidden_size, hidden_size)
        self.fc_output = nn.Linear(hidden_size, 4)

    def cells(self) -> list[PeepholeLSTMCell]:
        return [self.lstm1, self.lstm2]

    def output_layers(self) -> list[nn.Linear]:
        return [self.fc_output]

    def forward(self, x: Tensor, states: list[LSTMState]) -> tuple[Tensor, list[LSTMState]]:
        h1, s1 = self.lstm1(x, states[0])
        h2, s2 = self.lstm2(torch.cat([x, h1], dim=1), states[1])
        return self.fc_output(h2), [s1, s2]


class ResidualRecurrent(nn.Module):
    """Three blocks y = x + LSTM_b(LSTM_a(x)); see the module docstring for the head."""

    def __init__(self, size: int, blocks: int = 3) -> None:
        super().__init__()
        self.lstm_a = nn.ModuleList(PeepholeLSTMCell(size, size) for _ in range(blocks))
        self.lstm_b = nn.ModuleList(PeepholeLSTMCell(size, size) for _ in range(blocks))
        self.fc_output_a = nn.Linear(blocks * size, 4)
        self.fc_output_b = nn.Linear(blocks * size, 4)

    def cells(self) -> list[PeepholeLSTMCell]:
        return [cell for pair in zip(self.lstm_a, self.lstm_b) for cell in pair]

    def output_layers(self) -> list[nn.Linear]:
        return [self.fc_output_a, self.fc_output_b]

    def forward(self, x: Tensor, states: list[LSTMState]) -> tuple[Tensor, list[LSTMState]]:
        outputs_a, outputs_b, new_states = [], [], []
        for index, (cell_a, cell_b) in enumerate(zip(self.lstm_a, self.lstm_b)):
            a, state_a = cell_a(x, states[2 * index])
            b, state_b = cell_b(a, states[2 * index + 1])
            x = x + b
            outputs_a.append(a)
            outputs_b.append(b)
            new_states += [state_a, state_b]
        output = (self.fc_output_a(torch.cat(outputs_a, dim=1))
                  + self.fc_output_b(torch.cat(outputs_b, dim=1)))
        return output, new_states


class DenseRecurrent(nn.Module):
    """LSTM_k reads [fc, h_1, ..., h_{k-1}]; the head reads [h_1, ..., h_K]."""

    def __init__(self, input_size: int, hidden_size: int, count: int = 4) -> None:
        super().__init__()
        self.lstms = nn.ModuleList(PeepholeLSTMCell(input_size + k * hidden_size, hidden_size)
                                   for k in range(count))
        self.fc_output = nn.Linear(count * hidden_size, 4)

    def cells(self) -> list[PeepholeLSTMCell]:
        return list(self.lstms)

    def output_layers(self) -> list[nn.Linear]:
        return [self.fc_output]

    def forward(self, x: Tensor, states: list[LSTMState]) -> tuple[Tensor, list[LSTMState]]:
        inputs, outputs, new_states = [x], [], []
        for cell, state in zip(self.lstms, states):
            h, new_state = cell(torch.cat(inputs, dim=1), state)
            inputs.append(h)
            outputs.append(h)
            new_states.append(new_state)
        return self.fc_output(torch.cat(outputs, dim=1)), new_states


class Re3Net(nn.Module):
    """Conv tower -> fc6 (+ batch norm) -> recurrent module -> 4 outputs.

    The outputs are (x1, y1, x2, y2) of the target in the current crop, scaled to [0, 10].
    """

    def __init__(self, fc_size: int, recurrent: nn.Module, batch_norm: bool) -> None:
        super().__init__()
        self.tower = ConvTower()
        self.fc6 = nn.Linear(PAIR_FEATURES, fc_size)
        self.fc6_bn = nn.BatchNorm1d(fc_size) if batch_norm else None
        self.recurrent = recurrent
        nn.init.xavier_uniform_(self.fc6.weight)
        nn.init.zeros_(self.fc6.bias)

    def zero_state(self, batch: int, device: torch.device) -> list[LSTMState]:
        return [cell.zero_state(batch, device) for cell in self.recurrent.cells()]

    def start_at(self, output: Tensor) -> None:
        """Make the network answer output (Tensor[4]) whatever it sees until it is trained:
        zero weights in the output layers, output in their biases. Given the previous box's place
        in its crop, an untrained network is then the tracker that stays where it started, and
        training begins from that baseline instead of from random boxes."""
        with torch.no_grad():
            for index, layer in enumerate(self.recurrent.output_layers()):
                layer.weight.zero_()
                layer.bias.copy_(output if index == 0 else torch.zeros_like(output))

    def forward(self, crops: Tensor, states: list[LSTMState]) -> tuple[Tensor, list[LSTMState]]:
        """One step for crop pairs Tensor[B, 2, 3, 227, 227] (previous, current; RGB 0..255).

        Returns:
            Tensor[B, 4] outputs and the new LSTM states.
        """
        batch = crops.shape[0]
        features = self.tower(crops.reshape(batch * 2, 3, CROP_SIZE, CROP_SIZE))
        x = self.fc6(features.reshape(batch, PAIR_FEATURES))  # (prev, curr) order
        if self.fc6_bn is not None:
            x = self.fc6_bn(x)
        return self.recurrent(torch.relu(x), states)


def re3() -> Re3Net:
    """Re3 as in the official TensorFlow code (fc 1024, two 512-unit peephole LSTMs)."""
    return Re3Net(1024, StackedRecurrent(1024, 512), batch_norm=False)


def residual_re3() -> Re3Net:
    """ResidualRe3: fc 768 + BN, three residual two-LSTM blocks of 768 units."""
    return Re3Net(768, ResidualRecurrent(768), batch_norm=True)


def dense_re3() -> Re3Net:
    """DenseRe3: fc 900 + BN, four densely connected 512-unit LSTMs."""
    return Re3Net(900, DenseRecurrent(900, 512), batch_norm=True)


VARIANTS = {'re3': re3, 'residual_re3': residual_re3, 'dense_re3': dense_re3}
