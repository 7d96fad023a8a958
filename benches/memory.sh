#!/usr/bin/env bash
# Bounded memory on inputs of any size: peak RSS (GNU time -v) and wall time of the release
# binary on
#   1. a 4 GB text file (written in full, not sparse) with tokens at its start, middle and end,
#   2. 2 GB piped into `nhi-scan scan -`,
#   3. a git history holding a 300 MB blob (streamed from git cat-file, hashed on the way),
#   4. a directory of 1,000,000 tiny files (MANY_FILES to change; 0 skips it).
# Each must find its planted tokens; the first three must stay under 100 MB of RSS.
#
#   benches/memory.sh [path/to/nhi-scan]     (default: target/release/nhi-scan)
#   WORK=/big/disk benches/memory.sh         (needs ~5 GB free there; default: a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/nhi-scan}")
[ -x "$bin" ] || cargo build --release --locked -p nhi-scan-cli
work=$(mktemp -d "${WORK:-${TMPDIR:-/tmp}}/nhi-scan-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
many=${MANY_FILES:-1000000}
fail=0

# FAKE AWS access key ids (random, generated here).
# (`|| true`: the writers of these pipelines end on SIGPIPE, which pipefail would count.)
key() { printf 'AKIA%s' "$(head -c 4096 /dev/urandom | tr -dc 'A-Z2-7' | head -c 16 || true)"; }
k1=$(key); k2=$(key); k3=$(key)

measure() { # name, expected findings, command...
  local name=$1 want=$2; shift 2
  /usr/bin/time -v "$@" > "$work/out.json" 2> "$work/time.txt" || true
  local rss wall found
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
  found=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/out.json" 2>/dev/null || echo "?")
  printf '%-34s %8s MB peak RSS  %10s wall  %s findings (want %s)\n' "$name" "$((rss / 1024))" "$wall" "$found" "$want" >&2
  if [ "$found" != "$want" ]; then echo "memory: $name: wrong findings" >&2; echo 999999999; return; fi
  echo "$rss"
}

line='2026-01-01T00:00:00Z INFO request handled in 3 ms, nothing secret in this line at all\n'
filler() { # bytes
  yes "$(printf "$line" | tr -d '\n')" | head -c "$1" || true
}

# 1. A 4 GB file.
{ printf 'AWS_ACCESS_KEY_ID=%s\n' "$k1"; filler $((2 << 30)); printf '\nAWS_ACCESS_KEY_ID=%s\n' "$k2"
  filler $((2 << 30)); printf '\nAWS_ACCESS_KEY_ID=%s\n' "$k3"; } > "$work/big.log"
rss=$(measure "4 GB file" 3 "$bin" scan --no-config -q -f json "$work/big.log")
[ "$rss" -lt 102400 ] || { echo "memory: over 100 MB" >&2; fail=1; }
rm -f "$work/big.log"

# 2. 2 GB of standard input.
gen() { printf 'AWS_ACCESS_KEY_ID=%s\n' "$k1"; filler $((2 << 30)); printf '\nAWS_ACCESS_KEY_ID=%s\n' "$k2"; }
export -f gen filler; export line k1 k2
rss=$(measure "2 GB stdin" 2 bash -c "gen | '$bin' scan --no-config -q -f json -")
[ "$rss" -lt 102400 ] || { echo "memory: over 100 MB" >&2; fail=1; }

# 3. A 300 MB blob in git history.
git init -q -b main "$work/repo"
{ printf 'AWS_ACCESS_KEY_ID=%s\n' "$k1"; filler $((300 << 20)); printf '\nAWS_ACCESS_KEY_ID=%s\n' "$k3"; } > "$work/repo/dump.sql"
git -C "$work/repo" add dump.sql
git -C "$work/repo" -c user.name=b -c user.email=b@example.com commit -qm dump
rm "$work/repo/dump.sql"
rss=$(measure "git, one 300 MB blob" 2 "$bin" git --no-config -q -f json "$work/repo")
[ "$rss" -lt 102400 ] || { echo "memory: over 100 MB" >&2; fail=1; }

# 4. A million tiny files.
if [ "$many" -gt 0 ]; then
  python3 - "$work/many" "$many" "$k2" <<'PY'
import os, sys
root, n, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 1000))
    if i < 1000:
        os.makedirs(d)
    with open(os.path.join(d, "f%07d.txt" % i), "w") as f:
        f.write("AWS_ACCESS_KEY_ID=%s\n" % key if i == n - 1 else "x = %d\n" % i)
PY
  rss=$(measure "$many tiny files" 1 "$bin" scan --no-config -q -f json "$work/many")
  [ "$rss" -lt 999999999 ] || fail=1
fi
exit $fail
