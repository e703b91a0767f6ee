"""How the registry builds the Re3 family; the network code is imported only when one is
built."""

from __future__ import annotations

from typing import Any

from ros_tracker.re3.params import Re3Params
from ros_tracker.tracker import BuildOptions, Tracker, TrackerSpec


def _spec(variant: str, description: str) -> TrackerSpec:
    """The spec of one Re3-family variant."""

    def build(params: Re3Params, options: BuildOptions) -> Tracker:
        import torch

        from ros_tracker.device import resolve_device
        from ros_tracker.re3.checkpoint import load_re3_net
        from ros_tracker.re3.model import VARIANTS
        from ros_tracker.re3.tracker import Re3Tracker

        device = resolve_device(options.device)
        if options.weights is not None and options.weights.path is not None:
            net = load_re3_net(options.weights.path, variant)
        else:
            torch.manual_seed(params.seed)  # random weights, but the same ones on every run
            net = VARIANTS[variant]()
        return Re3Tracker(net, params, device, half=options.half)

    def network() -> Any:
        from ros_tracker.re3.model import VARIANTS
        return VARIANTS[variant]()

    return TrackerSpec(f'{description}; CPU or CUDA; weights from training (random without)',
                       Re3Params, build, network)


SPECS: dict[str, TrackerSpec] = {
    'dense_re3': _spec('dense_re3', 'DenseRe3: Re3 with four densely connected LSTMs'),
    're3': _spec('re3', 'Re3 (RA-L 2018) recurrent regression tracker, as the official '
                        'TensorFlow model (its weights convert with ros-tracker convert-re3)'),
    'residual_re3': _spec('residual_re3', 'ResidualRe3: Re3 with three residual LSTM blocks'),
}
