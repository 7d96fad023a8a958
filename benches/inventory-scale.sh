#!/usr/bin/env bash
# The NHI inventory at scale: 10,000 credentials over 100,000 locations.
#
# Builds a git repository with `benches/inventory-repo.py` (1,000 files x 10 FAKE credentials,
# each file copied into 10 directories by 10 commits over four years; every fifth file deleted
# at the end), then measures with the release binary:
#   - `git --format json`       the scan and a findings report, for reference;
#   - `git --format inventory`  the scan plus the inventory (JSON);
#   - `git --format html`       the scan plus the HTML report;
# (wall time and peak memory from /usr/bin/time, output sizes), and finally loads the HTML in
# headless Chromium (the ignored test `inventory_scale_in_chromium`): time to load, to sort
# every row by a column, to filter, to open a detail view.
#
# Usage: benches/inventory-scale.sh [FILES] [DIRS]     (defaults 1000 10; WORK=dir to keep files)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
dirs=${2:-10}
work=${WORK:-target/inventory-scale}
rm -rf "$work"
mkdir -p "$work"
repo="$work/repo"
git init -q -b main "$repo"
python3 benches/inventory-repo.py "$files" "$dirs" | git -C "$repo" fast-import --quiet
echo "repository: $(git -C "$repo" rev-list --count HEAD) commits, $(git -C "$repo" ls-tree -r HEAD | wc -l) files at HEAD"

cargo build --quiet --release -p nhi-scan-cli
bin="$PWD/target/release/nhi-scan"
now=2024-01-01T00:00:00Z

measure() {
  local name=$1; shift
  local out="$work/$name"
  # Exit 1 means findings: expected here.
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" git "$repo" "$@" -o "$out" -q --now "$now" || [ $? -eq 1 ]
  # time notes a non-zero exit on a line of its own before the figures.
  read -r secs kb < <(tail -n 1 "$work/time.txt")
  printf '%-26s %8s s %8d MB peak %8.1f MB output\n' "$*" "$secs" "$((kb / 1024))" \
    "$(awk -v b="$(stat -c %s "$out")" 'BEGIN { print b / 1000000 }')"
}

echo
echo "git --format ...               wall time     memory      output"
measure report.json -f json
measure inventory.json -f inventory
measure report.html -f html
python3 - "$work/inventory.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"\ninventory: {s['credentials']} credentials, {s['locations']} locations, "
      f"{s['at_head']} at HEAD, {s['history_only']} only in history; risk {s['by_risk']}")
EOF

if command -v chromium > /dev/null; then
  echo
  echo "in headless Chromium:"
  INVENTORY_HTML="$PWD/$work/report.html" cargo test --quiet --test e2e \
    inventory_scale_in_chromium -- --ignored --nocapture 2>&1 | grep -E '^rows' || true
fi
