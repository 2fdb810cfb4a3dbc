#!/usr/bin/env bash
# Re-runs scripts/make_fixtures.py into a scratch folder and compares with tests/fixtures: the
# stored fixtures must be exactly what the reference script writes. Skips (exit 77, reported by
# ctest as skipped) where Debian's python3 lacks numpy, scipy or statsmodels.
set -euo pipefail
root="$1"; scratch="$2"
if ! /usr/bin/python3 -c "import numpy, scipy, statsmodels" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 lacks numpy/scipy/statsmodels (install with scripts/setup --peers)"
  exit 77
fi
rm -rf "$scratch"
/usr/bin/python3 "$root/scripts/make_fixtures.py" "$scratch"
for f in spearman.json directions.json lowess.json; do
  cmp "$root/tests/fixtures/$f" "$scratch/$f" || { echo "tests/fixtures/$f differs from what make_fixtures.py writes"; exit 1; }
done
echo "fixtures match the reference script"
