#!/usr/bin/env bash
# Whole-process comparison of nhi-scan with peer scanners on one directory, in one run.
#
# Usage, from the project root:
#   benches/compare.sh [--runs N] [--warmup N] [--no-nhi] [--gitleaks] DIR [NHI_SCAN_BIN]
#
#   DIR            directory to scan (e.g. target/bench-corpus from benches/prepare-corpus.sh)
#   NHI_SCAN_BIN   nhi-scan binary (default: target/release/nhi-scan; build it with cargo build --release)
#   --runs N       timed runs per tool (default 5, minimum 2; hyperfine)
#   --warmup N     untimed warmup runs per tool (default 1)
#   --no-nhi       time the peers only (before nhi-scan scans anything)
#   --gitleaks     also time gitleaks (`gitleaks dir`); betterleaks is its successor
#   --baseline B   also time another nhi-scan binary B (e.g. main's build) as `nhi-base`, in the same
#                  hyperfine run, so a change's cost is measured against its base under the same load
#   --no-peers     skip kingfisher and betterleaks (with --baseline: a quicker before/after run)
#   --keep-reports D  copy each tool's findings report and stdout/stderr from the preflight run into D
#                  (to inspect what each tool flags: the corpus has few real secrets, so most are false positives)
#
# Tools timed (each writes its findings report, none validates over the network):
#   nhi-scan    nhi-scan scan DIR --format json --output /dev/null
#   kingfisher  kingfisher scan DIR --no-validate --no-update-check --format json -o /dev/null
#   betterleaks betterleaks fs DIR --no-banner --exit-code=0 -s -o TMP/betterleaks.json
#   rg          rg -c AKIA DIR        (one literal, one pass: the floor for walking and reading the bytes)
#
# Peers are looked up on PATH, then in target/peers/bin (../shared/tools/install-peers.sh puts them there).
# Needs hyperfine, jq and GNU time (/usr/bin/time; apt-get install time).
#
# Steps: (1) one run of each tool under /usr/bin/time -v: checks its exit code, records peak RSS and its
# finding count, and warms the page cache and kingfisher's compiled-rule cache; (2) hyperfine over all tools
# together (--warmup, --runs, JSON export to a temp file); (3) a table of medians, ratios, MB/s and peak RSS.
# On a shared or noisy machine read the ratios, not the absolute seconds.
set -euo pipefail

die() { echo "compare: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

RUNS=5
WARMUP=1
WITH_NHI=1
WITH_GITLEAKS=0
KEEP=
BASE=
WITH_PEERS=1
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --warmup) [ $# -ge 2 ] || die "--warmup needs a number"; WARMUP=$2; shift 2 ;;
    --warmup=*) WARMUP=${1#*=}; shift ;;
    --no-nhi) WITH_NHI=0; shift ;;
    --gitleaks) WITH_GITLEAKS=1; shift ;;
    --baseline) [ $# -ge 2 ] || die "--baseline needs a binary"; BASE=$2; shift 2 ;;
    --baseline=*) BASE=${1#*=}; shift ;;
    --no-peers) WITH_PEERS=0; shift ;;
    --keep-reports) [ $# -ge 2 ] || die "--keep-reports needs a directory"; KEEP=$2; shift 2 ;;
    --keep-reports=*) KEEP=${1#*=}; shift ;;
    -h|--help) usage 0 ;;
    --) shift; POS+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) POS+=("$1"); shift ;;
  esac
done
[ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || usage 2 >&2
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 2 ] || die "--runs must be an integer >= 2 (got $RUNS)"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a non-negative integer (got $WARMUP)"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${POS[0]}
[ -d "$DIR" ] || die "not a directory: $DIR (build one with benches/prepare-corpus.sh)"
DIR=$(cd "$DIR" && pwd)
if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && KEEP=$(cd "$KEEP" && pwd) || die "cannot create $KEEP"; fi

# --- tools -------------------------------------------------------------------------------------
find_tool() { # name -> absolute path, from PATH or target/peers/bin
  local p
  if p=$(command -v "$1" 2>/dev/null); then echo "$p"; return 0; fi
  if [ -x "$ROOT/target/peers/bin/$1" ]; then echo "$ROOT/target/peers/bin/$1"; return 0; fi
  return 1
}
need() { # name hint
  find_tool "$1" || die "$1 not found on PATH or in $ROOT/target/peers/bin; $2"
}
PEERS_HINT="run ../shared/tools/install-peers.sh from $ROOT"
HYPERFINE=$(need hyperfine "apt-get install hyperfine")
JQ=$(need jq "apt-get install jq")
RG=$(need rg "apt-get install ripgrep")
KINGFISHER=
BETTERLEAKS=
if [ "$WITH_PEERS" = 1 ]; then
  KINGFISHER=$(need kingfisher "$PEERS_HINT")
  BETTERLEAKS=$(need betterleaks "$PEERS_HINT")
fi
GITLEAKS=
if [ "$WITH_GITLEAKS" = 1 ]; then GITLEAKS=$(need gitleaks "$PEERS_HINT"); fi
TIME=/usr/bin/time
[ -x "$TIME" ] && "$TIME" -v true >/dev/null 2>&1 || die "GNU time not found at $TIME (apt-get install time)"

NHI=
if [ "$WITH_NHI" = 1 ]; then
  NHI=${POS[1]:-$ROOT/target/release/nhi-scan}
  [ -x "$NHI" ] || die "nhi-scan binary not found or not executable: $NHI (cargo build --release, pass its path, or use --no-nhi)"
  NHI=$(cd "$(dirname "$NHI")" && pwd)/$(basename "$NHI")
  [ -n "$("$NHI" --version 2>/dev/null || true)" ] \
    || die "$NHI --version prints nothing: not a working nhi-scan CLI yet (use --no-nhi to time the peers only)"
fi

if [ -n "$BASE" ]; then
  [ -x "$BASE" ] || die "baseline binary not found or not executable: $BASE"
  BASE=$(cd "$(dirname "$BASE")" && pwd)/$(basename "$BASE")
fi

if pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; then
  echo "compare: warning: cargo/rustc is running; timings will be noisy" >&2
fi

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/nhi-compare.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
trap 'exit 130' INT TERM HUP
cd "$TMPD" # so no tool drops a report, cache or diagnostics directory into DIR or the repo

BYTES=$(du -sb "$DIR" | cut -f1)
FILES=$(find "$DIR" -type f | wc -l)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "corpus: $DIR: $MB MB, $FILES files; $(nproc) CPUs; runs=$RUNS warmup=$WARMUP"

# --- commands ----------------------------------------------------------------------------------
# Each tool: name, the timed command (array), the RSS/preflight command (same, but findings go to a file
# we can count), and the exit codes that mean "ran fine".
q() { printf '%q ' "$@"; } # shell-quote a command for hyperfine
NAMES=(); TIMED=(); PRE=(); OKCODES=()
add() { NAMES+=("$1"); TIMED+=("$2"); PRE+=("$3"); OKCODES+=("$4"); }

if [ -n "$NHI" ]; then
  add nhi-scan \
    "$(q "$NHI" scan "$DIR" --format json --output /dev/null)" \
    "$(q "$NHI" scan "$DIR" --format json --output "$TMPD/nhi-scan.json")" "0 1"
fi
if [ -n "$BASE" ]; then
  add nhi-base \
    "$(q "$BASE" scan "$DIR" --format json --output /dev/null)" \
    "$(q "$BASE" scan "$DIR" --format json --output "$TMPD/nhi-base.json")" "0 1"
fi
if [ "$WITH_PEERS" = 1 ]; then
# kingfisher: exit 200 = findings, 205 = validated findings. Its summary (JSON with --format json) goes to stdout.
add kingfisher \
  "$(q "$KINGFISHER" scan "$DIR" --no-validate --no-update-check --format json -o /dev/null)" \
  "$(q "$KINGFISHER" scan "$DIR" --no-validate --no-update-check --format json -o "$TMPD/kingfisher.json")" "0 200 205"
# betterleaks: -o must end in .json/.jsonl; -s keeps the findings off stdout; --exit-code=0 on leaks.
add betterleaks \
  "$(q "$BETTERLEAKS" fs "$DIR" --no-banner --exit-code=0 -s -o "$TMPD/betterleaks-timed.json")" \
  "$(q "$BETTERLEAKS" fs "$DIR" --no-banner --exit-code=0 -s -o "$TMPD/betterleaks.json")" "0"
fi
if [ -n "$GITLEAKS" ]; then
  add gitleaks \
    "$(q "$GITLEAKS" dir "$DIR" --no-banner --exit-code 0 -f json -r "$TMPD/gitleaks-timed.json")" \
    "$(q "$GITLEAKS" dir "$DIR" --no-banner --exit-code 0 -f json -r "$TMPD/gitleaks.json")" "0"
fi
# rg exits 1 when nothing matches.
add rg "$(q "$RG" -c AKIA "$DIR")" "$(q "$RG" -c AKIA "$DIR")" "0 1"

# --- 1. one run each under /usr/bin/time -v: exit code, peak RSS, findings ---------------------
declare -A RSS FOUND
findings_of() { # name -> a short description of what the tool reported
  local n=$1 out="$TMPD/$1.out" err="$TMPD/$1.err"
  case "$n" in
    nhi-scan|nhi-base)
      local c
      c=$("$JQ" -r 'if type == "array" then length
                   elif type == "object" and (.findings | type) == "array" then (.findings | length)
                   else empty end' "$TMPD/$n.json" 2>/dev/null || true)
      [ -n "$c" ] || c=$( ("$JQ" -c . "$TMPD/$n.json" 2>/dev/null || true) | wc -l)
      local summary
      summary=$(grep -E '^nhi-scan: ' "$err" | tail -n 1 || true)
      echo "$c findings in JSON report${summary:+ ($summary)}" ;;
    kingfisher)
      "$JQ" -r '"\(.findings) findings, \(.blobs_scanned) blobs, \(.bytes_scanned) bytes scanned"' "$out" 2>/dev/null \
        || echo "? (summary not parsed; see stdout)" ;;
    betterleaks|gitleaks)
      local f=$TMPD/$n.json c
      c=$("$JQ" -r 'if type == "array" then length else (.findings | length) end' "$f" 2>/dev/null || echo "?")
      local line
      line=$(sed 's/\x1b\[[0-9;]*m//g' "$err" | grep -Eo '(leaks found: [0-9]+|no leaks found|scanned ~?[^ ]+ bytes \([^)]*\))' | paste -sd';' - || true)
      echo "$c findings ($line)" ;;
    rg)
      local files lines
      files=$(wc -l <"$out"); lines=$(awk -F: '{ s += $NF } END { print s + 0 }' "$out")
      echo "$lines lines with AKIA in $files files" ;;
  esac
}

echo "preflight: one run each under $TIME -v (exit code, peak RSS, findings)"
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  set +e
  bash -c "${PRE[$i]}" >"$TMPD/$n.out" 2>"$TMPD/$n.err"
  rc=$?
  set -e
  ok=0; for c in ${OKCODES[$i]}; do [ "$rc" = "$c" ] && ok=1; done
  if [ "$ok" != 1 ]; then
    echo "compare: $n exited with $rc; command: ${PRE[$i]}" >&2
    tail -n 20 "$TMPD/$n.err" >&2
    exit 2
  fi
  # Peak RSS from a second run, so the first (cold page cache, kingfisher's rule compilation) does not count.
  set +e
  "$TIME" -v -o "$TMPD/$n.time" bash -c "exec ${PRE[$i]}" >"$TMPD/$n.out" 2>"$TMPD/$n.err"
  set -e
  RSS[$n]=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMPD/$n.time")
  FOUND[$n]=$(findings_of "$n")
  printf '  %-12s exit %-3s peak RSS %6s MB  %s\n' "$n" "$rc" "${RSS[$n]}" "${FOUND[$n]}"
done

# --- 2. hyperfine --------------------------------------------------------------------------------
HF_ARGS=(--warmup "$WARMUP" --runs "$RUNS" --ignore-failure --export-json "$TMPD/hyperfine.json" --style basic)
for i in "${!NAMES[@]}"; do HF_ARGS+=(-n "${NAMES[$i]}" "${TIMED[$i]}"); done
echo
"$HYPERFINE" "${HF_ARGS[@]}"

# --- 3. table --------------------------------------------------------------------------------------
median() { "$JQ" -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$TMPD/hyperfine.json"; }
stddev() { "$JQ" -r --arg n "$1" '.results[] | select(.command == $n) | .stddev' "$TMPD/hyperfine.json"; }
usercpu() { "$JQ" -r --arg n "$1" '.results[] | select(.command == $n) | .user' "$TMPD/hyperfine.json"; }
RG_MED=$(median rg)
NHI_MED=
if [ -n "$NHI" ]; then NHI_MED=$(median nhi-scan); fi

echo
echo "corpus: $MB MB, $FILES files ($DIR); runs=$RUNS warmup=$WARMUP; $(nproc) CPUs"
printf '%-12s %10s %8s %10s %8s %9s %10s %8s\n' tool "median s" "± s" "/nhi-scan" "/rg" "MB/s" "peak RSS" "user s"
for n in "${NAMES[@]}"; do
  m=$(median "$n"); s=$(stddev "$n"); u=$(usercpu "$n")
  awk -v n="$n" -v m="$m" -v s="$s" -v u="$u" -v nhi="$NHI_MED" -v rg="$RG_MED" -v mb="$MB" -v rss="${RSS[$n]}" 'BEGIN {
    rn = (nhi == "") ? "-" : sprintf("%.2fx", m / nhi)
    printf "%-12s %10.3f %8.3f %10s %7.2fx %9.0f %7s MB %8.3f\n", n, m, s, rn, m / rg, mb / m, rss, u
  }'
done
echo
echo "findings reported (one run each, no validation):"
for n in "${NAMES[@]}"; do printf '  %-12s %s\n' "$n" "${FOUND[$n]}"; done
if [ -n "$KEEP" ]; then
  for n in "${NAMES[@]}"; do
    for f in "$TMPD/$n.json" "$TMPD/$n.out" "$TMPD/$n.err"; do if [ -f "$f" ]; then cp "$f" "$KEEP/$(basename "$f")"; fi; done
  done
  echo "reports kept in $KEEP"
fi
