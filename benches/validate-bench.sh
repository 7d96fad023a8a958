#!/usr/bin/env bash
# Validation throughput: 1,000 distinct (FAKE) GitHub tokens validated by `nhi-scan scan
# --validate` against a local HTTP server that answers each request after a realistic 50 ms,
# with `[validate.hosts]` pointing api.github.com at it. The ideal is 1000 x 50 ms / concurrency;
# the script prints the measured wall time beside it, and the peak RSS from /usr/bin/time -v.
#
#   benches/validate-bench.sh                 # concurrency 8 (the default) and 32
#   CONCURRENCY="8 16" N=1000 DELAY_MS=50 benches/validate-bench.sh
#   NHI_SCAN=target/release/nhi-scan benches/validate-bench.sh   # a binary already built
#
# Only 127.0.0.1 is contacted. The per-provider rate limit is lifted in the bench's configuration
# (`rate_limits.github = 0`): at the default 10 requests per second the rate limit, not the
# concurrency, would set the pace.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
DELAY_MS=${DELAY_MS:-50}
CONCURRENCY=${CONCURRENCY:-"8 32"}
if [ -z "${NHI_SCAN:-}" ]; then
  cargo build --release -p nhi-scan-cli --quiet
  NHI_SCAN=target/release/nhi-scan
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# A threaded server: every request gets 401 after DELAY_MS (the verdict does not change the cost).
cat > "$work/server.py" <<'EOF'
import http.server, socketserver, sys, time
delay = float(sys.argv[1]) / 1000.0
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms) and the bench would measure that instead of the validator.
    disable_nagle_algorithm = True
    def do_GET(self):
        time.sleep(delay)
        body = b'{"message":"Bad credentials"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
python3 "$work/server.py" "$DELAY_MS" > "$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

# N distinct FAKE tokens with valid checksums, one per line.
mkdir -p "$work/tree"
python3 - "$N" > "$work/tree/tokens.env" <<'EOF'
import random, sys, zlib
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(n):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")
rng = random.Random(42)
for i in range(int(sys.argv[1])):
    body = "".join(rng.choice(B62) for _ in range(30))
    print(f"TOKEN_{i}=ghp_{body}{b62(zlib.crc32(body.encode()))}")
EOF
cat > "$work/tree/.nhi-scan.toml" <<EOF
[validate]
rate_limits = { github = 0 }
[validate.hosts]
"api.github.com" = "http://127.0.0.1:$port"
EOF

echo "nhi-scan: $("$NHI_SCAN" --version); $N distinct tokens; server delay ${DELAY_MS} ms"
printf '%-12s %12s %12s %12s %14s\n' concurrency "wall (s)" "ideal (s)" "ratio" "peak RSS (MB)"
for c in $CONCURRENCY; do
  /usr/bin/time -v -o "$work/time" "$NHI_SCAN" scan --validate --validate-concurrency "$c" \
    --format json -o "$work/report.json" -q "$work/tree" || [ $? -eq 1 ]
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  ideal=$(awk -v n="$N" -v d="$DELAY_MS" -v c="$c" 'BEGIN { printf "%.2f", n * d / 1000 / c }')
  checked=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d['findings'] if f['validation']['status']=='invalid'))" "$work/report.json")
  [ "$checked" -eq "$N" ] || { echo "only $checked of $N validated" >&2; exit 1; }
  printf '%-12s %12.2f %12s %12.2f %14.1f\n' "$c" "$wall" "$ideal" "$(awk -v w="$wall" -v i="$ideal" 'BEGIN{print w/i}')" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
done
