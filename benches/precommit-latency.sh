#!/usr/bin/env bash
# Pre-commit latency: wall time of `nhi-scan pre-commit` in a repository of 10,000 files with
# (a) nothing staged and (b) 10 staged files of ordinary size, against the peers' staged modes:
# `gitleaks git --pre-commit --staged`, `betterleaks git --staged`, `kingfisher scan --staged`.
#
#   cargo build --release
#   benches/precommit-latency.sh                    # repo in target/bench-precommit (built once)
#   benches/precommit-latency.sh DIR [NHI_SCAN_BIN] [--runs N]
#
# Target: (b) under 20 ms on the project's 2-core machine. Peers are found on PATH or in
# target/peers/bin (../shared/tools/install-peers.sh); a missing peer is left out, not fatal.
# The staged files hold no credentials (the peers would stop at the first one differently);
# every file is generated, ordinary-looking source text.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

runs=30
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
repo=${args[0]:-target/bench-precommit}
nhi=${args[1]:-target/release/nhi-scan}
nhi=$(realpath "$nhi")
export PATH="$root/target/peers/bin:$PATH"

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[ -x "$nhi" ] || { echo "no $nhi: run cargo build --release" >&2; exit 2; }

git_() {
  git -C "$repo" -c commit.gpgsign=false -c user.name=bench -c user.email=bench@example.com "$@"
}

if [ ! -d "$repo/.git" ]; then
  echo "building a 10,000-file repository in $repo ..." >&2
  mkdir -p "$repo"
  python3 - "$repo" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(42)
words = "let mut fn self return match value config client request response error result option string vector buffer index count total name path file line".split()
for d in range(100):
    sub = os.path.join(root, f"pkg{d:03}", "src")
    os.makedirs(sub, exist_ok=True)
    for f in range(100):
        lines = []
        for i in range(rng.randint(40, 120)):
            w = rng.sample(words, 5)
            lines.append(f"    {w[0]} {w[1]}_{i} = {w[2]}({w[3]}, {w[4]}); // {d}.{f}.{i}")
        with open(os.path.join(sub, f"mod{f:03}.rs"), "w") as fh:
            fh.write(f"// module {d}/{f}\nfn run() {{\n" + "\n".join(lines) + "\n}\n")
PY
  git_ init -q -b main
  git_ add -A
  git_ commit -q -m "10,000 files"
fi

echo "repository: $(git_ ls-files | wc -l) files, $(du -sh "$repo/.git" | cut -f1) in .git" >&2

reset_stage() { git_ reset -q --hard HEAD; }
stage_ten() {
  for i in $(seq 0 9); do
    f="$repo/pkg0$((i * 7 + 10))/src/mod0$((i * 3 + 10)).rs"
    printf '// change %s\nfn added_%s() -> usize { %s }\n' "$i" "$i" "$i" >> "$f"
  done
  git_ add -A
}

peers=()
command -v gitleaks >/dev/null && peers+=("gitleaks=gitleaks git --pre-commit --staged --no-banner --redact -l error .")
command -v betterleaks >/dev/null && peers+=("betterleaks=betterleaks git --staged --no-banner -l error .")
command -v kingfisher >/dev/null && peers+=("kingfisher=kingfisher scan . --staged --no-validate --no-update-check -q")

bench() {
  local label=$1
  local cmds=(-n "nhi-scan ($label)" "$nhi pre-commit -q")
  for p in "${peers[@]}"; do
    cmds+=(-n "${p%%=*} ($label)" "${p#*=}")
  done
  (cd "$repo" && hyperfine -N -i --warmup 3 --runs "$runs" --export-markdown "$root/target/precommit-latency-$label.md" "${cmds[@]}")
}

reset_stage
echo "== (a) nothing staged ==" >&2
bench nothing-staged
stage_ten
echo "== (b) 10 staged files ==" >&2
git_ diff --cached --stat | tail -1 >&2
bench ten-staged
reset_stage
echo "tables: target/precommit-latency-nothing-staged.md target/precommit-latency-ten-staged.md" >&2
