"""ATOM weights: the official training checkpoint, read safely, and the project's own format.

The official ``atom_default.pth`` is a pickled training checkpoint that also holds objects of the
training framework (``dlframework.*`` / ``ltr.*`` classes). It is read with PyTorch's weights-only
unpickler; those framework classes are replaced by an inert stand-in that keeps nothing, and any
other global (a function that could run code) makes the load fail. Only the ``net`` state dict
is kept. ``convert`` re-saves it as a plain tensor file that loads with ``weights_only=True``
and needs no stand-ins; its compact form leaves out the ResNet stages ATOM never runs (layer4 and
fc) and stores floating-point tensors in half precision, which is how the shipped weights are
stored. Loading restores full precision; absent unused stages keep their initial values. A
file may record the tracking mode its weights are made for (``mode``), which is what a
configured mode of 'auto' becomes.
"""

from __future__ import annotations

from pathlib import Path
import pickle
import re
from typing import Any

import torch
from torch import Tensor

from ros_tracker.atom.model import atom_net, AtomNet
from ros_tracker.atom.params import MODES
from ros_tracker.weights import CheckpointError, first_line, load_state_dict_strictly, save_weights

#: Top-level modules of the training framework whose pickled objects official checkpoints carry.
TRAINING_FRAMEWORK_MODULES = ('dlframework', 'ltr', 'pytracking')
#: Marks ATOM weights files written by save_weights.
FORMAT = 'ros_tracker.atom.weights'
#: Marks a distilled ResNet-18 backbone alone (``ros-tracker train atom_backbone``).
BACKBONE_FORMAT = 'ros_tracker.atom.backbone'
_UNSUPPORTED_GLOBAL = re.compile(r'GLOBAL (\S+)')
#: ResNet-18 stages that ATOM's tracking never evaluates (so never trains).
UNUSED_BACKBONE_STAGES = ('layer4.', 'fc.')
#: Their state-dict prefixes in ATOM's network.
UNUSED_PREFIXES = tuple('feature_extractor.' + stage for stage in UNUSED_BACKBONE_STAGES)


class _TrainingFrameworkObject:
    """Stands in for a pickled training-framework object; accepts and keeps nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


def _load_weights_only(path: Path) -> Any:
    """torch.load with weights_only=True, admitting training-framework classes as inert objects."""
    stand_ins: list[tuple[type, str]] = []
    while True:
        try:
            with torch.serialization.safe_globals(stand_ins):
                return torch.load(path, map_location='cpu', weights_only=True)
        except pickle.UnpicklingError as error:
            match = _UNSUPPORTED_GLOBAL.search(str(error))
            if match is None:
                raise CheckpointError(f'{path}: cannot be read: {first_line(error)}') from None
            name = match.group(1)
            if name.split('.')[0] not in TRAINING_FRAMEWORK_MODULES:
                raise CheckpointError(
                    f'{path}: refused: it references {name}, which is neither a tensor nor part '
                    'of an ATOM training checkpoint (loading it could run code)') from None
            if any(known == name for _, known in stand_ins):
                raise CheckpointError(f'{path}: cannot be read: {first_line(error)}') from None
            stand_ins.append((_TrainingFrameworkObject, name))
        except (RuntimeError, EOFError, OSError) as error:
            raise CheckpointError(f'{path}: cannot be read: {first_line(error)}') from None


def _read(path: str | Path) -> tuple[dict[str, Tensor], str]:
    """The network state dict of an official ATOM checkpoint or of a file from save_weights,
    and the mode the file records ('' where it records none)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f'{path}: no such file')
    content = _load_weights_only(path)
    if not isinstance(content, dict) or not isinstance(content.get('net'), dict):
        raise CheckpointError(f'{path}: not an ATOM checkpoint (no "net" state dict)')
    state = content['net']
    not_tensors = sorted(k for k, v in state.items() if not isinstance(v, Tensor))
    if not_tensors:
        raise CheckpointError(f'{path}: "net" holds non-tensor entries {not_tensors[:5]}')
    mode = content.get('mode', '') if content.get('format') == FORMAT else ''
    if not isinstance(mode, str):
        raise CheckpointError(f'{path}: its "mode" is not a string')
    return dict(state), mode


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """The network state dict of an official ATOM checkpoint or of a file from save_weights."""
    return _read(path)[0]


def _unused(key: str) -> bool:
    return key.startswith(UNUSED_PREFIXES)


def load_atom_weights(path: str | Path) -> tuple[AtomNet, str]:
    """ATOM's network with the weights of path (official checkpoint or converted file, full or
    compact), and the mode the file is made for ('' where it records none); every key ATOM
    uses must be present and of the right shape."""
    net = atom_net()
    state, mode = _read(path)
    initial = {k: v for k, v in net.state_dict().items() if _unused(k) and k not in state}
    load_state_dict_strictly(net, {**state, **initial}, str(path))
    return net, mode


def load_atom_net(path: str | Path) -> AtomNet:
    """ATOM's network with the weights of path (see load_atom_weights)."""
    return load_atom_weights(path)[0]


def convert(source: str | Path, destination: str | Path, compact: bool = False,
            mode: str = '') -> str:
    """Check source against the ATOM network and write its weights to destination (compact:
    without the unused stages, floating-point tensors in half precision), recording mode as
    the one they are made for (when given; else the source's own); returns the written file's
    SHA-256."""
    if mode and mode not in MODES[1:]:
        raise CheckpointError(f'mode {mode!r} is not one of {list(MODES[1:])}')
    net, recorded = load_atom_weights(source)
    state = net.state_dict()
    if compact:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()
                 if not _unused(k)}
    mode = mode or recorded
    return save_weights(destination, state, FORMAT, **({'mode': mode} if mode else {}))


def read_backbone_state(path: str | Path) -> dict[str, Tensor]:
    """ResNet-18 weights for ATOM's backbone: the ``feature_extractor`` of an ATOM checkpoint
    or weights file, or a plain ResNet-18 state dict (torchvision's names)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f'{path}: no such file')
    content = _load_weights_only(path)
    if isinstance(content, dict) and isinstance(content.get('net'), dict):
        prefix = 'feature_extractor.'
        content = {k[len(prefix):]: v for k, v in content['net'].items() if k.startswith(prefix)}
    if not (isinstance(content, dict) and content
            and all(isinstance(v, Tensor) for v in content.values())):
        raise CheckpointError(f'{path}: neither ATOM weights nor a ResNet-18 state dict')
    return dict(content)
