#!/usr/bin/env bash
# Whole-process comparison of `nhi-scan git` with peer scanners on one repository's history, in one run.
#
# Usage, from the project root:
#   benches/git-compare.sh [--runs N] [--warmup N] REPO [NHI_SCAN_BIN]
#   benches/git-compare.sh --generate DIR [COMMITS]
#
#   REPO           a git repository (working tree or bare) with a long history
#   NHI_SCAN_BIN   nhi-scan binary (default: target/release/nhi-scan; cargo build --release -p nhi-scan-cli)
#   --runs N       timed runs per tool (default 5, minimum 2; hyperfine)
#   --warmup N     untimed warmup runs per tool (default 1)
#   --generate DIR [COMMITS]
#                  build a synthetic history repository in DIR (default 30000 commits) with git fast-import:
#                  real Rust sources from the cargo registry as files, each commit editing 1-3 of them, with
#                  branches, merges, renames, deletions and a few FAKE AWS key ids added and later removed;
#                  then `git repack -adf` so the pack has ordinary delta chains. Needs python3.
#
# Tools timed (none validates over the network):
#   nhi-scan    nhi-scan git REPO --format json --output /dev/null
#   kingfisher  kingfisher scan REPO --no-validate --no-update-check --format json -o /dev/null
#   betterleaks betterleaks git REPO --no-banner --exit-code=0 -s -o TMP/betterleaks.json
#   cat-file    git -C REPO cat-file --batch-all-objects --batch > /dev/null
#               (one thread inflating every object once: the single-core floor of any full-history scan;
#               the project's goal is about half of it on two cores)
#
# Peers are looked up on PATH, then in target/peers/bin (../shared/tools/install-peers.sh puts them there).
# Needs hyperfine, jq and GNU time (/usr/bin/time).
#
# Steps: (1) one run of each tool under /usr/bin/time -v for its peak RSS (also warms the page cache);
# (2) hyperfine over all tools together; (3) a table of medians, ratios to nhi-scan and to cat-file, and peak RSS.
set -euo pipefail

die() { echo "git-compare: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

generate() {
  local dir=$1 commits=${2:-30000}
  command -v python3 >/dev/null || die "--generate needs python3"
  [ -e "$dir" ] && die "$dir exists; pick a new directory"
  git init -q -b main "$dir"
  python3 - "$commits" <<'PY' | git -C "$dir" -c core.bigFileThreshold=64m fast-import --quiet
import glob, os, random, sys
commits = int(sys.argv[1])
rnd = random.Random(4)
home = os.path.expanduser("~/.cargo/registry/src")
pool = sorted(p for p in glob.glob(home + "/*/*/src/**/*.rs", recursive=True) if os.path.getsize(p) < 40_000)
if len(pool) < 100:
    sys.exit("not enough sources under ~/.cargo/registry/src to build a history from")
rnd.shuffle(pool)
def read(p):
    with open(p, "rb") as f:
        return f.read().split(b"\n")
donors = [read(p) for p in pool[:4000]]
files = {}
for i, p in enumerate(pool[:2500]):
    files["src/m%03d/%s" % (i % 97, os.path.basename(p).replace(".rs", "_%d.rs" % i))] = read(p)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")
def commit(ref, mark, parents, changes, t, who):
    out.write(b"commit %s\nmark :%d\n" % (ref, mark))
    sig = b"%s <%s@example.com> %d +0000\n" % (who, who.lower(), t)
    out.write(b"author " + sig + b"committer " + sig)
    data(b"change %d" % mark)
    if parents:
        out.write(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.write(b"merge :%d\n" % p)
    for c in changes:
        out.write(c)
def put(path):
    out.write(b"M 100644 inline %s\n" % path.encode()); data(b"\n".join(files[path]))
t = 1_500_000_000
who = [b"Alice", b"Bob", b"Carol", b"Dave", b"Erin"]
commit(b"refs/heads/main", 1, [], [], t, b"Alice")
out.write(b"")
# the initial tree in one commit
changes = []
for path in files:
    changes.append(b"M 100644 inline %s\n" % path.encode())
    changes.append(b"data %d\n%s\n" % (len(b"\n".join(files[path])), b"\n".join(files[path])))
commit(b"refs/heads/main", 2, [1], changes, t + 60, b"Alice")
mark, main_tip, branch_tip, secrets = 2, 2, None, []
for n in range(commits):
    t += 600
    mark += 1
    paths = list(files)
    changes = []
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(paths)
        lines = files[path]
        donor = rnd.choice(donors)
        at = rnd.randrange(len(lines) + 1)
        k = rnd.randint(1, 6)
        s = rnd.randrange(max(1, len(donor) - k))
        lines[at:at + rnd.randint(0, 3)] = donor[s:s + k]
        if rnd.random() < 0.002:
            key = "AKIA" + "".join(rnd.choice(B32) for _ in range(16))
            lines.insert(0, ("// aws_access_key_id = %s" % key).encode())
            secrets.append(path)
        put(path)
    r = rnd.random()
    if r < 0.003:
        old = rnd.choice(paths)
        new = "src/moved/%s" % os.path.basename(old)
        if new not in files:
            files[new] = files.pop(old)
            changes.append(b"D %s\n" % old.encode()); put(new)
    elif r < 0.005 and len(files) > 100:
        old = rnd.choice(paths)
        del files[old]
        changes.append(b"D %s\n" % old.encode())
    elif r < 0.01:
        p = "src/new/f%d.rs" % mark
        files[p] = rnd.choice(donors)[:]
        put(p)
    if secrets and rnd.random() < 0.01:
        p = secrets.pop()
        if p in files and files[p] and files[p][0].startswith(b"// aws_access_key_id"):
            del files[p][0]; put(p)
    # every ~200 commits: a side branch of a few commits merged back
    if n % 200 == 150:
        branch_tip = main_tip
    if branch_tip is not None and n % 200 in range(151, 160):
        commit(b"refs/heads/side", mark, [branch_tip], changes, t, rnd.choice(who))
        branch_tip = mark
        continue
    parents = [main_tip]
    if branch_tip is not None and n % 200 == 160:
        parents.append(branch_tip)
        branch_tip = None
    commit(b"refs/heads/main", mark, parents, changes, t, rnd.choice(who))
    main_tip = mark
PY
  git -C "$dir" repack -adfq --window=10 --depth=50
  git -C "$dir" prune-packed
  echo "git-compare: generated $dir: $(git -C "$dir" rev-list --all --count) commits, $(git -C "$dir" count-objects -vH | grep size-pack)"
}

RUNS=5
WARMUP=1
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift 2 ;;
    --warmup) [ $# -ge 2 ] || die "--warmup needs a number"; WARMUP=$2; shift 2 ;;
    --generate) [ $# -ge 2 ] || die "--generate needs a directory"; shift; generate "$@"; exit 0 ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) POS+=("$1"); shift ;;
  esac
done
[ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || usage 2 >&2
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 2 ] || die "--runs must be an integer >= 2 (got $RUNS)"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "${POS[0]}" && pwd)
NHI=${POS[1]:-$ROOT/target/release/nhi-scan}
[ -x "$NHI" ] || die "no nhi-scan binary at $NHI (cargo build --release -p nhi-scan-cli)"
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git repository"
for t in hyperfine jq /usr/bin/time; do command -v "$t" >/dev/null || die "needs $t"; done
find_tool() { command -v "$1" 2>/dev/null || { [ -x "$ROOT/target/peers/bin/$1" ] && echo "$ROOT/target/peers/bin/$1"; } || true; }
KF=$(find_tool kingfisher)
BL=$(find_tool betterleaks)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

NAMES=(nhi-scan)
CMDS=("'$NHI' git '$REPO' --format json --output /dev/null --quiet")
if [ -n "$KF" ]; then
  NAMES+=(kingfisher)
  CMDS+=("'$KF' scan '$REPO' --no-validate --no-update-check --format json -o /dev/null >/dev/null 2>&1")
else echo "git-compare: kingfisher not found, skipped" >&2; fi
if [ -n "$BL" ]; then
  NAMES+=(betterleaks)
  CMDS+=("'$BL' git '$REPO' --no-banner --exit-code=0 -s -o '$TMP/betterleaks.json' >/dev/null 2>&1")
else echo "git-compare: betterleaks not found, skipped" >&2; fi
NAMES+=(cat-file)
CMDS+=("git -C '$REPO' cat-file --batch-all-objects --batch > /dev/null")

echo "git-compare: $REPO: $(git -C "$REPO" rev-list --all --count) commits, $(git -C "$REPO" count-objects -v | awk '/^count|^in-pack/ {n+=$2} END {print n}') objects, $(nproc) cores" >&2
declare -A RSS
for i in "${!NAMES[@]}"; do
  /usr/bin/time -v -o "$TMP/time.$i" bash -c "${CMDS[$i]}" || echo "git-compare: ${NAMES[$i]} exited non-zero" >&2
  RSS[${NAMES[$i]}]=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/time.$i")
done

HF=()
for i in "${!NAMES[@]}"; do HF+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" -i --export-json "$TMP/hf.json" "${HF[@]}" >&2

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$TMP/hf.json"; }
NHI_T=$(median nhi-scan)
CAT_T=$(median cat-file)
printf '\n%-12s %10s %12s %12s %12s\n' tool median_s vs_nhi-scan vs_cat-file peak_rss_MB
for n in "${NAMES[@]}"; do
  t=$(median "$n")
  awk -v n="$n" -v t="$t" -v a="$NHI_T" -v c="$CAT_T" -v r="${RSS[$n]:-0}" \
    'BEGIN { printf "%-12s %10.3f %11.2fx %11.2fx %12.1f\n", n, t, t / a, t / c, r / 1024 }'
done
