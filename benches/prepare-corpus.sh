#!/usr/bin/env bash
# Builds a benchmark corpus of real source code (published crate sources) for benches/compare.sh.
#
# Usage, from the project root:
#   benches/prepare-corpus.sh [DIR]            (default DIR: target/bench-corpus)
#   CORPUS_MAX_MB=450 benches/prepare-corpus.sh  (size cap, default 450)
#   CORPUS_CRATES="tokio syn ..." benches/prepare-corpus.sh   (override the crate list)
#
# How: a throwaway cargo project in a temp dir depends on a set of large crates; `cargo fetch`
# puts their sources (and all transitive dependencies, for every target platform) into
# ~/.cargo/registry/src; `cargo metadata` lists those packages; their source trees are then
# hard-linked (or copied, across file systems) into DIR/<name>-<version>, direct dependencies
# first, then the rest sorted by name, skipping any package that would push DIR over the cap.
# The result is deterministic for a given crates.io state and cap. Only crates.io is needed.
#
# .gitignore / .ignore / .rgignore files are removed from the copy so that every tool under
# test (ignore-aware walkers such as nhi-scan and rg, and peers that ignore them) sees the same files.
set -euo pipefail

die() { echo "prepare-corpus: $*" >&2; exit 1; }

DIR=${1:-target/bench-corpus}
MAX_MB=${CORPUS_MAX_MB:-450}
# Large crates that resolve together on crates.io; the transitive closure adds hundreds more.
CRATES=${CORPUS_CRATES:-"windows-sys web-sys aws-sdk-s3 aws-sdk-ec2 gix tokio syn serde regex diesel polars wasmtime bevy"}

command -v cargo >/dev/null || die "cargo not found on PATH"
command -v jq >/dev/null || die "jq not found (apt-get install jq)"

if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  die "$DIR exists and is not empty; remove it first (rm -rf $DIR) or pass another DIR"
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nhi-corpus.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM HUP

# Writes a manifest depending on the given crates (latest versions) into project dir $1.
make_project() {
  local proj=$1; shift
  mkdir -p "$proj/src"
  echo 'fn main() {}' >"$proj/src/main.rs"
  {
    printf '[package]\nname = "nhi-bench-corpus"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
    printf '[workspace]\n\n[dependencies]\n'
    local c
    for c in "$@"; do printf '%s = "*"\n' "$c"; done
  } >"$proj/Cargo.toml"
}

# Fetches project $1 and appends "name<TAB>version<TAB>dir<TAB>direct(0|1)" rows to $WORK/packages.tsv.
fetch_project() {
  local proj=$1
  (cd "$proj" && cargo fetch --quiet) || return 1
  (cd "$proj" && cargo metadata --format-version 1 --locked --quiet) | jq -r '
      (.resolve.root) as $root
      | ([.resolve.nodes[] | select(.id == $root) | .deps[].pkg]) as $direct
      | .packages[]
      | select((.source // "") | startswith("registry+"))
      | [.name, .version, (.manifest_path | sub("/Cargo.toml$"; "")),
         (if (.id as $id | $direct | index($id)) then "1" else "0" end)]
      | @tsv' >>"$WORK/packages.tsv"
}

: >"$WORK/packages.tsv"
# shellcheck disable=SC2086
echo "prepare-corpus: resolving and fetching: $CRATES" >&2
# shellcheck disable=SC2086
make_project "$WORK/all" $CRATES
if ! fetch_project "$WORK/all"; then
  # A joint resolution can fail (e.g. two crates `links` the same native library at different
  # versions); fall back to one project per crate and keep those that resolve.
  echo "prepare-corpus: joint resolution failed; fetching crates one by one" >&2
  : >"$WORK/packages.tsv"
  for c in $CRATES; do
    make_project "$WORK/one-$c" "$c"
    fetch_project "$WORK/one-$c" || echo "prepare-corpus: skipping $c (does not resolve/fetch)" >&2
  done
fi
[ -s "$WORK/packages.tsv" ] || die "no packages fetched (is crates.io reachable?)"

# Direct deps first (in any order, sorted), then the rest sorted by name; one row per directory.
sort -t$'\t' -k4,4r -k1,1 -k2,2V "$WORK/packages.tsv" | awk -F'\t' '!seen[$3]++' >"$WORK/order.tsv"

# Hard links only work on one file system; fall back to plain copies otherwise.
first_src=$(head -n1 "$WORK/order.tsv" | cut -f3)
if ln "$first_src/Cargo.toml" "$WORK/linktest" 2>/dev/null && mkdir -p "$DIR/.probe" && ln "$first_src/Cargo.toml" "$DIR/.probe/x" 2>/dev/null; then
  CP=(cp -al)
else
  CP=(cp -a)
fi
rm -rf "$DIR/.probe" "$WORK/linktest"

cap=$((MAX_MB * 1024 * 1024))
total=0; taken=0; skipped=0
while IFS=$'\t' read -r name version src _direct; do
  [ -d "$src" ] || continue
  size=$(du -sb "$src" | cut -f1)
  if [ $((total + size)) -gt "$cap" ]; then skipped=$((skipped + 1)); continue; fi
  "${CP[@]}" "$src" "$DIR/$name-$version"
  total=$((total + size)); taken=$((taken + 1))
done <"$WORK/order.tsv"

find "$DIR" -type f \( -name .gitignore -o -name .ignore -o -name .rgignore \) -delete

bytes=$(du -sb "$DIR" | cut -f1)
files=$(find "$DIR" -type f | wc -l)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
echo "corpus: $DIR"
echo "crates: $taken (skipped $skipped over the ${MAX_MB} MB cap; mode: ${CP[*]})"
echo "size:   $mb MB ($bytes bytes), $files files"
