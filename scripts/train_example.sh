#!/usr/bin/env bash
# The documented short CPU training run (docs/training.md): ATOM's IoU-Net with its backbone,
# trained on ten sequences of the shared data's train split and validated on the other two
# (the eval split is never used), then its learning curves drawn to docs/training/.
# Resumes from docs/training/atom-cpu/last.pt when interrupted; FRESH=1 starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
data=${SHARED:-../shared}/data/sequences
out=docs/training/atom-cpu
fresh=(); [ "${FRESH:-0}" = 1 ] && fresh=(--fresh)
train=DTB70/MountainBike6,UAVDT/S0601,UAVDT/S0310,UAVDT/S1301,UAV123_10fps/wakeboard7
train+=,UAV123_10fps/building5,UAV123_10fps/wakeboard10,UAV123_10fps/truck2
train+=,UAV123_10fps/wakeboard3,UAV123_10fps/person12_1
.venv/bin/ros-tracker train atom --device cpu "${fresh[@]}" \
  --data "uniform:$data:$train" --val-data "uniform:$data:DTB70/Gull2,UAV123_10fps/boat1" \
  --out "$out" --steps 400 --workers 1 --log-every 10 --val-every 50 --checkpoint-every 50 \
  --set batch_size=8 --set val_samples=64 --set steps_per_epoch=100 --set lr_decay_epochs=2
.venv/bin/ros-tracker plot-training "$out" --out docs/training/atom-cpu.png \
  --title 'ATOM IoU-Net + backbone, CPU, shared train split'
