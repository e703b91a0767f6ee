"""Options that several subcommands share."""

from __future__ import annotations

import argparse

from ros_tracker.datasets.readers import LAYOUTS
from ros_tracker.registry import tracker_names


def add_tracker_and_data(parser: argparse.ArgumentParser) -> None:
    """The tracker to build and the annotated sequences it runs on (eval, bench-node)."""
    parser.add_argument('--tracker', required=True, choices=tracker_names())
    parser.add_argument('--weights', help='weights file of the tracker')
    parser.add_argument('--device', default='auto', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--dataset', default='../shared/data/sequences',
                        help='root of the sequences (default: %(default)s)')
    parser.add_argument('--layout', default='uniform', choices=LAYOUTS,
                        help='benchmark layout of --dataset (default: %(default)s)')
