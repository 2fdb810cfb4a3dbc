#!/usr/bin/env bash
# Recomputes the reference engine's recorded peer outputs with the PyTorch peer
# (tools/peers/llama_rm_peer.py check): the fixtures the C++ tests compare against must be what
# the independent implementation computes from the checked-in model files. Skips (exit 77,
# reported by ctest as skipped) where Debian's python3 has no torch (scripts/setup --torch-peer).
set -euo pipefail
root="$1"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 has no torch (install with scripts/setup --torch-peer)"
  exit 77
fi
exec /usr/bin/python3 "$root/tools/peers/llama_rm_peer.py" check
