#!/usr/bin/env bash
# The documented short CPU training runs (docs/training.md), on ten sequences of the shared
# data's train split, validated on the other two (the eval split is never used), each followed by
# its learning curves in docs/training/:
#   scripts/train_example.sh atom        ATOM's IoU-Net with its backbone, from scratch
#   scripts/train_example.sh dense_re3   DenseRe3 with the paper's curriculum, shortened
#   scripts/train_example.sh re3         Re3, its baseline, with the same curriculum
#   scripts/train_example.sh atom_backbone  ATOM's ResNet-18 distilled from NanoTrack v2's backbone
#   scripts/train_example.sh atom_distilled ATOM's IoU-Net on that frozen backbone, with random
#                                        regions of opencv-doc's images as extra targets, packed
#                                        as the shipped weights ros_tracker/pretrained/atom_distilled.pt
#   scripts/train_example.sh atom_pooled  that IoU-Net trained on from a pool of precomputed
#                                        backbone features (docs/training.md; not shipped)
#   scripts/train_example.sh atom_cutouts the shipped IoU-Net trained on with object cut-outs
#                                        (Debian's tuxpaint-stamps-default) pasted over the
#                                        train split's frames and opencv-doc's images
#   scripts/train_example.sh re3_tower   the Re3 family's conv tower distilled from NanoTrack v2
#   scripts/train_example.sh dense_re3_distilled  DenseRe3's short curriculum from that tower,
#                                        starting at the stay-where-you-started tracker
#   scripts/train_example.sh dense_re3_frozen  DenseRe3 on that tower, frozen, with crops at
#                                        its own predictions from the first step (docs/training.md)
#   scripts/train_example.sh             atom, dense_re3 and atom_backbone
# TOWER_STEPS sets re3_tower's steps (2,400 by default).
# A run resumes from docs/training/<run>-cpu/last.pt when interrupted; FRESH=1 starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
data=${SHARED:-../shared}/data/sequences
fresh=(); [ "${FRESH:-0}" = 1 ] && fresh=(--fresh)
train=DTB70/MountainBike6,UAVDT/S0601,UAVDT/S0310,UAVDT/S1301,UAV123_10fps/wakeboard7
train+=,UAV123_10fps/building5,UAV123_10fps/wakeboard10,UAV123_10fps/truck2
train+=,UAV123_10fps/wakeboard3,UAV123_10fps/person12_1
held_out=DTB70/Gull2,UAV123_10fps/boat1

images=${OPENCV_SAMPLES:-/usr/share/doc/opencv-doc/examples}
cutouts=${CUTOUTS:-/usr/share/tuxpaint/stamps}

run_as() {  # run name, model, title, then ros-tracker train options
  local name=$1 model=$2 title=$3 out=docs/training/$1-cpu
  shift 3
  .venv/bin/ros-tracker train "$model" --device cpu "${fresh[@]}" --workers 1 \
    --data "uniform:$data:$train" --val-data "uniform:$data:$held_out" --out "$out" "$@"
  .venv/bin/ros-tracker plot-training "$out" --out "docs/training/$name-cpu.png" --title "$title"
}

# The Re3 family's shortened curriculum: the same for DenseRe3 and its baseline Re3.
re3_options=(--steps 345 --log-every 5 --val-every 15 --checkpoint-every 15
             --set batch_size=8 --set min_batch_size=2 --set lr=1e-4 --set patience=2
             --set val_samples=16 --set val_sequences=2)

run() {  # model, title, then ros-tracker train options
  run_as "$1" "$@"
}

for model in "${@:-atom dense_re3 atom_backbone}"; do
  for name in $model; do
    case $name in
      atom) run atom 'ATOM IoU-Net + backbone, CPU, shared train split' \
              --steps 400 --log-every 10 --val-every 50 --checkpoint-every 50 \
              --set batch_size=8 --set val_samples=64 --set steps_per_epoch=100 \
              --set lr_decay_epochs=2 ;;
      dense_re3) run dense_re3 'DenseRe3, CPU, shared train split' "${re3_options[@]}" ;;
      re3) run re3 'Re3 (the baseline), CPU, shared train split' "${re3_options[@]}" ;;
      atom_backbone) run atom_backbone 'ResNet-18 distilled from NanoTrack v2, CPU, shared train split' \
              --teacher "${SHARED:-../shared}/peers/nanotrack/nanotrack_v2_backbone.onnx" \
              --steps 2000 --log-every 20 --val-every 200 --checkpoint-every 200 ;;
      atom_distilled)
        backbone=docs/training/atom_backbone-cpu/weights.pt
        [ -f "$backbone" ] || "$0" atom_backbone
        [ -d "$images" ] || { echo "no $images: apt install opencv-doc" >&2; exit 2; }
        run_as atom_distilled atom 'ATOM IoU-Net on the distilled backbone, CPU, shared train split' \
          --data "images:$images" --backbone "$backbone" \
          --steps 1000 --log-every 20 --val-every 100 --checkpoint-every 100 \
          --set batch_size=16 --set val_samples=64 --set still_probability=0.5 \
          --set steps_per_epoch=100 --set lr_decay_epochs=6 --set weight_decay=1e-4
        .venv/bin/ros-tracker convert --compact --mode scale_filter \
          docs/training/atom_distilled-cpu/weights.pt ros_tracker/pretrained/atom_distilled.pt ;;
      atom_pooled)
        distilled=docs/training/atom_distilled-cpu/weights.pt
        [ -f "$distilled" ] || "$0" atom_distilled
        run_as atom_pooled atom 'ATOM IoU-Net from a feature pool of 4,000 pairs, CPU, shared train split' \
          --data "images:$images" --weights "$distilled" \
          --steps 2000 --log-every 20 --val-every 500 --checkpoint-every 250 \
          --set batch_size=16 --set val_samples=64 --set still_probability=0.5 \
          --set steps_per_epoch=100 --set lr_decay_epochs=15 --set weight_decay=1e-4 \
          --set feature_pool=4000 --set proposals=32 ;;
      atom_cutouts)
        [ -d "$images" ] || { echo "no $images: apt install opencv-doc" >&2; exit 2; }
        [ -d "$cutouts" ] || { echo "no $cutouts: apt install tuxpaint-stamps-default" >&2; exit 2; }
        run_as atom_cutouts atom 'ATOM IoU-Net trained on with object cut-outs, CPU' \
          --data "images:$images" --data "cutouts:$cutouts:train" \
          --weights ros_tracker/pretrained/atom_distilled.pt \
          --steps 800 --log-every 10 --val-every 100 --checkpoint-every 50 \
          --set batch_size=16 --set proposals=32 --set val_samples=128 \
          --set still_probability=0.5 --set cutout_probability=0.5 \
          --set steps_per_epoch=100 --set lr_decay_epochs=4 --set weight_decay=1e-4 ;;
      re3_tower)
        [ -d "$images" ] || { echo "no $images: apt install opencv-doc" >&2; exit 2; }
        run re3_tower 'Re3 conv tower distilled from NanoTrack v2, CPU, shared train split' \
          --teacher "${SHARED:-../shared}/peers/nanotrack/nanotrack_v2_backbone.onnx" \
          --data "images:$images" \
          --steps "${TOWER_STEPS:-2400}" --log-every 20 --val-every 200 --checkpoint-every 200 ;;
      dense_re3_distilled)
        tower=docs/training/re3_tower-cpu/weights.pt
        [ -f "$tower" ] || "$0" re3_tower
        run_as dense_re3_distilled dense_re3 'DenseRe3 on the distilled tower, CPU, shared train split' \
          "${re3_options[@]}" --backbone "$tower" --set conv_lr_scale=0.1 \
          --set start_at_previous_box=true ;;
      dense_re3_frozen)
        tower=docs/training/re3_tower-cpu/weights.pt
        [ -f "$tower" ] || "$0" re3_tower
        run_as dense_re3_frozen dense_re3 'DenseRe3 on the frozen distilled tower, CPU, shared train split' \
          --data "images:$images" --backbone "$tower" \
          --steps 400 --log-every 5 --val-every 25 --checkpoint-every 25 \
          --set batch_size=8 --set min_batch_size=8 --set lr=1e-4 --set max_unrolls=4 \
          --set freeze_tower=true --set start_at_previous_box=true \
          --set prediction_probability=0.5 --set patience=2 --set min_stage_steps=150 \
          --set val_samples=16 --set val_sequences=2 ;;
      *) echo "unknown run $name (atom, dense_re3, re3, atom_backbone, atom_distilled, atom_pooled," \
              "re3_tower, dense_re3_distilled or dense_re3_frozen)" >&2
         exit 2 ;;
    esac
  done
done
