"""The ``ros-tracker`` command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import Callable

from ros_tracker.atom.params import MODES
from ros_tracker.cli.benchmarks import add_benchmark_commands
from ros_tracker.cli.calibration import add_calibration_commands
from ros_tracker.cli.options import add_tracker_and_data
from ros_tracker.cli.training import add_training_commands
from ros_tracker.registry import tracker_names, TRACKERS
from ros_tracker.share import config_file, DEMO_VIDEO


def _trackers(args: argparse.Namespace) -> int:
    for name in tracker_names():
        print(f'{name:14s} {TRACKERS[name].description}')
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ros_tracker.ros.demo import run_demo  # the only subcommand that needs ROS
    return run_demo(args.tracker, args.video, args.output, args.rate, args.device, args.weights,
                    args.init_box, args.init_frame)


def _info(args: argparse.Namespace) -> int:
    from ros_tracker.registry import spec
    entry = spec(args.name)
    print(f'{args.name}: {entry.description}')
    if entry.network is None:
        print('no network')
        return 0
    network = entry.network()
    print(network)
    print(f'parameters: {sum(p.numel() for p in network.parameters())}')
    return 0


def _conversion(command: str, convert: Callable[[str, str], str],
                args: argparse.Namespace) -> int:
    """Run a weights conversion; a problem with the file ends with status 1 and its reason."""
    from ros_tracker.weights import CheckpointError
    try:
        digest = convert(args.source, args.destination)
    except CheckpointError as error:
        print(f'ros-tracker {command}: {error}', file=sys.stderr)
        return 1
    print(f'wrote {args.destination} (sha256 {digest})')
    return 0


def _convert(args: argparse.Namespace) -> int:
    from ros_tracker.atom.checkpoint import convert
    return _conversion('convert', lambda source, destination: convert(
        source, destination, compact=args.compact, mode=args.mode), args)


def _convert_re3(args: argparse.Namespace) -> int:
    from ros_tracker.re3.checkpoint import convert_tf_checkpoint
    return _conversion('convert-re3', convert_tf_checkpoint, args)


def _eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ros_tracker.evaluation.campaign import evaluate, Evaluation, Outcome
    from ros_tracker.evaluation.results import results_document, save_results
    from ros_tracker.datasets.splits import split_names
    from ros_tracker.evaluation.runner import load_sequences
    from ros_tracker.registry import BuildOptions, load_tracker_config, resolve_weights

    if args.layout != 'uniform' and not args.sequences:
        print('ros-tracker eval: --sequences is needed with --layout ' + args.layout,
              file=sys.stderr)
        return 2
    names = args.sequences.split(',') if args.sequences else split_names(args.split)
    sequences = load_sequences(args.dataset, names, args.layout)
    if args.absences:
        from ros_tracker.evaluation.absences import absence_sequences
        sequences = absence_sequences(sequences)
    config = load_tracker_config(args.config or config_file(args.tracker), args.tracker)
    weights = resolve_weights(args.tracker, args.weights or '')
    # Around absences the one-pass run is what counts; the reset protocol would double the time.
    evaluation = Evaluation(args.tracker, config,
                            BuildOptions(device=args.device, weights=weights, half=args.half),
                            args.max_frames, reset_protocol=not args.absences)

    def report(outcome: Outcome) -> None:
        origin = ' (cached)' if outcome.cached else ''
        failures = f', {outcome.reset.failures} failure(s)' if outcome.reset else ''
        tqdm.write(f'{args.tracker} {outcome.run.sequence}: AUC {outcome.run.accuracy.auc:.3f}'
                   f'{failures}{origin}')

    outcomes = evaluate(evaluation, sequences, Path(args.out) / 'cache', args.workers,
                        args.fresh, not args.no_progress, report)
    runs = [outcome.run for outcome in outcomes]
    kind = 'absence sequences made from' if args.absences else 'sequences of'
    settings = {'weights': weights.label,
                'data': f'{len(sequences)} {kind} {Path(args.dataset).name}/ '
                        f'({args.sequences or args.split})',
                'config': config, 'workers': args.workers, 'half': args.half}
    devices = ', '.join(sorted({outcome.device for outcome in outcomes}))
    document = results_document(args.tracker, runs, settings, devices,
                                None if args.absences else [o.reset for o in outcomes])
    if args.absences:
        from ros_tracker.evaluation.absences import add_absence_metrics
        add_absence_metrics(document, sequences, runs)
    print(f'wrote {save_results(args.out, document, runs)}')
    return 0


def _agree(args: argparse.Namespace) -> int:
    from ros_tracker.evaluation.agreement import box_agreement
    agreement = box_agreement(args.run_a, args.run_b)
    worst = min(values['median_iou'] for values in agreement.values())
    for name, values in agreement.items():
        print(f"{name}: {values['frames']} frames, median IoU {values['median_iou']:.3f}, "
              f"min {values['min_iou']:.3f}")
    if args.out:
        Path(args.out).write_text(json.dumps(agreement, indent=1) + '\n', encoding='utf-8')
    if worst < args.min_median_iou:
        print(f'ros-tracker agree: a median IoU of {worst:.3f} is below {args.min_median_iou}',
              file=sys.stderr)
        return 1
    return 0


def _report(args: argparse.Namespace) -> int:
    from ros_tracker.evaluation.report import write_report
    print(f'wrote {write_report(args.results, args.out)} and its plots')
    return 0


def _add_conversion(commands: argparse._SubParsersAction, name: str,
                    run: Callable[[argparse.Namespace], int], description: str,
                    source_help: str, example_output: str) -> argparse.ArgumentParser:
    """A SOURCE DESTINATION subcommand that converts weights."""
    parser = commands.add_parser(name, help=description)
    parser.add_argument('source', help=source_help)
    parser.add_argument('destination', help=f'output file, e.g. {example_output}')
    parser.set_defaults(run=run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='ros-tracker', description=__doc__)
    commands = parser.add_subparsers(dest='command', required=True)
    trackers = commands.add_parser('trackers', help='list the registered trackers')
    trackers.set_defaults(run=_trackers)
    demo = commands.add_parser(
        'demo', help='track a video through the ROS 2 node and record the result')
    demo.add_argument('--tracker', default='atom', choices=tracker_names(),
                      help='tracker to run (default: %(default)s, with its shipped weights)')
    demo.add_argument('--video', default=DEMO_VIDEO, help='video file (default: %(default)s)')
    demo.add_argument('--output', default='demo_output',
                      help='folder for tracking.avi, boxes.csv and overview.jpg')
    demo.add_argument('--rate', type=float, default=24.0, help='camera rate in Hz')
    demo.add_argument('--device', default='', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    demo.add_argument('--weights', default='', help='weights file for the tracker')
    demo.add_argument('--init-box', type=float, nargs=4, metavar=('X', 'Y', 'W', 'H'),
                      help='init box in pixels (default: the face in the demo video)')
    demo.add_argument('--init-frame', type=int, help='frame the init box is drawn on')
    demo.set_defaults(run=_demo)
    convert = _add_conversion(
        commands, 'convert', _convert,
        'check ATOM weights (the official atom_default.pth, or a file from ros-tracker train) '
        'and save them as a plain weights-only file',
        'official checkpoint or ATOM weights file, e.g. atom_default.pth', 'atom.pt')
    convert.add_argument('--compact', action='store_true',
                         help='leave out the unused layer4/fc and store half precision (the '
                              'form of the shipped weights)')
    convert.add_argument('--mode', choices=MODES[1:], default='',
                         help="record the tracking mode the weights are made for: what ATOM's "
                              "mode 'auto' becomes with this file (default: the source's, else "
                              'none, which runs full)')
    info = commands.add_parser('info', help="print a tracker's network and parameter count")
    info.add_argument('name', choices=tracker_names())
    info.set_defaults(run=_info)
    _add_conversion(commands, 'convert-re3', _convert_re3,
                    'convert the official Re3 TensorFlow checkpoint to a re3 weights file '
                    '(needs TensorFlow)',
                    'checkpoint prefix, e.g. checkpoints/model.ckpt-N', 're3.pt')
    evaluate = commands.add_parser(
        'eval', help='track annotated sequences once each and write DIR/results.json and the '
                     'boxes of every frame')
    add_tracker_and_data(evaluate)
    evaluate.add_argument('--config', help='parameter file (default: config/<tracker>.yaml)')
    evaluate.add_argument('--sequences', help='comma-separated DATASET/SEQUENCE names '
                                              '(default: the --split of the shared data)')
    evaluate.add_argument('--split', default='eval', choices=['eval', 'train', 'all'])
    evaluate.add_argument('--max-frames', type=int, help='frames per sequence (default: all)')
    evaluate.add_argument('--workers', type=int, default=1,
                          help='sequences run in this many processes (speed figures are only '
                               'comparable with 1, the default)')
    evaluate.add_argument('--fresh', action='store_true',
                          help='ignore the outcomes cached in OUT/cache and run everything')
    evaluate.add_argument('--no-progress', action='store_true', help='no progress bar')
    evaluate.add_argument('--absences', action='store_true',
                          help='track sequences made from the chosen ones in which the target '
                               'leaves and returns (scene cut, occlusion, out of view) and '
                               'score the lost flag around each absence')
    evaluate.add_argument('--half', action='store_true',
                          help='float16 for the network on CUDA (the node parameter half)')
    evaluate.add_argument('--out', required=True, help='output folder')
    evaluate.set_defaults(run=_eval)
    agree = commands.add_parser(
        'agree', help='how closely two eval runs agree box by box (another device or '
                      'precision); exits with status 1 below --min-median-iou')
    agree.add_argument('run_a', help='folder written by ros-tracker eval')
    agree.add_argument('run_b', help='another one, over the same sequences')
    agree.add_argument('--min-median-iou', type=float, default=0.0,
                       help='smallest accepted median IoU of any sequence (default: 0)')
    agree.add_argument('--out', help='also write the figures to this JSON file')
    agree.set_defaults(run=_agree)
    add_benchmark_commands(commands)
    add_calibration_commands(commands)
    report = commands.add_parser(
        'report', help='write benchmarks.md and the success/precision plots from the results '
                       'of eval and bench-node')
    report.add_argument('results', nargs='+',
                        help='folders written by ros-tracker eval, bench-node, '
                             'bench-callbacks or bench-reliability')
    report.add_argument('--out', default='docs',
                        help='folder for benchmarks.md and plots/ (default: %(default)s)')
    report.set_defaults(run=_report)
    add_training_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
