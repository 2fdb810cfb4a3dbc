#!/usr/bin/env bash
# The trainer end to end on a small generated dataset: language-model stage, reward stage, then
# `cirm-train check`, which loads the written model into the trainer's libtorch model and into the
# C++ engine and fails if any reward differs by more than 1e-4. Also checks that the run is
# reproducible (same seed → byte-identical model.safetensors).
#   two_stage.sh CIRM_TRAIN CIRM_DATAGEN WORK_DIR
set -euo pipefail
train=$1 datagen=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$datagen" --seed 3 --train 300 --validation 40 --test 60 --out "$work/data" 2>/dev/null
small=(--layers 2 --hidden 32 --intermediate 64 --heads 2 --kv-heads 1)
"$train" lm --data "$work/data/train.jsonl" --out "$work/lm" --steps 6 --batch 8 --eval-every 3 \
  --content 50 --exclude "$work/data/validation.jsonl" "$work/data/test.jsonl" "${small[@]}"
for run in a b; do
  "$train" rm --init "$work/lm" --data "$work/data/train.jsonl" --validation "$work/data/validation.jsonl" \
    --out "$work/rm_$run" --steps 6 --batch 4 --eval-every 3 --content-first 3 --content-pairs 40 \
    --exclude "$work/data/validation.jsonl" "$work/data/test.jsonl"
done
cmp "$work/rm_a/model.safetensors" "$work/rm_b/model.safetensors" || { echo "two runs with one seed differ"; exit 1; }
for f in config.json model.safetensors tokenizer.json tokenizer_config.json train_log.jsonl; do
  [ -s "$work/rm_a/$f" ] || { echo "missing $f in the reward model directory"; exit 1; }
done
"$train" check --model "$work/rm_a" --data "$work/data/test.jsonl" --tolerance 1e-4
