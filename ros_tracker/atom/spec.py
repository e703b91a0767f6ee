"""How the registry builds ATOM; the network code is imported only when ATOM is built."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ros_tracker.atom.params import AtomParams
from ros_tracker.tracker import BuildOptions, Tracker, TrackerSpec


def build_atom(params: AtomParams, options: BuildOptions) -> Tracker:
    """ATOM with options' weights; a mode of 'auto' becomes the one the file records, 'full'
    where it records none."""
    import torch

    from ros_tracker.atom.checkpoint import load_atom_weights
    from ros_tracker.atom.model import atom_net
    from ros_tracker.atom.tracker import AtomTracker
    from ros_tracker.device import resolve_device

    device = resolve_device(options.device)
    recorded = ''
    if options.weights is not None and options.weights.path is not None:
        net, recorded = load_atom_weights(options.weights.path)
    else:
        torch.manual_seed(params.seed)  # random weights, but the same ones on every run
        net = atom_net()
    if params.mode == 'auto':
        params = replace(params, mode=recorded or 'full')
    return AtomTracker(net, params, device, half=options.half)


def _network() -> Any:
    from ros_tracker.atom.model import atom_net
    return atom_net()


SPEC = TrackerSpec(
    description='ATOM (CVPR 2019): IoU-Net + online classifier; CPU or CUDA; '
                'shipped weights by default, or official ones from ros-tracker convert',
    params_type=AtomParams,
    build=build_atom,
    network=_network,
    signals=('second_peak', 'uncertain'),
)
