"""ATOM weights: the official training checkpoint, read safely, and the project's own format.

The official ``atom_default.pth`` is a pickled training checkpoint that also holds objects of the
training framework (``dlframework.*`` / ``ltr.*`` classes). It is read with PyTorch's weights-only
unpickler; those framework classes are replaced by an inert stand-in that keeps nothing, and any
other global (a function that could run code) makes the load fail. Only the ``net`` state dict
is kept. ``convert`` re-saves it as a plain tensor file that loads with ``weights_only=True``
and needs no stand-ins; its compact form leaves out the ResNet stages ATOM never runs (layer4 and
fc) and stores floating-point tensors in half precision, which is how the shipped weights are
stored. Loading restores full precision; absent unused stages keep their initial values.
"""

from __future__ import annotations

from pathlib import Path
import pickle
import re
from typing import Any

import torch
from torch import Tensor

from ros_tracker.atom.model import atom_net, AtomNet
from ros_tracker.weights import CheckpointError, first_line, load_state_dict_strictly, save_weights

#: Top-level modules of the training framework whose pickled objects official checkpoints carry.
TRAINING_FRAMEWORK_MODULES = ('dlframework', 'ltr', 'pytracking')
#: Marks files written by save_weights.
FORMAT = 'ros_tracker.atom.weights'
_UNSUPPORTED_GLOBAL = re.compile(r'GLOBAL (\S+)')
#: State-dict prefixes of the backbone stages that ATOM's tracking never evaluates.
UNUSED_PREFIXES = ('feature_extractor.layer4.', 'feature_extractor.fc.')


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


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """The network state dict of an official ATOM checkpoint or of a file from save_weights."""
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
    return dict(state)


def _unused(key: str) -> bool:
    return key.startswith(UNUSED_PREFIXES)


def load_atom_net(path: str | Path) -> AtomNet:
    """ATOM's network with the weights of path (official checkpoint or converted file, full or
    compact); every key ATOM uses must be present and of the right shape."""
    net = atom_net()
    state = read_state_dict(path)
    initial = {k: v for k, v in net.state_dict().items() if _unused(k) and k not in state}
    load_state_dict_strictly(net, {**state, **initial}, str(path))
    return net


def convert(source: str | Path, destination: str | Path, compact: bool = False) -> str:
    """Check source against the ATOM network and write its weights to destination (compact:
    without the unused stages, floating-point tensors in half precision); returns the written
    file's SHA-256."""
    net = load_atom_net(source)
    state = net.state_dict()
    if compact:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()
                 if not _unused(k)}
    return save_weights(destination, state, FORMAT)


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
