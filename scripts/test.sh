#!/usr/bin/env bash
# Sets up .venv (scripts/setup_env.sh) and runs the whole test suite.
# ROS 2 traffic stays on this machine (localhost discovery) in a domain of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$(( $$ % 100 + 1 ))}
exec .venv/bin/python -m pytest "$@"
