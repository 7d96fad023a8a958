#!/usr/bin/env bash
# How a repository's own configuration is bounded: time and peak memory (GNU time) to load
# gitleaks configurations of 16k, 32k and 100k rules (must grow linearly; the last also with an
# allowlist per rule), and a 10 MB list of
# allow regexes (must be refused at once, naming the file).
#
#   benches/hostile-config.sh [path/to/nhi-scan]     (default: target/release/nhi-scan)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/nhi-scan}
[ -x "$bin" ] || cargo build --release --locked -p nhi-scan-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/empty"
echo "nothing here" > "$work/empty/a.txt"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
for n in (16000, 32000, 100000):
    with open(f"{work}/rules{n}.toml", "w") as f:
        f.write("[extend]\nuseDefault = false\n")
        for i in range(n):
            f.write(f"[[rules]]\nid = \"r{i}\"\ndescription = \"rule {i}\"\n"
                    f"regex = '''kw{i}x_[a-z0-9]{{16}}'''\nkeywords = [\"kw{i}x_\"]\n\n")
with open(f"{work}/rules100000allow.toml", "w") as f:
    f.write("[extend]\nuseDefault = false\n")
    for i in range(100000):
        f.write(f"[[rules]]\nid = \"r{i}\"\nregex = '''kw{i}x_[a-z0-9]{{16}}'''\nkeywords = [\"kw{i}x_\"]\n"
                f"[[rules.allowlists]]\nstopwords = [\"dummy{i}\"]\n\n")
pats = [f"'^AKIA[A-Z0-9]{{12}}EX{i:06d}$'" for i in range(400000)]
with open(f"{work}/allow10m.toml", "w") as f:
    f.write("[allow]\nregexes = [\n" + ",\n".join(pats) + "\n]\n")
with open(f"{work}/allow9k.toml", "w") as f:
    f.write("[allow]\nregex_target = 'line'\nregexes = [\n" + ",\n".join(pats[:9000]) + "\n]\n")
PY
for cfg in rules16000 rules32000 rules100000 rules100000allow allow9k allow10m; do
  /usr/bin/time -f "$cfg: %e s wall, %U s user CPU, %M KB peak RSS" "$bin" scan -q --config "$work/$cfg.toml" "$work/empty" \
    2> "$work/err" || true
  grep -v '^nhi-scan: warning' "$work/err" | cut -c1-200
done
