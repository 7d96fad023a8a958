#!/usr/bin/env python3
"""Self-check of the blind dev set (standard library only).

Checks, for every label:
  * the file exists and the 1-based line is in range;
  * the label's raw text (or the secret when no raw is given) starts on that line
    (for multi-line raw, e.g. PEM blocks, the whole block starts there);
  * applying the label's `decode` steps to raw yields the secret (or text containing it);
  * checksummed formats verify: GitHub/npm CRC32-base62, age bech32, PGP armor CRC-24,
    PEM bodies are DER (or openssh-key-v1), JWT headers decode;
  * a secret is labelled once unless marked "reused", and never appears verbatim in an
    unlabelled place; negatives never coincide with a labelled secret.
Exit status 1 on any failure.
"""
import base64
import binascii
import html
import json
import re
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
errors = []


def err(msg):
    errors.append(msg)


def load(name):
    p = ROOT / name
    return [json.loads(x) for x in p.read_text().splitlines() if x.strip()] if p.exists() else []


def pad(s):
    return s + "=" * (-len(s) % 4)


def decode_step(s, step):
    if step == "json-str":
        return json.loads('"' + s + '"')
    if step == "xml":
        return html.unescape(s)
    if step == "shell-sq":
        return s.replace("'\\''", "'")
    if step == "yaml-sq":
        return s.replace("''", "'")
    if step == "csv":
        return s.replace('""', '"')
    if step == "backslash-n":
        return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s)
    if step == "ini-pct":
        return s.replace("%%", "%")
    if step == "pct":
        return unquote(s)
    if step == "b64":
        return base64.b64decode(pad(s)).decode()
    if step == "b64url":
        return base64.urlsafe_b64decode(pad(s)).decode()
    if step == "hex":
        return bytes.fromhex(s).decode()
    if step == "ipynb-lines":
        return "".join(json.loads('["' + s + '"]'))
    if step.startswith("json:"):
        v = json.loads(s)
        for k in step[5:].split("/"):
            v = v[k]
        return v
    raise ValueError(step)


def b62(n):
    s = ""
    while n:
        s = B62[n % 62] + s
        n //= 62
    return s.rjust(6, "0")


def bech32_ok(s):
    s = s.lower()
    pos = s.rfind("1")
    hrp, data = s[:pos], [BECH.index(c) for c in s[pos + 1:]]
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk == 1


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def check_format(sec, where):
    m = re.fullmatch(r"(gh[pousr]_|npm_)([A-Za-z0-9]{30})([A-Za-z0-9]{6})", sec)
    if m and b62(zlib.crc32(m.group(2).encode())) != m.group(3):
        err(f"{where}: bad CRC32 checksum in {sec}")
    if sec.startswith("AGE-SECRET-KEY-1") and not bech32_ok(sec):
        err(f"{where}: bad bech32 checksum")
    if sec.startswith("-----BEGIN PGP"):
        body = sec.split("\n\n", 1)[1].split("\n-----END")[0]
        lines = body.split("\n")
        data = base64.b64decode("".join(lines[:-1]))
        if base64.b64decode(lines[-1][1:]) != crc24(data).to_bytes(3, "big"):
            err(f"{where}: bad PGP armor CRC-24")
    elif sec.startswith("-----BEGIN "):
        m2 = re.fullmatch(r"-----BEGIN ([A-Za-z0-9 ]+)-----\n(.*)\n-----END \1-----\n?", sec, re.S)
        if not m2:
            err(f"{where}: malformed PEM")
        elif "PRIVATE KEY" in m2.group(1):
            der = base64.b64decode(m2.group(2).replace("\n", ""))
            ok = der.startswith(b"openssh-key-v1\x00") if "OPENSSH" in m2.group(1) else der[:1] == b"\x30"
            if not ok:
                err(f"{where}: PEM body is not DER/openssh")
    if re.fullmatch(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", sec):
        json.loads(base64.urlsafe_b64decode(pad(sec.split(".")[0])))


def main():
    truth, negs, neut = load("truth.jsonl"), load("negatives.jsonl"), load("neutral.jsonl")
    cache = {}

    def text_of(f):
        if f not in cache:
            p = ROOT / f
            if not p.exists():
                cache[f] = None
            else:
                cache[f] = p.read_bytes().decode("utf-8").replace("\r\n", "\n")
        return cache[f]

    def locate(f, line, needle, where):
        t = text_of(f)
        if t is None:
            err(f"{where}: missing file {f}")
            return False
        lines = t.split("\n")
        if not 1 <= line <= len(lines):
            err(f"{where}: line {line} out of range")
            return False
        start = sum(len(x) + 1 for x in lines[:line - 1])
        i = t.find(needle, start)
        if i < 0 or t.count("\n", start, i) != 0:
            err(f"{where}: text does not start on line {line}: {needle[:60]!r}")
            return False
        return True

    seen = defaultdict(list)
    for n, d in enumerate(truth, 1):
        where = f"truth#{n} {d['file']}:{d['line']}"
        for k in ("file", "line", "secret", "provider", "what", "style"):
            if k not in d:
                err(f"{where}: missing key {k}")
        raw = d.get("raw", d["secret"])
        locate(d["file"], d["line"], raw, where)
        try:
            v = raw
            for step in d.get("decode", []):
                v = decode_step(v, step)
            if d["secret"] != v and d["secret"] not in v:
                err(f"{where}: decoding raw does not give secret ({d.get('decode')})")
        except Exception as e:  # noqa: BLE001
            err(f"{where}: decode failed: {e}")
        if not d["style"].startswith(str(d.get("class", d["style"][0])) + ":"):
            err(f"{where}: style/class mismatch")
        check_format(d["secret"], where)
        seen[d["secret"]].append(d)
    for sec, ds in seen.items():
        if len(ds) > 1 and not all(x.get("reused") for x in ds):
            err(f"secret labelled {len(ds)}x without reused flag: {sec[:40]!r} in {[x['file'] for x in ds]}")
    # a labelled secret must not also sit unlabelled somewhere else
    labelled_lines = defaultdict(set)
    for d in truth:
        labelled_lines[d["file"]].add(d["line"])
    all_files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "files").rglob("*") if p.is_file())
    plain = [s for s in seen if len(s) >= 16 and "\n" not in s]
    for f in all_files:
        t = text_of(f)
        for sec in plain:
            i = t.find(sec)
            while i >= 0:
                ln = t.count("\n", 0, i) + 1
                if ln not in labelled_lines[f]:
                    err(f"unlabelled occurrence of a planted secret in {f}:{ln}: {sec[:40]!r}")
                i = t.find(sec, i + 1)
    for lst, name in ((negs, "negatives"), (neut, "neutral")):
        for n, d in enumerate(lst, 1):
            where = f"{name}#{n} {d['file']}:{d['line']}"
            if d["text"]:
                locate(d["file"], d["line"], d["text"], where)
            if d["text"] in seen:
                err(f"{where}: negative text equals a planted secret")
    no_marker = [f for f in all_files if "FAKE TEST DATA" not in text_of(f)]
    # report
    print(f"files: {len(all_files)}  positives: {len(truth)}  negatives: {len(negs)}  neutral: {len(neut)}")
    print("positives per class:", dict(sorted(Counter(d['style'].split(':')[0] for d in truth).items())))
    print(f"files without a FAKE TEST DATA marker ({len(no_marker)}):", ", ".join(no_marker))
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors[:200]:
            print("  -", e)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
