#!/usr/bin/env bash
# The library's pipeline alone (examples/pipeline) and the command-line tool (cirm search, then
# cirm eval --out) on the bundled model must write the same spec, trial log (all but each trial's
# wall-clock seconds) and evaluation document, byte for byte.
# Usage: library_vs_cli.sh EXAMPLE_PIPELINE CIRM SOURCE_DIR WORK_DIR
set -euo pipefail
example=$1 cirm=$2 src=$3 work=$4
model="$src/models/cirm-tiny-rm"
validation="$src/tests/fixtures/cli/validation.jsonl"
test="$src/tests/fixtures/cli/test.jsonl"
if [ ! -f "$model/model.safetensors" ]; then
  echo "skipped: the bundled model is missing ($model)"; exit 77
fi
rm -rf "$work"; mkdir -p "$work/library" "$work/cli"
"$example" "$model" "$validation" "$test" "$work/library" 20 7
"$cirm" search --model "$model" --data "$validation" --trials 20 --seed 7 --out "$work/cli" --quiet >/dev/null
"$cirm" eval --model "$model" --data "$test" --spec "$work/cli/spec.json" --out "$work/cli/eval.json" --quiet >/dev/null
cmp "$work/library/spec.json" "$work/cli/spec.json"
cmp "$work/library/eval.json" "$work/cli/eval.json"
python3 - "$work/library/trials.jsonl" "$work/cli/trials.jsonl" <<'PY'
import json, sys
def lines(path):
    out = []
    for line in open(path):
        record = json.loads(line)
        del record["seconds"]
        out.append(record)
    return out
a, b = lines(sys.argv[1]), lines(sys.argv[2])
assert len(a) == 20, f"{len(a)} trials, expected 20"
assert a == b, "the trial logs differ"
PY
# the search edited something, so the comparison is not between two empty specs
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['sites'], 'empty spec'" "$work/cli/spec.json"
echo "library and CLI agree: spec, 20 trials and the evaluation document"
