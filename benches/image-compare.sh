#!/usr/bin/env bash
# nhi-scan vs Kingfisher on container images and archives, same inputs, same run.
#
# Usage, from the project root:
#   benches/image-compare.sh [--runs N] [--warmup N] [DIR] [NHI_SCAN_BIN]
#
#   DIR            where the inputs are generated (default target/image-bench; reused if present)
#   NHI_SCAN_BIN   default target/release/nhi-scan (cargo build --release)
#   --runs N       timed runs per tool and input (default 3)
#   --warmup N     untimed runs before them (default 1; 0 when caches are known warm)
#
# Inputs (benches/image-gen.py, deterministic, generated FAKE credentials only):
#   DIR/image.tar  `docker save` tarball (Docker 25+ OCI form), ~240 MB, 24 uncompressed layers (text,
#                  ELF-like binaries, jars, repeated files, whiteouts). Not larger: Kingfisher 2.14
#                  extracts docker archives to disk with a 256 MiB aggregate cap and fails on a
#                  300 MB one ("did not contain Docker image layers"); nhi-scan has no such cap.
#   DIR/jars/      300 jars (class files, resources, application.yml, nested jars)
#
# Commands timed (no validation; reports to a temporary file, never -o /dev/null: a tool that
# writes its report atomically would rename over the device when run as root):
#   nhi-scan image DIR/image.tar --format json -o TMP/out.json
#   kingfisher scan docker --archive DIR/image.tar --no-validate --no-update-check --format json -o TMP/out.json
#   nhi-scan scan DIR/jars --format json -o TMP/out.json
#   kingfisher scan DIR/jars --no-validate --no-update-check --format json -o TMP/out.json
#
# Each run is under /usr/bin/time -v: wall time and peak RSS (max over runs of the median run is
# reported as median time and max RSS). One untimed warmup run per command warms the page cache
# and Kingfisher's compiled-rule cache. Read ratios, not absolute seconds, on a shared machine.
set -euo pipefail

die() { echo "image-compare: $*" >&2; exit 2; }
RUNS=3
WARMUP=1
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) POS+=("$1"); shift ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${POS[0]:-$ROOT/target/image-bench}
NHI=${POS[1]:-$ROOT/target/release/nhi-scan}
[ -x "$NHI" ] || die "no nhi-scan at $NHI (cargo build --release)"
KF=$(command -v kingfisher || true)
[ -n "$KF" ] || KF=$ROOT/target/peers/bin/kingfisher
[ -x "$KF" ] || die "kingfisher not found (../shared/tools/install-peers.sh)"
[ -x /usr/bin/time ] || die "GNU time missing (apt-get install time)"
[ -f "$DIR/image.tar" ] || python3 "$ROOT/benches/image-gen.py" "$DIR" --mb 230

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME CMD...: warmup, then RUNS runs; prints "NAME median_s max_rss_mb exit"
measure() {
  local name=$1; shift
  for _ in $(seq "$WARMUP"); do "$@" >/dev/null 2>&1 || true; done
  local times=() rss=0 code=0
  for _ in $(seq "$RUNS"); do
    set +e
    /usr/bin/time -v -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err"
    code=$?
    set -e
    local wall kb
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time")
    times+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-34s %8.2f s %8.0f MB   exit %s\n' "$name" "$median" "$((rss / 1024))" "$code"
}

count() { # findings in a JSON report: nhi-scan's .findings, kingfisher's array or .findings
  jq 'if type=="array" then length elif .findings then (.findings|length) else 0 end' "$1" 2>/dev/null || echo "?"
}

IMG=$DIR/image.tar
echo "inputs: $(du -h "$IMG" | cut -f1) docker save, $(du -sh "$DIR/jars" | cut -f1) of jars ($(ls "$DIR/jars" | wc -l) files); $(nproc) cores; runs $RUNS, warmup $WARMUP"
"$NHI" --version; "$KF" --version
echo
printf '%-34s %10s %11s\n' command "median" "peak RSS"
measure "nhi-scan image" "$NHI" image "$IMG" --format json -o "$TMP/out.json" -q
measure "kingfisher scan docker --archive" "$KF" scan docker --archive "$IMG" --no-validate --no-update-check --format json -o "$TMP/out.json"
measure "nhi-scan scan jars/" "$NHI" scan "$DIR/jars" --format json -o "$TMP/out.json" -q
measure "kingfisher scan jars/" "$KF" scan "$DIR/jars" --no-validate --no-update-check --format json -o "$TMP/out.json"
echo
# Findings (what each tool reports on the same inputs; the generator planted secrets.json).
"$NHI" image "$IMG" --format json -o "$TMP/nhi-image.json" -q || true
"$KF" scan docker --archive "$IMG" --no-validate --no-update-check --format json -o "$TMP/kf-image.json" >/dev/null 2>&1 || true
"$NHI" scan "$DIR/jars" --format json -o "$TMP/nhi-jars.json" -q || true
"$KF" scan "$DIR/jars" --no-validate --no-update-check --format json -o "$TMP/kf-jars.json" >/dev/null 2>&1 || true
echo "planted fake secrets: image $(jq '.image|length' "$DIR/secrets.json"), jars $(jq '.jars|length' "$DIR/secrets.json")"
echo "nhi-scan findings:   image $(count "$TMP/nhi-image.json"), jars $(count "$TMP/nhi-jars.json")"
echo "kingfisher findings: image $(count "$TMP/kf-image.json"), jars $(count "$TMP/kf-jars.json")"
