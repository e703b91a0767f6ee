#!/usr/bin/env bash
# Sets up .venv (scripts/setup_env.sh), then tracks a real video through the ROS 2 node:
# a player node publishes the frames and an init box, the tracker node tracks, and a recorder
# writes demo_output/tracking.avi (annotated) and demo_output/boxes.csv (boxes and lost flags).
# Without arguments it plays Megamind.avi from Debian's opencv-doc package (installed if missing).
# Arguments go to `ros-tracker demo` (see `.venv/bin/ros-tracker demo --help`), e.g.
#   scripts/demo.sh --video my.mp4 --init-box 100 80 60 60 --init-frame 0
# ROS 2 traffic stays on this machine (localhost discovery) in a domain of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
video=/usr/share/doc/opencv-doc/examples/data/Megamind.avi
if [[ " $* " != *" --video "* ]] && [ ! -f "$video" ]; then
  echo "[demo] installing Debian's opencv-doc for $video"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q opencv-doc
fi
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$(( $$ % 100 + 1 ))}
exec .venv/bin/ros-tracker demo "$@"
