#!/usr/bin/env bash
# Runs the fuzz targets one after another (never two fuzzers at once: the machine is shared),
# each for SECONDS, and fails on the first crash. The committed seeds in fuzz/corpus/TARGET
# are read; what libFuzzer finds goes to fuzz/target/corpus/TARGET (kept between runs), a
# crashing input to fuzz/artifacts/TARGET/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 3600 s each (hours in all), every target
#   fuzz/run.sh 15                        what CI runs: 15 s each, about two minutes with builds
#
# Sanitizer: none by default, which builds on the stable toolchain (cargo-fuzz's default,
# AddressSanitizer, needs nightly's -Zsanitizer). FUZZ_SANITIZER=address uses it where a
# nightly toolchain is installed. Needs `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-3600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(engine decoders rules config baseline git_objects archive image)
fi
sanitizer=${FUZZ_SANITIZER:-none}
toolchain=()
if [ "$sanitizer" != none ]; then toolchain=(+nightly); fi
for t in "${targets[@]}"; do
  cargo "${toolchain[@]}" fuzz build -O --sanitizer "$sanitizer" "$t"
done
summary=()
for t in "${targets[@]}"; do
  mkdir -p "target/corpus/$t"
  log="target/fuzz-$t.log"
  echo "fuzz: $t for ${secs}s"
  if ! cargo "${toolchain[@]}" fuzz run -O --sanitizer "$sanitizer" "$t" "target/corpus/$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 > "$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t FAILED (crash input in fuzz/artifacts/$t/, log in fuzz/$log)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=("$t: ${runs:-?} executions in ${secs}s, 0 crashes")
done
printf 'fuzz: %s\n' "${summary[@]}"
