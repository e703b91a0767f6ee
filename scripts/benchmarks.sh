#!/usr/bin/env bash
# Regenerates docs/benchmarks.md and docs/plots/ in one go:
#   1. `ros-tracker eval` for every registered tracker on the eval split of the shared data
#      (each sequence's outcome is cached in docs/results/<tracker>/cache: a rerun only runs
#      what changed or is missing; FRESH=1 runs everything again);
#   2. `ros-tracker eval --absences` for the trackers with weights or without a network: the
#      lost flag where the target leaves;
#   3. `ros-tracker bench-node` over real DDS (default Fast DDS transports and the shared-memory
#      profile config/fastdds_local_large_images.xml);
#   4. `ros-tracker bench-callbacks`: the node's answer times while ATOM works;
#   5. `ros-tracker bench-reliability`: malformed input, load and soak, with the node's memory;
#   6. `ros-tracker report` over all of them.
# Extra arguments go to every eval, e.g. `scripts/benchmarks.sh --device cuda`.
# ROS 2 traffic stays on this machine (localhost discovery) in a domain of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$(( $$ % 100 + 1 ))}
shared=${SHARED:-../shared}
data=$shared/data/sequences
cli=.venv/bin/ros-tracker
fresh=(); [ "${FRESH:-0}" = 1 ] && fresh=(--fresh)

# NanoTrack's ONNX models are not part of the package: point a copy of its config at them.
mkdir -p build
sed -e "s#backbone: ''#backbone: '$shared/peers/nanotrack/nanotrack_v2_backbone.onnx'#" \
    -e "s#neckhead: ''#neckhead: '$shared/peers/nanotrack/nanotrack_v2_head.onnx'#" \
    config/nano.yaml > build/nano_peers.yaml

results=()
for tracker in csrt kcf nano static atom re3 residual_re3 dense_re3; do
  config=(); [ "$tracker" = nano ] && config=(--config build/nano_peers.yaml)
  "$cli" eval --tracker "$tracker" "${config[@]}" --dataset "$data" --split eval \
    --out "docs/results/$tracker" "${fresh[@]}" "$@"
  results+=("docs/results/$tracker")
done
# The Re3 family has no trained weights to flag with yet: its absences wait for them.
for tracker in csrt kcf nano static atom; do
  config=(); [ "$tracker" = nano ] && config=(--config build/nano_peers.yaml)
  "$cli" eval --tracker "$tracker" "${config[@]}" --absences --dataset "$data" --split eval \
    --out "docs/results/$tracker-absences" "${fresh[@]}" "$@"
  results+=("docs/results/$tracker-absences")
done

"$cli" bench-node --tracker csrt --dataset "$data" --out docs/results/node-csrt-default-dds
results+=(docs/results/node-csrt-default-dds)
"$cli" bench-callbacks --tracker atom --dataset "$data" --out docs/results/callbacks-atom
results+=(docs/results/callbacks-atom)
"$cli" bench-reliability --tracker kcf --dataset "$data" --out docs/results/reliability-kcf
results+=(docs/results/reliability-kcf)
export FASTRTPS_DEFAULT_PROFILES_FILE=$PWD/config/fastdds_local_large_images.xml
for tracker in kcf csrt atom; do
  "$cli" bench-node --tracker "$tracker" --dataset "$data" --out "docs/results/node-$tracker"
  results+=("docs/results/node-$tracker")
done

"$cli" report "${results[@]}" --out docs
