"""The ``ros-tracker fit-confidence`` subcommand: a tracker's calibrated confidence fitted on
the train split's sequences, as they are and with generated absences."""

from __future__ import annotations

import argparse
from dataclasses import asdict
import json
from pathlib import Path

from ros_tracker.cli.options import add_tracker_and_data
from ros_tracker.share import config_file


def _fit_confidence(args: argparse.Namespace) -> int:
    from ros_tracker.datasets.splits import split_names
    from ros_tracker.evaluation.absences import absence_sequences, real_absences
    from ros_tracker.evaluation.calibration import fit_calibration
    from ros_tracker.evaluation.campaign import evaluate, Evaluation
    from ros_tracker.evaluation.results import environment
    from ros_tracker.evaluation.runner import load_sequences
    from ros_tracker.registry import (BuildOptions, load_tracker_config, resolve_weights,
                                      signal_names)

    names = signal_names(args.tracker)
    chosen = args.sequences.split(',') if args.sequences else split_names(args.split)
    loaded = load_sequences(args.dataset, chosen, args.layout)
    # as they are and with generated absences; one with real absences only once
    sequences = [s for s in loaded if real_absences(s) is None] + absence_sequences(loaded)
    config = load_tracker_config(args.config or config_file(args.tracker), args.tracker)
    weights = resolve_weights(args.tracker, args.weights or '')
    evaluation = Evaluation(args.tracker, config, BuildOptions(device=args.device,
                                                               weights=weights),
                            reset_protocol=False)
    outcomes = evaluate(evaluation, sequences, Path(args.out) / 'cache', args.workers,
                        show_progress=not args.no_progress)
    fit = fit_calibration(names, sequences, [outcome.run for outcome in outcomes], args.l2)
    document = {'tracker': args.tracker, 'weights': weights.label, 'signals': list(names),
                'sequences': [s.name for s in sequences], 'config': config, **asdict(fit),
                **environment()}
    out = Path(args.out)
    (out / 'confidence.json').write_text(json.dumps(document, indent=1) + '\n',
                                         encoding='utf-8')
    print(f'{fit.frames} frames ({fit.missed} without overlap): not-found flag precision '
          f'{fit.precision:.3f}, recall {fit.recall:.3f}, F1 {fit.f1:.3f}')
    print(f'signals: {", ".join(names)}')
    print(f'{args.tracker}:')
    print(f'  confidence_model: [{", ".join(str(v) for v in fit.model)}]')
    print(f'  min_probability: {fit.min_probability}')
    return 0


def add_calibration_commands(commands: argparse._SubParsersAction) -> None:
    fit = commands.add_parser(
        'fit-confidence',
        help="fit a tracker's calibrated confidence (its confidence_model and min_probability "
             'parameters) on a split, as it is and with generated absences; writes '
             'OUT/confidence.json')
    add_tracker_and_data(fit)
    fit.add_argument('--config', help='parameter file (default: config/<tracker>.yaml)')
    fit.add_argument('--split', default='train', choices=['train', 'eval', 'all'],
                     help='sequences of the shared data to fit on (default: %(default)s)')
    fit.add_argument('--sequences', help='comma-separated DATASET/SEQUENCE names instead')
    fit.add_argument('--l2', type=float, default=1e-3,
                     help='L2 penalty per frame on the weights (default: %(default)s)')
    fit.add_argument('--workers', type=int, default=1,
                     help='sequences run in this many processes')
    fit.add_argument('--no-progress', action='store_true', help='no progress bar')
    fit.add_argument('--out', required=True, help='output folder (its cache/ keeps the runs)')
    fit.set_defaults(run=_fit_confidence)
