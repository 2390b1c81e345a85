#!/usr/bin/env bash
# Screenshots of a real run report and a real capacity report, taken by headless Chromium: the
# HTML reports seen as a reader sees them (after a change to harness/src/report/charts/, say).
#
# Usage: ci/screenshot-reports.sh [OUT_DIR]          (OUT_DIR defaults to target/screenshots)
#
#   1. builds the release binary if target/release/crmsim is missing (cargo build --release --locked);
#   2. runs scenarios/proxy-events-direct.toml with --html: side A killed 6 s into the steady
#      phase and restarted 16 s in, so the charts carry phases, faults and the proxy's DOWN/UP
#      (about a minute);
#   3. runs a short capacity search with --html: 6 agents whose calls take 1 s (a known limit of
#      6 calls/s), a request p99 limit of 250 ms (one to two minutes);
#   4. screenshots both pages: chromium --headless --no-sandbox --disable-gpu
#      --screenshot=FILE --window-size=1600,3000 file://... (HEIGHT=4000 for a taller shot).
#
# Writes OUT_DIR/run.html, run.png, capacity.html and capacity.png, and prints their paths.
# Needs Chromium (Debian: apt-get install -y chromium). Not part of CI (.ci/run): it takes
# minutes and its result is for eyes.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(realpath -m "${1:-target/screenshots}")
height=${HEIGHT:-3000}
mkdir -p "$out"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null; then
    browser=$candidate
    break
  fi
done
if [ -z "$browser" ]; then
  echo "ci/screenshot-reports.sh: no Chromium; install it (Debian, as root: apt-get install -y chromium)" >&2
  exit 2
fi

crmsim=target/release/crmsim
if [ ! -x "$crmsim" ]; then
  echo "== cargo build --release --locked"
  cargo build --release --locked
fi

# A failed run still writes its report, and a failing report is worth a look too.
echo "== crmsim run scenarios/proxy-events-direct.toml --html $out/run.html"
status=0
"$crmsim" run scenarios/proxy-events-direct.toml --progress lines --quiet --html "$out/run.html" || status=$?
echo "   (exit $status)"

scenario="$out/capacity.toml"
cat >"$scenario" <<'EOF'
# 6 agents whose calls take 1 s can take at most 6 calls/s; above that, callers with 200 ms of
# patience hang up and the step fails on lost calls.
[run]
deployment = "direct"
logon = "storm"
warmup = "1s"
steady = "2s"
drain = "10s"
logoff = false
[tls]
enabled = false
[connector]
wrap_up = false
[crm]
agents = 6
ring_delay = "0s"
talk_time = "1s"
heartbeat = "0s"
[calls]
arrival = "constant"
patience = "200ms"
[thresholds]
max_lost_calls = 0
max_error_rate = 0.0
max_request_p99_ms = 250.0
[capacity]
step_warmup = "1s"
step_steady = "4s"
settle = "10s"
variants = [{ name = "plain", tls = false }]
[capacity.call_rate]
agents = 6
start = 2.0
factor = 2.0
max = 32.0
precision = 0.15
max_steps = 8
EOF
echo "== crmsim capacity $scenario --html $out/capacity.html"
"$crmsim" capacity "$scenario" --progress lines --html "$out/capacity.html"

for page in run capacity; do
  echo "== $browser --headless --screenshot=$out/$page.png"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$out/$page.png" --window-size="1600,$height" "file://$out/$page.html" \
    2>/dev/null
done
echo "screenshots: $out/run.png $out/capacity.png"
