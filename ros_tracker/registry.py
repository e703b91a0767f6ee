"""One place that knows every tracker: builds any of them from a name and a YAML config."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from ros_tracker.atom.params import AtomParams
from ros_tracker.baselines import StaticBoxTracker, StaticParams
from ros_tracker.opencv.params import CsrtParams, KcfParams, NanoParams
from ros_tracker.opencv.tracker import CsrtTracker, KcfTracker, NanoTracker
from ros_tracker.params import params_from_dict
from ros_tracker.pretrained import RANDOM, resolve_weights, shipped_weights_at
from ros_tracker.re3.params import Re3Params
from ros_tracker.tracker import Tracker


@dataclass(frozen=True)
class BuildOptions:
    """Settings that every tracker accepts, whatever its family.

    Attributes:
        device: 'auto', 'cpu', 'cuda' or 'cuda:N'.
        weights: path of a weights file; '' for the tracker's shipped default (random weights
            where it has none), 'random' for untrained weights.
        half: run the network in half precision where the tracker has one.
    """

    device: str = 'auto'
    weights: str = ''
    half: bool = False


@dataclass(frozen=True)
class TrackerSpec:
    """How to build one registered tracker.

    Attributes:
        description: one line for command-line listings and launch-argument help.
        params_type: the frozen dataclass holding the tracker's own parameters.
        build: makes a tracker from its parameters and the common options.
        network: makes the tracker's (randomly initialized) network, for summaries; None for
            trackers without one.
    """

    description: str
    params_type: type
    build: Callable[[Any, BuildOptions], Tracker]
    network: Callable[[], Any] | None = None


def _build_atom(params: AtomParams, options: BuildOptions) -> Tracker:
    # Imported here: the CSRT baseline needs neither PyTorch nor the network code.
    import torch

    from ros_tracker.atom.checkpoint import load_atom_net
    from ros_tracker.atom.model import atom_net
    from ros_tracker.atom.tracker import AtomTracker
    from ros_tracker.device import resolve_device

    device = resolve_device(options.device)
    if params.mode == 'auto':
        shipped = shipped_weights_at(options.weights)
        params = replace(params, mode=shipped.mode if shipped else 'full')
    if options.weights:
        net = load_atom_net(options.weights)
    else:
        torch.manual_seed(params.seed)  # random weights, but the same ones on every run
        net = atom_net()
    return AtomTracker(net, params, device, half=options.half)


def _atom_network() -> Any:
    from ros_tracker.atom.model import atom_net
    return atom_net()


def _re3_spec(variant: str, description: str) -> TrackerSpec:
    """The registry entry of one Re3-family variant."""

    def build(params: Re3Params, options: BuildOptions) -> Tracker:
        import torch

        from ros_tracker.device import resolve_device
        from ros_tracker.re3.checkpoint import load_re3_net
        from ros_tracker.re3.model import VARIANTS
        from ros_tracker.re3.tracker import Re3Tracker

        device = resolve_device(options.device)
        if options.weights:
            net = load_re3_net(options.weights, variant)
        else:
            torch.manual_seed(params.seed)  # random weights, but the same ones on every run
            net = VARIANTS[variant]()
        return Re3Tracker(net, params, device, half=options.half)

    def network() -> Any:
        from ros_tracker.re3.model import VARIANTS
        return VARIANTS[variant]()

    return TrackerSpec(f'{description}; CPU or CUDA; weights from training (random without)',
                       Re3Params, build, network)


TRACKERS: dict[str, TrackerSpec] = {
    'atom': TrackerSpec(
        description='ATOM (CVPR 2019): IoU-Net + online classifier; CPU or CUDA; '
                    'shipped weights by default, or official ones from ros-tracker convert',
        params_type=AtomParams,
        build=_build_atom,
        network=_atom_network,
    ),
    'dense_re3': _re3_spec('dense_re3', 'DenseRe3: Re3 with four densely connected LSTMs'),
    're3': _re3_spec('re3', 'Re3 (RA-L 2018) recurrent regression tracker, as the official '
                            'TensorFlow model (its weights convert with ros-tracker convert-re3)'),
    'residual_re3': _re3_spec('residual_re3',
                              'ResidualRe3: Re3 with three residual LSTM blocks'),
    'csrt': TrackerSpec(
        description='OpenCV CSRT correlation filter: CPU only, no weights',
        params_type=CsrtParams,
        build=lambda params, options: CsrtTracker(params),
    ),
    'kcf': TrackerSpec(
        description='OpenCV KCF correlation filter: CPU only, no weights (a peer)',
        params_type=KcfParams,
        build=lambda params, options: KcfTracker(params),
    ),
    'static': TrackerSpec(
        description='the initial box on every frame: the floor a tracker must beat '
                    '(benchmarks)',
        params_type=StaticParams,
        build=lambda params, options: StaticBoxTracker(params),
    ),
    'nano': TrackerSpec(
        description='OpenCV TrackerNano (NanoTrack v2): CPU, needs its two ONNX models (a peer)',
        params_type=NanoParams,
        build=lambda params, options: NanoTracker(params),
    ),
}


def tracker_names() -> list[str]:
    """Registered tracker names, sorted."""
    return sorted(TRACKERS)


def spec(name: str) -> TrackerSpec:
    """The registry entry for name, or a ValueError listing the accepted names."""
    try:
        return TRACKERS[name]
    except KeyError:
        raise ValueError(f'unknown tracker {name!r}; accepted: {tracker_names()}') from None


def build_tracker(name: str, config: Mapping[str, Any] | None = None,
                  options: BuildOptions = BuildOptions()) -> Tracker:
    """Build tracker name from its parameter mapping (unknown keys raise), with its shipped
    weights unless options name others."""
    entry = spec(name)
    params = params_from_dict(entry.params_type, config or {})
    return entry.build(params, replace(options, weights=resolve_weights(name, options.weights)))


def weights_label(name: str, weights: str) -> str:
    """How results name the weights tracker name runs with: the file name, 'random', or 'none'
    for trackers without a network."""
    if spec(name).network is None:
        return 'none'
    resolved = resolve_weights(name, weights)
    return Path(resolved).name if resolved else RANDOM


def load_tracker_config(path: str | Path, name: str) -> dict[str, Any]:
    """Read tracker name's section from a YAML file.

    Accepts the node's ROS parameter file (``/**: ros__parameters: {<name>: {...}}`` or a
    node-name key instead of ``/**``) as well as a plain ``{<name>: {...}}`` mapping, so the
    files under config/ serve the node, the command line and the benchmarks alike.
    """
    with open(path, encoding='utf-8') as stream:
        document = yaml.safe_load(stream) or {}
    if not isinstance(document, dict):
        raise ValueError(f'{path}: expected a mapping at the top level')
    sections = [document]
    sections += [value['ros__parameters'] for value in document.values()
                 if isinstance(value, dict) and isinstance(value.get('ros__parameters'), dict)]
    for section in reversed(sections):
        if isinstance(section.get(name), dict):
            return dict(section[name])
    return {}
