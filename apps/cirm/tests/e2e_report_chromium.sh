#!/usr/bin/env bash
# The HTML report opened in headless Chromium (Debian's chromium): a screenshot is taken and must
# be a non-trivial PNG, and every inline SVG chart must render with a non-zero size. The sizes are
# read by a copy of the report with a tiny script appended that writes each <svg>'s
# getBoundingClientRect() into the DOM, dumped with --dump-dom (the report itself has no script).
# Skipped (exit 77) where no chromium binary is installed.
# Usage: e2e_report_chromium.sh CIRM_BINARY REPO_ROOT WORK_DIR
set -euo pipefail
bin="$1"; root="$2"; work="$3"
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "skipped: no chromium binary (install Debian's chromium: apt-get install chromium)"
  exit 77
fi
rm -rf "$work"; mkdir -p "$work"
model="$root/tests/fixtures/reference/tiny_llama_gqa_bf16"
fx="$root/tests/fixtures/cli"
"$bin" demo --model "$model" --validation "$fx/validation.jsonl" --test "$fx/test.jsonl" --out "$work/demo" --trials 20 --quiet >/dev/null
report="$work/demo/report.html"
[ -s "$report" ] || { echo "FAIL: no report"; exit 1; }
svgs=$(grep -o '<svg' "$report" | wc -l)
[ "$svgs" -ge 2 ] || { echo "FAIL: the report has $svgs <svg> elements, expected the charts"; exit 1; }

flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars
       --user-data-dir="$work/profile")
timeout 120 "$chromium" "${flags[@]}" --window-size=1100,2400 --screenshot="$work/report.png" "file://$report" \
  >"$work/screenshot.log" 2>&1 || true
[ -s "$work/report.png" ] || { echo "FAIL: chromium wrote no screenshot"; cat "$work/screenshot.log"; exit 1; }

# the sizes of the rendered charts
cp "$report" "$work/measure.html"
cat >>"$work/measure.html" <<'JS'
<script>
for (const svg of document.querySelectorAll("svg")) {
  const r = svg.getBoundingClientRect();
  const p = document.createElement("pre");
  p.className = "svg-size";
  p.textContent = "SVG-SIZE " + r.width + " " + r.height + " " + svg.querySelectorAll("rect").length;
  document.body.appendChild(p);
}
</script>
JS
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$work/measure.html" >"$work/dom.html" 2>"$work/dom.log" || true

/usr/bin/python3 - "$work/report.png" "$work/dom.html" "$svgs" <<'PY'
import re, struct, sys, zlib
png, dom, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(png, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n": sys.exit("FAIL: the screenshot is not a PNG")
width, height = struct.unpack(">II", data[16:24])
# decode enough of the image to see that it is not one flat colour
idat = b"".join(data[i + 8:i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                for i in [m.start() - 4 for m in re.finditer(b"IDAT", data)])
raw = zlib.decompress(idat)
distinct = len(set(raw[i:i + 3] for i in range(1, min(len(raw), 4_000_000), 7)))
print("screenshot %dx%d, %d bytes, ~%d distinct byte triples" % (width, height, len(data), distinct))
if width < 200 or height < 200 or len(data) < 5000 or distinct < 20: sys.exit("FAIL: the screenshot looks empty")
sizes = re.findall(r"SVG-SIZE ([0-9.]+) ([0-9.]+) ([0-9]+)", open(dom).read())
print("svg sizes:", sizes)
if len(sizes) != expected: sys.exit("FAIL: %d of %d charts measured" % (len(sizes), expected))
for w, h, rects in sizes:
    if float(w) <= 0 or float(h) <= 0 or int(rects) == 0: sys.exit("FAIL: a chart rendered with size %sx%s, %s rects" % (w, h, rects))
print("e2e report in chromium: all charts rendered")
PY
