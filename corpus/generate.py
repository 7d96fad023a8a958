#!/usr/bin/env python3
"""Writes the labeled nhi-scan corpus: corpus/files/, corpus/truth.jsonl, corpus/negatives.jsonl.

EVERY CREDENTIAL THIS SCRIPT WRITES IS A GENERATED FAKE: random characters in the shape of a real
token (prefix, length, alphabet, checksum), derived from the FAKE examples of the rule pack in
patterns/*.toml. None of them authenticates anything.

Deterministic: the same rule pack and SEED give byte-identical output. Python 3.11+ standard
library only. Run from anywhere:

    python3 corpus/generate.py

How a positive is made: for each rule, each of its positive examples is mutated (the rule's
keywords and the pattern's literal runs are kept, every other letter/digit is replaced by a random
one of the same class, hex stays hex), checksums are recomputed (github-crc32, npm-crc32) and JWTs
are rebuilt from real base64url JSON. The result is rendered into a file format (an assignment in
code, JSON, YAML, ...; or the example's own text for snippets such as URLs, PEM blocks and CLI
lines) and kept only when the rule's own pattern (run here with Python's `re`) still finds exactly
that secret in the rendered text. The truth file records the secret as the pattern captures it at
that place (e.g. a PEM key inside a JSON string keeps its `\\n` escapes).

Hard negatives are written into the same files (and a few negative-only ones) and listed in
negatives.jsonl for documentation; the scorer counts every finding that is not a truth item as a
false positive, wherever it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
import string
import sys
import tomllib
import zlib

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore
    import re._constants as sre_constants  # type: ignore
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore
    import sre_constants  # type: ignore

SEED = 20261124
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PATTERNS = os.path.join(ROOT, "patterns")
OUT = os.path.join(HERE, "files")

VARIANTS_PER_RULE = 5  # positives generated per rule (spread over its examples and formats)
INDEPENDENT = 400  # positives in documented provider formats, independent of the rule pack
INDEPENDENT_BLOCKS = 24  # whole credential files (~/.aws/credentials, service-account JSON, SSH keys)

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
LOWER, UPPER, DIGITS = string.ascii_lowercase, string.ascii_uppercase, string.digits

# --------------------------------------------------------------------------------------------
# Rules


def load_rules():
    rules = []
    for name in sorted(os.listdir(PATTERNS)):
        if not name.endswith(".toml"):
            continue
        with open(os.path.join(PATTERNS, name), "rb") as f:
            data = tomllib.load(f)
        for r in data.get("rule", []):
            # Rules with no pattern are found by name alone (the assignment engine's generic
            # rules); `classes.py` and `independent/` cover them.
            if "pattern" not in r:
                continue
            r["_file"] = name
            rules.append(r)
    rules.sort(key=lambda r: r["id"])
    return rules


def compile_rule(rule):
    pat = rule["pattern"].replace(r"\z", r"\Z")
    return re.compile(pat, re.ASCII)


def literal_runs(pattern: str) -> list[str]:
    """Literal strings (>= 2 chars) written in the `secret` group of a pattern, e.g. `T3BlbkFJ`."""
    try:
        tree = sre_parse.parse(pattern.replace(r"\z", r"\Z"), re.ASCII)
    except re.error:
        return []
    runs: list[str] = []

    def walk(seq, in_secret):
        cur = []
        for op, av in seq:
            if op == sre_constants.LITERAL and in_secret:
                cur.append(chr(av))
                continue
            if len(cur) >= 2:
                runs.append("".join(cur))
            cur = []
            if op == sre_constants.SUBPATTERN:
                gid = av[0]
                name = None
                for n, i in tree.state.groupdict.items():
                    if i == gid:
                        name = n
                walk(av[-1], in_secret or name == "secret")
            elif op == sre_constants.BRANCH:
                for alt in av[1]:
                    walk(alt, in_secret)
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
                walk(av[2], in_secret)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                pass
        if len(cur) >= 2:
            runs.append("".join(cur))

    walk(tree, False)
    return sorted(set(runs), key=len, reverse=True)


# --------------------------------------------------------------------------------------------
# Filters mirrored from the engine, so a generated fake is not dropped as a placeholder.

MARKERS = ["example", "xxxx", "your_", "your-", "yourkey", "<", ">", "${", "{{", "changeme",
           "change_me", "placeholder", "dummy", "redacted", "****", "sample", "insert", "replace_me",
           "fake", "demo"]


def entropy(s: str) -> float:
    if not s:
        return 0.0
    counts = {}
    for ch in s.encode():
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s.encode())
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_placeholder(s: str) -> bool:
    low = s.lower()
    if any(m in low for m in MARKERS):
        return True
    up = down = 1
    for a, b in zip(low, low[1:]):
        aln = a.isalnum() and b.isalnum()
        up = up + 1 if aln and ord(b) == ord(a) + 1 else 1
        down = down + 1 if aln and ord(b) == ord(a) - 1 else 1
        if up >= 6 or down >= 6:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Making fresh fakes


def b62(n: int, width: int = 6) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def crc_fix(tok: str) -> str:
    """GitHub/npm style: last 6 chars = base62 CRC32 of the 30 chars before them."""
    return tok[:-6] + b62(zlib.crc32(tok[-36:-6].encode()))


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def rand(rng, n, alphabet=B62):
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_jwt(rng, like: str | None = None) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = None
    sig_len = 43
    if like:
        parts = like.split(".")
        try:
            h = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
            p = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
            if isinstance(h, dict) and isinstance(p, dict):
                header, payload = h, p
        except Exception:
            pass
        if len(parts) == 3:
            sig_len = max(16, len(parts[2]))
    if payload is None:
        payload = {"sub": rand(rng, 12, LOWER + DIGITS), "iat": rng.randint(1600000000, 1790000000),
                   "role": rng.choice(["deploy", "service_role", "admin", "reader"])}
    else:
        payload = dict(payload)
        for k, v in list(payload.items()):
            if isinstance(v, int) and k in ("iat", "exp", "nbf"):
                payload[k] = rng.randint(1600000000, 1790000000)
            elif isinstance(v, str) and k in ("sub", "jti", "ref", "uid", "id"):
                payload[k] = rand(rng, max(8, len(v)), LOWER + DIGITS)
        payload["jti"] = rand(rng, 16, LOWER + DIGITS)
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return f"{h}.{p}.{rand(rng, sig_len, B62 + '-_')}"


JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def protected_mask(secret: str, rule, lits) -> list[bool]:
    mask = [False] * len(secret)
    low = secret.lower()
    for kw in rule.get("keywords", []):
        k = kw.lower()
        i = low.find(k)
        while i >= 0:
            for j in range(i, i + len(k)):
                mask[j] = True
            i = low.find(k, i + 1)
    for lit in lits:
        i = secret.find(lit)
        while i >= 0:
            for j in range(i, i + len(lit)):
                mask[j] = True
            i = secret.find(lit, i + 1)
    # PEM armour and header lines stay as they are.
    if "\n" in secret or "\\n" in secret:
        for m in re.finditer(r"-{4,5}[ A-Za-z0-9]+-{4,5}|^[A-Za-z-]{2,24}:[^\n]*$", secret, re.M):
            for j in range(m.start(), m.end()):
                mask[j] = True
    return mask


def mutate(rng, secret: str, mask, frac: float, observed: bool) -> str:
    free = [c for c, m in zip(secret, mask) if not m]
    lows = [c for c in free if c in LOWER]
    ups = [c for c in free if c in UPPER]
    digs = [c for c in free if c in DIGITS]
    if observed:
        la, ua, da = sorted(set(lows)) or LOWER, sorted(set(ups)) or UPPER, sorted(set(digs)) or DIGITS
    else:
        la = "abcdef" if lows and all(c in "abcdef" for c in lows) and len(lows) > 3 else LOWER
        ua = "ABCDEF" if ups and all(c in "ABCDEF" for c in ups) and len(ups) > 3 else UPPER
        da = DIGITS
    out = []
    for c, m in zip(secret, mask):
        if m or rng.random() > frac:
            out.append(c)
        elif c in LOWER:
            out.append(rng.choice(la))
        elif c in UPPER:
            out.append(rng.choice(ua))
        elif c in DIGITS:
            out.append(rng.choice(da))
        else:
            out.append(c)
    return "".join(out)


def secret_ok(rule, rx, secret: str, margin: float = 0.15) -> bool:
    if rule.get("placeholder_check", True) and looks_placeholder(secret):
        return False
    me = rule.get("min_entropy")
    if me and entropy(secret) < me + margin:
        return False
    return True


def basic_fresh(rng, old: str) -> str:
    """A Basic credential is base64 of `user:password`: a fresh password under the same user."""
    user = base64.b64decode(old + "=" * (-len(old) % 4)).decode().split(":", 1)[0]
    alphabet = string.ascii_letters + string.digits + "!#%*+-_~"
    pw = "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 20)))
    return base64.b64encode(f"{user}:{pw}".encode()).decode()


def fresh_example(rng, rule, rx, lits, example: str):
    """(new_example_text, new_secret) or None."""
    m = rx.search(example)
    if not m:
        return None
    old = m.group("secret")
    s0, e0 = m.span("secret")
    mask = protected_mask(old, rule, lits)
    tries = [(1.0, False)] * 12 + [(1.0, True)] * 12 + [(0.5, False)] * 20 + [(0.25, True)] * 20
    for frac, observed in tries:
        if rule.get("checksum") == "jwt" or (JWT_RE.fullmatch(old) and old.count(".") == 2):
            new = make_jwt(rng, old)
            if not rx.search(example[:s0] + new + example[e0:]):
                new = mutate(rng, old, mask, frac, observed)
        else:
            new = mutate(rng, old, mask, frac, observed)
        if rule.get("checksum") in ("github-crc32", "npm-crc32"):
            new = crc_fix(new)
        if rule.get("checksum") == "basic-auth":
            new = basic_fresh(rng, old)
        if new == old:
            continue
        if not secret_ok(rule, rx, new):
            continue
        text = example[:s0] + new + example[e0:]
        m2 = rx.search(text)
        if m2 and m2.group("secret") == new:
            return text, new
    return None


def freshen_others(rng, text, main_secret, rid, compiled):
    """Other credentials inside a snippet example (a companion key id, a second token) are made
    fresh too and returned as extra positives [(rule_id, secret)], so nothing secret-shaped in the
    corpus is unlabeled and no example value is copied verbatim."""
    extras = []
    for _ in range(6):
        ms = text.find(main_secret)
        spans = []
        for rid2, (rule2, rx2, lits2) in compiled.items():
            if rid2 == rid:
                continue
            for m in rx2.finditer(text):
                s2, e2 = m.span("secret")
                if s2 < ms + len(main_secret) and ms < e2:
                    continue
                if any(s2 == x[0] and e2 == x[1] for x in extras):
                    continue
                sec = m.group("secret")
                if not secret_ok(rule2, rx2, sec, 0.0):
                    continue
                spans.append((s2, e2, rid2.startswith("generic.") or rid2.startswith("config."), rid2))
        if not spans:
            break
        spans.sort(key=lambda x: (x[0], x[2], x[3]))
        s2, e2, _, rid2 = spans[0]
        rule2, rx2, lits2 = compiled[rid2]
        old = text[s2:e2]
        new = old
        mask = protected_mask(old, rule2, lits2)
        for _t in range(30):
            cand = mutate(rng, old, mask, 1.0, _t >= 15)
            if rule2.get("checksum") in ("github-crc32", "npm-crc32"):
                cand = crc_fix(cand)
            t2 = text[:s2] + cand + text[e2:]
            if cand != old and secret_ok(rule2, rx2, cand, 0.0) and any(m.group("secret") == cand for m in rx2.finditer(t2)) \
                    and main_secret in t2:
                new = cand
                break
        text = text[:s2] + new + text[e2:]
        extras.append((s2, s2 + len(new), rid2, new))
    return text, [(r, sec) for _, _, r, sec in extras]


# --------------------------------------------------------------------------------------------
# Rendering into formats

ASSIGN_RE = re.compile(
    r"""^\s*(?:export\s+|set\s+|\$env:)?["']?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{1,60})["']?\s*(?::=|=>|=|:)\s*["']?(?P<value>.+?)["']?\s*[,;]?\s*$"""
)


def ident(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def jstr(s: str) -> str:
    return json.dumps(s)


def yaml_scalar(v: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./+=@-]+", v) and not v[0] in "@-=":
        return v
    return jstr(v)


# Each assignment renderer: (name, value) -> list of lines (one item).
def r_env(n, v):
    return [f"{ident(n).upper()}={v}"]


def r_env_q(n, v):
    return [f'{ident(n).upper()}="{v}"']


def r_sh(n, v):
    return [f'export {ident(n).upper()}="{v}"']


def r_py(n, v):
    return [f'{ident(n).upper()} = "{v}"']


def r_py_dict(n, v):
    return [f'    "{n}": "{v}",']


def r_js(n, v):
    return [f'const {ident(n)} = "{v}";']


def r_ts(n, v):
    return [f"export const {ident(n).upper()} = '{v}';"]


def r_go(n, v):
    return [f'\t{ident(n)} := "{v}"']


def r_java(n, v):
    return [f'    private static final String {ident(n).upper()} = "{v}";']


def r_rs(n, v):
    return [f'    let {ident(n).lower()} = "{v}";']


def r_rb(n, v):
    return [f'  "{n}" => "{v}",']


def r_cs(n, v):
    return [f'        private const string {ident(n)} = "{v}";']


def r_json(n, v):
    return [f"    {jstr(n)}: {jstr(v)}"]


def r_yaml(n, v):
    return [f"  {n}: {yaml_scalar(v)}"]


def r_toml(n, v):
    return [f"{ident(n).lower()} = {jstr(v)}"]


def r_ini(n, v):
    return [f"{ident(n).lower()} = {v}"]


def r_xml(n, v):
    v = v.replace("&", "&amp;").replace("<", "&lt;")
    return [f'    <{ident(n)}>{v}</{ident(n)}>']


def r_props(n, v):
    return [f"{n.lower().replace('_', '.')}={v}"]


def r_tf(n, v):
    return [f'  {ident(n).lower()} = "{v}"']


def r_dockerfile(n, v):
    return [f"ENV {ident(n).upper()}={v}"]


def r_gha(n, v):
    return [f"      {ident(n).upper()}: {yaml_scalar(v)}"]


def r_compose(n, v):
    return [f"      - {ident(n).upper()}={v}"]


def r_ipynb(n, v):
    return [f"{ident(n).upper()} = '{v}'"]  # a source line; JSON-encoded by the writer


def r_minjs(n, v):
    return [f'{jstr(n)}:{jstr(v)}']


def r_longline(n, v):
    return [f"{ident(n).lower()}={v}"]


def r_mcp(n, v):
    return [f"          {jstr(ident(n).upper())}: {jstr(v)}"]


def r_k8s_string(n, v):
    return [f"  {ident(n).lower()}: {yaml_scalar(v)}"]


ASSIGN_FORMATS = {
    "env": r_env, "env_q": r_env_q, "sh": r_sh, "py": r_py, "py_dict": r_py_dict, "js": r_js, "ts": r_ts,
    "go": r_go, "java": r_java, "rs": r_rs, "rb": r_rb, "cs": r_cs, "json": r_json, "yaml": r_yaml,
    "toml": r_toml, "ini": r_ini, "xml": r_xml, "props_crlf": r_props, "env_crlf": r_env, "tf": r_tf,
    "dockerfile": r_dockerfile, "gha": r_gha, "compose": r_compose, "ipynb": r_ipynb, "minjs": r_minjs,
    "longline": r_longline, "mcp": r_mcp, "k8s_string": r_k8s_string,
}

# Snippet items (URLs, CLI lines, PEM blocks, multi-line examples) keep their own text.
SNIPPET_FORMATS = ["sh_snip", "md_snip", "yaml_block", "py_comment", "txt_crlf", "longline_snip", "json_escaped",
                   "ipynb_snip", "raw_file"]


def render_snippet(fmt, text):
    lines = text.split("\n")
    if fmt == "sh_snip":
        return lines
    if fmt == "md_snip":
        return ["```"] + lines + ["```"]
    if fmt == "yaml_block":
        return ["  - name: step", "    run: |"] + ["      " + l for l in lines]
    if fmt == "py_comment":
        return ["# " + l for l in lines]
    if fmt == "txt_crlf":
        return lines
    if fmt == "longline_snip":
        return None if len(lines) > 1 else lines
    if fmt == "json_escaped":
        return [f"    {jstr('snippet')}: {jstr(text)}"]
    if fmt == "ipynb_snip":
        return lines
    if fmt == "raw_file":
        return lines
    raise KeyError(fmt)


# --------------------------------------------------------------------------------------------
# Files

HEADER = "FAKE credentials generated by corpus/generate.py for testing nhi-scan. None of them is real."

FILLER_WORDS = ("request response handler config service client server retry timeout cache queue "
                "worker record batch stream buffer parser render layout widget module package build "
                "deploy release metric counter gauge histogram trace span event payload header "
                "session cursor offset window shard replica region zone cluster node").split()


class FileBuilder:
    """Collects items for one file and writes it with the right syntax around them."""

    def __init__(self, rel, fmt):
        self.rel, self.fmt = rel, fmt
        self.items = []  # (lines, meta) meta: ("pos", rule_id, written_secret, rx) / ("neg", what)

    def add(self, lines, meta):
        self.items.append((lines, meta))

    def build(self, rng):
        f = self.fmt
        comment = {"py": "#", "sh": "#", "env": "#", "env_q": "#", "yaml": "#", "toml": "#", "ini": ";",
                   "rb": "#", "tf": "#", "dockerfile": "#", "gha": "#", "compose": "#", "env_crlf": "#",
                   "props_crlf": "#", "sh_snip": "#", "yaml_block": "#", "py_comment": "#", "py_dict": "#",
                   "k8s_string": "#", "k8s_data": "#", "npmrc": "#", "js": "//", "ts": "//", "go": "//",
                   "java": "//", "rs": "//", "cs": "//", "txt_crlf": "#", "longline": "#",
                   "longline_snip": "#", "raw_file": "#"}.get(f)
        out = []  # list of (line_text, item_index or None)
        def emit(line, idx=None):
            out.append((line, idx))
        if comment:
            emit(f"{comment} {HEADER}")
        pre, post, sep = [], [], None
        if f == "py":
            pre = ["import os", "", "TIMEOUT = 30", ""]
        elif f == "py_dict":
            pre = ["import os", "", "SETTINGS = {"]
            post = ["}"]
        elif f in ("js",):
            pre = ["'use strict';", "const retries = 3;"]
            post = ["module.exports = { retries };"]
        elif f == "ts":
            pre = ["import { Client } from './client';", ""]
        elif f == "go":
            pre = ["package config", "", "func load() map[string]string {", "\tm := map[string]string{}"]
            post = ["\treturn m", "}"]
        elif f == "java":
            pre = ["package com.acme.config;", "", "public final class Settings {"]
            post = ["}"]
        elif f == "rs":
            pre = ["fn settings() -> Vec<(&'static str, &'static str)> {", "    let mut v = Vec::new();"]
            post = ["    v", "}"]
        elif f == "rb":
            pre = ["module Acme", "  SETTINGS = {"]
            post = ["  }.freeze", "end"]
        elif f == "cs":
            pre = ["namespace Acme.Config", "{", "    public static class Settings", "    {"]
            post = ["    }", "}"]
        elif f in ("json", "json_escaped"):
            pre = ["{", f'    "_comment": {jstr(HEADER)},']
            post = ["}"]
            sep = ","
        elif f == "yaml":
            pre = ["service: billing", "settings:"]
        elif f == "toml":
            pre = ["[package]", 'name = "billing"', "", "[settings]"]
        elif f == "ini":
            pre = ["[default]", "region = eu-west-1"]
        elif f == "xml":
            pre = ['<?xml version="1.0" encoding="utf-8"?>', f"<!-- {HEADER} -->", "<configuration>"]
            post = ["</configuration>"]
        elif f == "tf":
            pre = ['provider "acme" {']
            post = ["}"]
        elif f == "dockerfile":
            pre = ["FROM python:3.12-slim", "WORKDIR /app"]
            post = ['CMD ["python", "-m", "app"]']
        elif f == "gha":
            pre = ["name: ci", "on: [push]", "jobs:", "  build:", "    runs-on: ubuntu-latest", "    env:"]
        elif f == "compose":
            pre = ["services:", "  app:", "    image: acme/app:1.4", "    environment:"]
        elif f == "mcp":
            pre = ["{", '  "mcpServers": {', '    "acme": {', '      "command": "npx",',
                   '      "args": ["-y", "@acme/mcp-server"],', '      "env": {']
            post = ["      }", "    }", "  }", "}"]
            sep = ","
        elif f == "k8s_string":
            pre = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: app-secrets-{rng.randint(1, 999)}",
                   "type: Opaque", "stringData:"]
        elif f == "k8s_data":
            pre = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: app-tokens-{rng.randint(1, 999)}",
                   "type: Opaque", "data:"]
        elif f == "yaml_block":
            pre = ["jobs:", "  deploy:", "    steps:"]
        for l in pre:
            emit(l)
        n = len(self.items)
        for i, (lines, meta) in enumerate(self.items):
            if f in ("py", "sh", "env", "ini", "toml", "java", "cs", "js", "ts") and rng.random() < 0.25:
                emit(f"{comment} {rng.choice(FILLER_WORDS)} {rng.choice(FILLER_WORDS)} settings")
            for k, l in enumerate(lines):
                if sep and k == len(lines) - 1 and i < n - 1:
                    l = l + sep
                emit(l, i)
        for l in post:
            emit(l)
        return out


def write_builder(fb: FileBuilder, rng, truth, negs, rules_by_id):
    """Serialises a FileBuilder to disk; records truth and negatives by searching their text.

    Every positive is checked once more in the final text with its rule's pattern; an item the
    pattern no longer finds there (a rendering accident of this generator) is dropped and the file
    rebuilt. CRLF files are checked on their LF form: a rule that cannot cope with `\r` must still
    find those secrets, and the scorer will say if it does not.
    """
    f = fb.fmt
    crlf = f in ("env_crlf", "props_crlf", "txt_crlf")
    state = rng.getstate()
    while True:
        rng.setstate(state)
        rows = fb.build(rng)
        if f == "ipynb" or f == "ipynb_snip":
            text, _ = notebook(rows, rng)
        elif f == "minjs":
            text, _ = minified(rows, rng)
        elif f in ("longline", "longline_snip"):
            text, _ = longlines(rows, rng)
        else:
            nl = "\r\n" if crlf else "\n"
            text = nl.join(l for l, _ in rows) + nl
        vtext = text.replace("\r\n", "\n") if crlf else text
        cursor = 0
        recs, bad = [], []
        for i, (lines, meta) in enumerate(fb.items):
            if meta[0] == "pos":
                _, rid, written, rx, decoded, ex_items = meta
                for rid2, w2, rx2 in ex_items:
                    j = vtext.find(w2)
                    if j < 0:
                        continue
                    for m in rx2.finditer(vtext[max(0, j - 1200): j + len(w2) + 12000]):
                        s2 = m.start("secret") + max(0, j - 1200)
                        if s2 <= j < m.end("secret") + max(0, j - 1200):
                            recs.append(("t", {"file": fb.rel, "line": vtext.count("\n", 0, s2) + 1, "type": rid2,
                                               "secret": m.group("secret"), "label": "positive"}))
                            break
                idx = vtext.find(written, cursor)
                if idx < 0:
                    raise SystemExit(f"{fb.rel}: lost secret of {rid}")
                cursor = idx
                line = vtext.count("\n", 0, idx) + 1
                if decoded is not None:
                    recs.append(("t", {"file": fb.rel, "line": line, "type": rid, "secret": decoded,
                                       "label": "positive", "encoding": "base64", "encoded": written}))
                    continue
                if rx is None:
                    recs.append(("t", {"file": fb.rel, "line": line, "type": rid, "secret": written,
                                       "label": "positive"}))
                    continue
                lo = max(0, idx - 1200)
                hi = min(len(vtext), idx + len(written) + 12000)
                window = vtext[lo:hi]
                got = None
                for m in rx.finditer(window):
                    s, e = m.span("secret")
                    if s + lo <= idx < e + lo or idx <= s + lo < idx + len(written):
                        got = (s + lo, m.group("secret"))
                        break
                if got is None:
                    bad.append(i)
                    continue
                line = vtext.count("\n", 0, got[0]) + 1
                recs.append(("t", {"file": fb.rel, "line": line, "type": rid, "secret": got[1], "label": "positive"}))
            else:
                _, what, needle = meta
                idx = vtext.find(needle, cursor)
                if idx < 0:
                    raise SystemExit(f"{fb.rel}: lost negative {what}: {needle!r}")
                cursor = idx
                recs.append(("n", {"file": fb.rel, "line": vtext.count("\n", 0, idx) + 1, "what": what}))
        if bad:
            for i in reversed(bad):
                print(f"dropped from {fb.rel}: {fb.items[i][1][1]} (pattern no longer matches in context)", file=sys.stderr)
                del fb.items[i]
            continue
        break
    path = os.path.join(OUT, fb.rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as fh:
        fh.write(text)
    for kind, rec in recs:
        (truth if kind == "t" else negs).append(rec)


def notebook(rows, rng):
    cells = ['{', ' "cells": [', '  {', '   "cell_type": "markdown",', '   "metadata": {},',
             '   "source": [', f'    {jstr(HEADER)}', '   ]', '  },']
    body_lines = [l for l, idx in rows if idx is not None]
    chunks = [body_lines[i:i + 6] for i in range(0, len(body_lines), 6)]
    for ci, ch in enumerate(chunks):
        cells += ['  {', '   "cell_type": "code",', f'   "execution_count": {ci + 1},', '   "metadata": {},',
                  '   "outputs": [],', '   "source": [']
        src = [jstr(l + ("\n" if k < len(ch) - 1 else "")) for k, l in enumerate(ch)]
        cells += [f"    {s}" + ("," if k < len(src) - 1 else "") for k, s in enumerate(src)]
        cells += ['   ]', '  }' + ("," if ci < len(chunks) - 1 else "")]
    cells += [' ],', ' "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},',
              ' "nbformat": 4,', ' "nbformat_minor": 5', '}']
    return "\n".join(cells) + "\n", None


def minified(rows, rng):
    parts = []
    for l, idx in rows:
        if idx is None:
            continue
        parts.append(l)
    js = ("/*! " + HEADER + " */\n!function(e){var t={" + ",".join(parts) +
          "};e.exports=function(n){return t[n]||null}}(module);")
    # make it long and realistic: surround with minified noise
    noise = ";".join(f"function {rand(rng, 2, LOWER)}{i}(a,b){{return a.{rng.choice(FILLER_WORDS)}(b)||{i}}}"
                     for i in range(200))
    return js[:-1] + ";" + noise + ";\n", None


def longlines(rows, rng):
    out = [f"# {HEADER}"]
    for l, idx in rows:
        if idx is None:
            continue
        before = " ".join(f"{rng.choice(FILLER_WORDS)}={rng.randint(0, 99999)}" for _ in range(rng.randint(300, 900)))
        after = " ".join(f"{rng.choice(FILLER_WORDS)}={rng.randint(0, 99999)}" for _ in range(rng.randint(300, 900)))
        out.append(f"{before} {l} {after}")
    return "\n".join(out) + "\n", None


# --------------------------------------------------------------------------------------------
# Hard negatives: (what, name, value) rendered like assignments, or raw lines per format.

AWS_DOC_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

PLACEHOLDERS = ["xxxxxxxxxxxxxxxxxxxxxxxx", "<token>", "<your-api-key>", "your_api_key_here", "changeme",
                "CHANGE_ME", "REPLACE_ME", "YOUR_TOKEN", "***", "********", "<redacted>", "TODO", "none", "null",
                "dummy-value", "placeholder", "insert-key-here", "sk-...", "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "AKIAXXXXXXXXXXXXXXXX", "{{ api_key }}", "%API_KEY%", "<%= ENV['TOKEN'] %>", "$TOKEN",
                "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx", "sk_test_XXXXXXXXXXXXXXXXXXXXXXXX", "example-token",
                "my-secret-password", "password", "secret", "token", "your-password", "pa$$word-goes-here"]

SECRET_NAMES = ["api_key", "API_KEY", "token", "ACCESS_TOKEN", "password", "DB_PASSWORD", "secret", "CLIENT_SECRET",
                "auth_token", "GITHUB_TOKEN", "OPENAI_API_KEY", "STRIPE_SECRET_KEY", "SLACK_BOT_TOKEN",
                "aws_secret_access_key", "AWS_ACCESS_KEY_ID", "private_key", "SENDGRID_API_KEY", "NPM_TOKEN"]

ENV_VAR_NAMES = ["OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DATABASE_PASSWORD", "STRIPE_KEY",
                 "SLACK_TOKEN", "API_TOKEN", "ANTHROPIC_API_KEY", "NPM_TOKEN", "SECRET_KEY"]


# Values published in vendor documentation as examples (not secrets of anyone).
DOC_EXAMPLES = [
    ("aws-documented-key-id", "aws_access_key_id", "AKIAI44QH8DHBEXAMPLE"),
    ("aws-documented-secret", "aws_secret_access_key", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
    ("jwt-io-example", "id_token", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    ("aws-documented-session", "aws_session_token", "AQoDYXdzEJr...<remainder of security token>"),
    ("azure-documented-devstore-key", "AccountKey", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="),
]

# Code that mentions secrets without holding one (harder than a bare placeholder).
CODE_NEGATIVES = [
    ("expression", 'password = hashlib.sha256(password.encode()).hexdigest()'),
    ("expression", 'api_key = get_api_key(profile="default")'),
    ("expression", 'token = request.headers["Authorization"].split(" ")[1]'),
    ("expression", 'secret = base64.b64encode(os.urandom(32)).decode()'),
    ("expression", 'var token=e.token||t.accessToken||null;'),
    ("expression", 'apiKey:n.apiKey,secret:n.clientSecret'),
    ("template", 'password: "{{ .Values.postgresql.auth.password }}"'),
    ("template", 'SECRET_KEY = env("DJANGO_SECRET_KEY")'),
    ("i18n", '"password_reset": "Reset your password",'),
    ("i18n", '"api_key_missing": "No API key configured; see the docs",'),
    ("test-hash", 'expected_hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"'),
    ("arn", 'role_arn = "arn:aws:iam::123456789012:role/deploy"'),
    ("sri", '<script src="/app.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC" crossorigin="anonymous"></script>'),
    ("font-data-uri", 'src: url(data:font/woff2;base64,d09GMgABAAAAAAZUAA4AAAAADLgAAAX/AAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAP0ZGVE0cGh4GYACCShEICoxAig8LEAABNgIkAxwEIAWDcgdbG1sKUZSP2UfxPI5JRvpRtlpbbQ3nOfVwz9Y7QvStI) format("woff2");'),
    ("identifier", 'const tokenizerConfigurationManagerFactory = createTokenizerConfigurationManagerFactory();'),
    ("css-color", 'color: #a3f2c1; background: #0d1117;'),
    ("hash-table", 'sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"'),
    ("uuid-key-name", 'idempotency_key = "0f8fad5b-d9cb-469f-a165-70867728950e"'),
    ("public-key-inline", 'public_key = "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEk5Vd1Z5nq3b6l8sQ6vE2\\n-----END PUBLIC KEY-----"'),
    ("password-policy", 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]'),
    ("identifier", 'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")'),
    ("identifier", '"token_type": "bearer",'),
    ("identifier", 'secret_name = "prod/billing/db-password"'),
    ("expression", 'key = cache_key(user_id, "session")'),
    ("expression", 'api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)'),
    ("expression", 'password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())'),
    ("expression", 'access_token = response.json()["access_token"]'),
    ("env-lookup", 'client_secret=os.environ["CLIENT_SECRET"],'),
    ("expression", 'private_key = load_pem_private_key(data, password=None)'),
    ("number", 'auth_token_ttl_seconds = 3600'),
    ("expression", 'let token = req.header("x-api-key").ok_or(Error::Unauthorized)?;'),
    ("expression", 'if password == confirm_password:'),
    ("type-annotation", 'api_key: Optional[str] = None'),
    ("empty", '"apiKey": "",'),
    ("type-annotation", 'apiKey: string;'),
    ("env-lookup", 'export GITHUB_TOKEN=$(gh auth token)'),
    ("env-lookup", 'echo "$REGISTRY_PASSWORD" | docker login -u "$REGISTRY_USER" --password-stdin ghcr.io'),
    ("env-lookup", 'mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "SHOW DATABASES"'),
    ("env-lookup", 'curl -u "$API_USER:$API_PASS" https://api.acme.io/v1/status'),
    ("placeholder-uri", 'DATABASE_URL=postgres://user:password@localhost:5432/dev'),
    ("env-lookup", 'REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0'),
    ("env-lookup", 'git clone https://${GITHUB_TOKEN}@github.com/acme/app.git'),
    ("env-lookup", 'Authorization: Bearer ${ACCESS_TOKEN}'),
    ("git-sha", 'const sha = "9fceb02d0ae598e95dc970b74767f19372d61af8";'),
    ("sha256-digest", '"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",'),
    ("expression", 'nonce = secrets.token_hex(16)'),
    ("regex", 'password_regex = r"^(?=.*[A-Z])(?=.*[0-9]).{12,}$"'),
    ("identifier", 'SESSION_COOKIE_NAME = "sessionid"'),
    ("empty", 'CLIENT_SECRET='),
    ("empty", 'password:'),
    ("empty", "api_key = ''"),
]


def neg_misc_line(rng):
    """Random-valued lines that look like data, not credentials."""
    k = rng.randrange(12)
    if k == 0:
        return "github-node-id", f'"node_id": "R_kgDO{rand(rng, 8, B62)}",'
    if k == 1:
        return "git-sha", f'"sha": "{hexs(rng, 40)}",'
    if k == 2:
        return "k8s-uid", f"  uid: {uuid4(rng)}"
    if k == 3:
        return "aws-resource-id", f'"id": "sg-{hexs(rng, 17)}",'
    if k == 4:
        return "aws-request-id", f"x-amz-request-id: {rand(rng, 16, UPPER + DIGITS)}"
    if k == 5:
        return "etag", f'ETag: "{hexs(rng, 32)}"'
    if k == 6:
        return "docker-digest", f"Digest: sha256:{hexs(rng, 64)}"
    if k == 7:
        return "pagination-cursor", f'"next_cursor": "{b64url(json.dumps({"offset": rng.randint(1, 10**6)}).encode())}",'
    if k == 8:
        return "integrity", f'<link rel="stylesheet" href="/site.css" integrity="sha384-{base64.b64encode(rng.randbytes(48)).decode()}">'
    if k == 9:
        return "sourcemap", f"//# sourceMappingURL=data:application/json;base64,{base64.b64encode(json.dumps({'version': 3, 'mappings': rand(rng, 40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh;,')}).encode()).decode()}"
    if k == 10:
        return "continuation-token", f"<NextContinuationToken>{base64.b64encode(rng.randbytes(60)).decode()}</NextContinuationToken>"
    return "session-id-log", f"INFO request_id={uuid4(rng)} user_id={rng.randint(1, 10**6)} status=200 duration_ms={rng.randint(1, 900)}"


def hexs(rng, n):
    return rand(rng, n, "0123456789abcdef")


def uuid4(rng):
    h = hexs(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:32]}"


def bad_crc_token(rng, prefix):
    tok = prefix + rand(rng, 36)
    good = crc_fix(tok)
    if good == tok:
        tok = tok[:-1] + ("A" if tok[-1] != "A" else "B")
    return tok


def word_password(rng):
    return rng.choice(["Password", "password", "Enter your password", "login-password", "password123?",
                       "new_password", "confirm-password", "Passw0rd field", "hunter", "secret_field",
                       "reset", "Forgot password?", "The password is required", "password_hash", "pwd"])


def neg_assignments(rng):
    """(what, name, value) triples; value is a plain string that is NOT a live credential."""
    k = rng.randrange(23)
    if k == 0:
        return ("aws-documented-key-id", rng.choice(["AWS_ACCESS_KEY_ID", "aws_access_key_id", "accessKeyId"]), AWS_DOC_ID)
    if k == 1:
        return ("aws-documented-secret", rng.choice(["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"]), AWS_DOC_SECRET)
    if k in (2, 3):
        return ("placeholder", rng.choice(SECRET_NAMES), rng.choice(PLACEHOLDERS))
    if k == 4:
        return ("env-reference", rng.choice(SECRET_NAMES), "${" + rng.choice(ENV_VAR_NAMES) + "}")
    if k == 5:
        return ("uuid", rng.choice(["request_id", "trace_id", "correlation_id", "id", "tenant_id", "uuid", "instance_id"]), uuid4(rng))
    if k == 6:
        return ("git-sha", rng.choice(["commit", "rev", "sha", "git_sha", "revision", "head_commit"]), hexs(rng, 40))
    if k == 7:
        return ("sha256-digest", rng.choice(["checksum", "sha256", "digest", "content_hash", "etag"]), hexs(rng, 64))
    if k == 8:
        return ("sha512-integrity", "integrity", "sha512-" + base64.b64encode(rng.randbytes(64)).decode())
    if k == 9:
        return ("image-digest", "image", f"ghcr.io/acme/app@sha256:{hexs(rng, 64)}")
    if k == 10:
        return ("data-uri-image", rng.choice(["icon", "logo", "avatar", "background"]),
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA" + base64.b64encode(rng.randbytes(rng.randint(60, 300))).decode())
    if k == 11:
        return ("password-words", rng.choice(["password", "password_label", "PASSWORD_PROMPT", "passwordField", "pwd_hint"]), word_password(rng))
    if k == 12:
        return ("wrong-checksum-github", rng.choice(["fixture", "sample_token", "token_shape"]), bad_crc_token(rng, rng.choice(["ghp_", "gho_", "ghs_", "ghu_", "ghr_"])))
    if k == 13:
        return ("wrong-checksum-npm", rng.choice(["fixture", "npm_shape"]), bad_crc_token(rng, "npm_"))
    if k == 14:
        return ("url-without-password", rng.choice(["DATABASE_URL", "REDIS_URL", "homepage", "repository"]),
                rng.choice([f"postgres://app@db.internal:5432/app", "redis://localhost:6379/0",
                            "https://github.com/acme/app.git", f"mongodb://db{rng.randint(1,9)}.internal:27017/app",
                            "postgres://app:${DB_PASSWORD}@db:5432/app", "mysql://root:@localhost/test"]))
    if k == 15:
        return ("version-or-number", rng.choice(["version", "token_ttl", "max_tokens", "api_version", "password_min_length", "key_size"]),
                rng.choice(["1.4.2", "3600", "4096", "2024-06-01", "v2", "12", "0.0.1-alpha.3"]))
    if k == 16:
        return ("identifier-name", rng.choice(["token_type", "secret_name", "key_id_field", "auth_header", "password_policy"]),
                rng.choice(["Bearer", "bearer", "prod/db/credentials", "kms-key-alias", "Authorization", "X-Api-Key",
                            "access_token", "refresh_token", "client_credentials", "strict"]))
    if k == 17:
        return ("public-key-ssh", rng.choice(["ssh_public_key", "authorized_key", "pubkey"]),
                rng.choice(["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"]) +
                base64.b64encode(rng.randbytes(rng.choice([32, 200]))).decode().rstrip("=") + f" deploy@host{rng.randint(1, 99)}")
    if k == 18:
        return ("age-public-key", "recipient", "age1" + rand(rng, 58, "qpzry9x8gf2tvdw0s3jn54khce6mua7l"))
    if k == 19:
        return ("file-path", rng.choice(["key_file", "token_path", "password_file", "secret_path", "private_key_path"]),
                rng.choice(["/etc/ssl/private/server.key", "~/.ssh/id_ed25519", "/run/secrets/db_password",
                            "./config/credentials.json", "/var/lib/app/token.txt"]))
    if k == 20:
        return ("go-sum-hash", "h1", base64.b64encode(rng.randbytes(32)).decode())
    if k == 21:
        return rng.choice(DOC_EXAMPLES)
    return ("jwt-shape-not-json", rng.choice(["fixture_jwt", "bogus"]), "eyJ" + rand(rng, 20, B62) + ".eyJ" + rand(rng, 30, B62) + "." + rand(rng, 20, B62))


def neg_code_line(rng, fmt):
    """Environment lookups and other code that names secrets without holding one."""
    v = rng.choice(ENV_VAR_NAMES)
    n = rng.choice(SECRET_NAMES)
    opts = {
        "py": [f'{n.upper()} = os.environ["{v}"]', f'{n.upper()} = os.getenv("{v}")', f"{n.upper()} = os.environ.get('{v}', '')",
               f'{n.lower()} = settings.{v.lower()}', f'{n.lower()} = getpass.getpass("Password: ")'],
        "js": [f"const {ident(n)} = process.env.{v};", f"const {ident(n)} = process.env['{v}'] || '';",
               f"const {ident(n)} = await vault.read('{v.lower()}');"],
        "ts": [f"export const {ident(n).upper()} = process.env.{v} ?? '';", f"const {ident(n)}: string = config.get('{v}');"],
        "go": [f'\t{ident(n)} := os.Getenv("{v}")', f'\t{ident(n)}, _ := os.LookupEnv("{v}")'],
        "java": [f'    private final String {ident(n)} = System.getenv("{v}");'],
        "rs": [f'    let {ident(n).lower()} = std::env::var("{v}").unwrap_or_default();'],
        "rb": [f'  "{n}" => ENV.fetch("{v}"),', f'  "{n}" => ENV["{v}"],'],
        "cs": [f'        private static readonly string {ident(n)} = Environment.GetEnvironmentVariable("{v}");'],
        "sh": [f'export {n.upper()}="${v}"', f'export {n.upper()}="$(cat /run/secrets/{v.lower()})"',
               f'{n.upper()}="${{{v}:?missing}}"'],
        "yaml": [f"  {n}: ${{{v}}}", f"  {n}: \"{{{{ secrets.{v} }}}}\""],
        "gha": [f"      {n.upper()}: ${{{{ secrets.{v} }}}}"],
        "compose": [f"      - {n.upper()}=${{{v}}}"],
        "dockerfile": [f"ARG {v}", f"ENV {n.upper()}=${v}"],
        "tf": [f"  {n.lower()} = var.{v.lower()}"],
        "toml": [f'{n.lower()} = "${{{v}}}"'],
        "env": [f"{n.upper()}=${{{v}}}", f"{n.upper()}="],
    }
    lst = opts.get(fmt)
    if not lst:
        return None
    return rng.choice(lst)


def pem_block(rng, label, nbytes):
    body = base64.b64encode(rng.randbytes(nbytes)).decode()
    return [f"-----BEGIN {label}-----"] + [body[i:i + 64] for i in range(0, len(body), 64)] + [f"-----END {label}-----"]


def neg_block(rng):
    k = rng.randrange(4)
    if k == 0:
        return "public-key-pem", pem_block(rng, "PUBLIC KEY", 294)
    if k == 1:
        return "certificate-pem", pem_block(rng, "CERTIFICATE", rng.randint(700, 1100))
    if k == 2:
        return "ssh-public-key-line", ["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + base64.b64encode(rng.randbytes(256)).decode().rstrip("=") + " ci@build"]
    return "pgp-public-key", ["-----BEGIN PGP PUBLIC KEY BLOCK-----", ""] + pem_block(rng, "X", 400)[1:-1] + ["-----END PGP PUBLIC KEY BLOCK-----"]


# --------------------------------------------------------------------------------------------
# Independent positives: token formats written from the providers' public documentation, NOT
# derived from the rule pack's examples, so they test the rules rather than echo them.

A32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"
B64 = B62 + "+/"
URLSAFE = B62 + "-_"


def independent(rng):
    """(expected rule id, variable name, value) for one fresh fake of a documented format."""
    k = rng.randrange(48)
    r = lambda n, a=B62: rand(rng, n, a)
    if k == 0:
        return "aws.access-key-id", "AWS_ACCESS_KEY_ID", "AKIA" + r(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    if k == 1:
        return "github.pat.classic", "GH_TOKEN", crc_fix("ghp_" + r(36))
    if k == 2:
        return "github.pat.fine-grained", "GITHUB_PAT", "github_pat_11" + r(20, A32 + "0189") + "_" + r(59)
    if k == 3:
        return "gitlab.pat", "GITLAB_TOKEN", "glpat-" + r(20, URLSAFE)
    if k == 4:
        return "slack.bot-token", "SLACK_BOT_TOKEN", f"xoxb-{r(11, DIGITS)}-{r(13, DIGITS)}-{r(24)}"
    if k == 5:
        return "slack.user-token", "SLACK_USER_TOKEN", f"xoxp-{r(11, DIGITS)}-{r(12, DIGITS)}-{r(13, DIGITS)}-{r(32, HEX)}"
    if k == 6:
        return "slack.webhook", "SLACK_WEBHOOK_URL", f"https://hooks.slack.com/services/T{r(8, A32)}/B{r(10, A32)}/{r(24)}"
    if k == 7:
        return "stripe.secret-key.live", "STRIPE_SECRET_KEY", "sk_live_" + r(rng.choice([24, 99]))
    if k == 8:
        return "stripe.webhook-secret", "STRIPE_WEBHOOK_SECRET", "whsec_" + r(32)
    if k == 9:
        return "openai.project-key", "OPENAI_API_KEY", "sk-proj-" + r(74, URLSAFE) + "T3BlbkFJ" + r(74, URLSAFE)
    if k == 10:
        return "anthropic.api-key", "ANTHROPIC_API_KEY", "sk-ant-api03-" + r(93, URLSAFE) + "AA"
    if k == 11:
        return "gcp.api-key", "GOOGLE_API_KEY", "AIza" + r(35, URLSAFE)
    if k == 12:
        return "sendgrid.api-key", "SENDGRID_API_KEY", "SG." + r(22, URLSAFE) + "." + r(43, URLSAFE)
    if k == 13:
        return "huggingface.user-token", "HF_TOKEN", "hf_" + r(34, LOWER + UPPER)
    if k == 14:
        uid = str(rng.randint(10**17, 10**18 - 1))
        return "discord.bot-token", "DISCORD_BOT_TOKEN", b64url(uid.encode()) + "." + r(6, URLSAFE) + "." + r(38, URLSAFE)
    if k == 15:
        return "telegram.bot-token", "TELEGRAM_BOT_TOKEN", f"{rng.randint(10**8, 10**10 - 1)}:AA{r(33, URLSAFE)}"
    if k == 16:
        return "digitalocean.pat", "DIGITALOCEAN_TOKEN", "dop_v1_" + r(64, HEX)
    if k == 17:
        return "shopify.admin-access-token", "SHOPIFY_ACCESS_TOKEN", "shpat_" + r(32, HEX)
    if k == 18:
        return "vault.service-token", "VAULT_TOKEN", "hvs." + r(24)
    if k == 19:
        return "terraform.cloud-token", "TFE_TOKEN", r(14) + ".atlasv1." + r(67)
    if k == 20:
        return "pulumi.access-token", "PULUMI_ACCESS_TOKEN", "pul-" + r(40, HEX)
    if k == 21:
        return "linear.api-key", "LINEAR_API_KEY", "lin_api_" + r(40)
    if k == 22:
        return "groq.api-key", "GROQ_API_KEY", "gsk_" + r(52)
    if k == 23:
        return "replicate.api-token", "REPLICATE_API_TOKEN", "r8_" + r(37)
    if k == 24:
        return "perplexity.api-key", "PPLX_API_KEY", "pplx-" + r(48)
    if k == 25:
        return "xai.api-key", "XAI_API_KEY", "xai-" + r(80)
    if k == 26:
        return "openrouter.api-key", "OPENROUTER_API_KEY", "sk-or-v1-" + r(64, HEX)
    if k == 27:
        return "langsmith.api-key", "LANGSMITH_API_KEY", f"lsv2_pt_{r(32, HEX)}_{r(10, HEX)}"
    if k == 28:
        return "postman.api-key", "POSTMAN_API_KEY", f"PMAK-{r(24, HEX)}-{r(34, HEX)}"
    if k == 29:
        return "databricks.pat", "DATABRICKS_TOKEN", "dapi" + r(32, HEX)
    if k == 30:
        return "dockerhub.pat", "DOCKERHUB_TOKEN", "dckr_pat_" + r(27, URLSAFE)
    if k == 31:
        return "newrelic.user-api-key", "NEW_RELIC_API_KEY", "NRAK-" + r(27, A32)
    if k == 32:
        return "doppler.service-token", "DOPPLER_TOKEN", "dp.st.prd." + r(43)
    if k == 33:
        return "npm.access-token", "NPM_TOKEN", crc_fix("npm_" + r(36))
    if k == 34:
        return "pypi.api-token", "TWINE_PASSWORD", "pypi-AgEIcHlwaS5vcmc" + r(rng.randint(70, 180), URLSAFE)
    if k == 35:
        return "database.postgres-uri", "DATABASE_URL", f"postgres://app_user:{r(24)}@db.prod.internal:5432/billing"
    if k == 36:
        return "database.mongodb-uri", "MONGODB_URI", f"mongodb+srv://svc:{r(20)}@cluster0.{r(5, LOWER + DIGITS)}.mongodb.net/app"
    if k == 37:
        return "azure.storage.connection-string", "AZURE_STORAGE_CONNECTION_STRING", (
            f"DefaultEndpointsProtocol=https;AccountName=acme{r(6, LOWER + DIGITS)};AccountKey={r(86, B64)}==;EndpointSuffix=core.windows.net")
    if k == 38:
        return "mailgun.api-key.v2", "MAILGUN_API_KEY", f"{r(32, HEX)}-{r(8, HEX)}-{r(8, HEX)}"
    if k == 39:
        return "grafana.service-account-token", "GRAFANA_TOKEN", f"glsa_{r(32)}_{r(8, HEX)}"
    if k == 40:
        return "sentry.user-token", "SENTRY_AUTH_TOKEN", "sntryu_" + r(64, HEX)
    if k == 41:
        return "figma.pat", "FIGMA_TOKEN", f"figd_{r(40, URLSAFE)}"
    if k == 42:
        return "planetscale.password", "PLANETSCALE_PASSWORD", "pscale_pw_" + r(43, URLSAFE)
    if k == 43:
        payload = json.dumps({"u": rng.choice(["acme", "maps-team", "geo-ops"]) + r(3, LOWER + DIGITS), "a": "c" + r(24, LOWER + DIGITS)},
                             separators=(",", ":"))
        return "mapbox.secret-token", "MAPBOX_SECRET_TOKEN", "sk." + b64url(payload.encode()) + "." + r(22, URLSAFE)
    if k == 44:
        return "jwt.token", "AUTH_JWT", make_jwt(rng)
    if k == 45:
        return "notion.integration-token", "NOTION_TOKEN", "ntn_" + r(11, DIGITS) + r(35)
    if k == 46:
        return "openai.service-account-key", "OPENAI_API_KEY", "sk-svcacct-" + r(74, URLSAFE) + "T3BlbkFJ" + r(74, URLSAFE)
    return "slack.app-level-token", "SLACK_APP_TOKEN", f"xapp-1-A{r(10, A32)}-{r(13, DIGITS)}-{r(64, HEX)}"


def independent_blocks(rng, i):
    """Whole files in documented layouts: (relative path, text, [(rule id, secret), ...])."""
    k = i % 4
    if k == 0:
        kid = "AKIA" + rand(rng, 16, A32)
        sec = rand(rng, 40, B64)
        text = (f"# {HEADER}\n[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\nregion = us-east-1\n")
        return f"aws/home{i}/.aws/credentials", text, [("aws.access-key-id", kid), ("aws.secret-access-key", sec)]
    if k == 1:
        key = pem_block(rng, "PRIVATE KEY", 1218)
        pk = "\\n".join(key) + "\\n"
        sa = {"type": "service_account", "project_id": f"billing-{rng.randint(100000, 999999)}",
              "private_key_id": hexs(rng, 40), "private_key": "@@PK@@",
              "client_email": f"deployer@billing-{rng.randint(1000, 9999)}.iam.gserviceaccount.com",
              "client_id": str(rng.randint(10**20, 10**21 - 1)), "auth_uri": "https://accounts.google.com/o/oauth2/auth",
              "token_uri": "https://oauth2.googleapis.com/token"}
        text = json.dumps(sa, indent=2).replace('"@@PK@@"', '"' + pk + '"') + "\n"
        return f"gcp/svc-{i}.json", text, [("gcp.service-account-key", key[0])]
    if k == 2:
        key = pem_block(rng, "RSA PRIVATE KEY", 1190)
        return f"keys/id_rsa_{i}", "\n".join(key) + "\n", [("private-key.rsa", key[0])]
    key = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW" + \
        base64.b64encode(rng.randbytes(280)).decode()
    lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"] + [key[j:j + 70] for j in range(0, len(key), 70)] + \
        ["-----END OPENSSH PRIVATE KEY-----"]
    return f"keys/home{i}/.ssh/id_ed25519", "\n".join(lines) + "\n", [("private-key.openssh", lines[0])]


# --------------------------------------------------------------------------------------------


def main():
    rng_master = random.Random(SEED)
    rules = load_rules()
    rules_by_id = {r["id"]: r for r in rules}
    # Wipe previous output (only our own directory).
    if os.path.isdir(OUT):
        for dp, dn, fn in os.walk(OUT, topdown=False):
            for n in fn:
                os.remove(os.path.join(dp, n))
            for n in dn:
                os.rmdir(os.path.join(dp, n))
    os.makedirs(OUT, exist_ok=True)

    # ---- positives: (rule, fmt, lines, written_secret, rx, decoded)
    pos_items = []
    skipped = []
    compiled = {r["id"]: (r, compile_rule(r), literal_runs(r["pattern"])) for r in rules}
    fmt_cycle = list(ASSIGN_FORMATS)
    fmt_pos = 0
    snip_pos = 0
    for rule in rules:
        rid = rule["id"]
        rng = random.Random(f"{SEED}:{rid}")
        rx = compile_rule(rule)
        lits = literal_runs(rule["pattern"])
        examples = rule.get("examples", [])
        made = 0
        attempts = 0
        while made < VARIANTS_PER_RULE and attempts < VARIANTS_PER_RULE * 6 and examples:
            ex = examples[attempts % len(examples)]
            attempts += 1
            fx = fresh_example(rng, rule, rx, lits, ex)
            if not fx:
                continue
            text, secret = fx
            placed = False
            am = ASSIGN_RE.match(text) if "\n" not in text else None
            is_assign = bool(am and am.group("value") == secret)
            # A bare-prefix rule can be put under any variable name.
            pre = rule["pattern"][: rule["pattern"].find("(?P<secret>")]
            bare = pre in ("", r"\b") or pre.startswith("(?:^|[^")
            name = am.group("name") if is_assign else None
            if not is_assign and bare and "\n" not in secret:
                name = ident(rid.split(".")[0]).upper() + "_" + rng.choice(["TOKEN", "KEY", "CREDENTIAL", "SECRET"])
                is_assign = True
            # k8s `data:` (base64) for bare single-line secrets, now and then.
            if bare and "\n" not in secret and made == 3 and rx.search(f" {secret} "):
                enc = base64.b64encode(secret.encode()).decode()
                pos_items.append((rule, "k8s_data", [f"  {ident(name or 'token').lower()}: {enc}"], enc, rx, secret, []))
                made += 1
                continue
            if is_assign:
                for k in range(len(fmt_cycle)):
                    fmt = fmt_cycle[(fmt_pos + k) % len(fmt_cycle)]
                    lines = ASSIGN_FORMATS[fmt](name, secret)
                    chunk = "\n".join(lines)
                    if fmt in ("json", "mcp", "minjs", "ipynb"):
                        written = json.dumps(secret)[1:-1]
                    else:
                        written = secret
                    if written not in chunk:
                        continue
                    if not any(written in m.group("secret") or m.group("secret") in written
                               for m in rx.finditer(chunk)):
                        continue
                    pos_items.append((rule, fmt, lines, written, rx, None, []))
                    fmt_pos = (fmt_pos + k + 1) % len(fmt_cycle)
                    placed = True
                    break
            if not placed:
                text, extras = freshen_others(rng, text, secret, rid, compiled)
                for k in range(len(SNIPPET_FORMATS)):
                    fmt = SNIPPET_FORMATS[(snip_pos + k) % len(SNIPPET_FORMATS)]
                    lines = render_snippet(fmt, text)
                    if lines is None:
                        continue
                    chunk = "\n".join(lines)
                    first = secret.split("\n")[0]
                    written = json.dumps(first)[1:-1] if fmt == "json_escaped" else first
                    if fmt == "ipynb_snip":
                        written = json.dumps(first)[1:-1]
                    if fmt == "json_escaped":
                        ok = any(written in m.group("secret") for m in rx.finditer(chunk))
                    else:
                        ok = any(first in m.group("secret") for m in rx.finditer(chunk))
                    if not ok:
                        continue
                    esc = fmt in ("json_escaped", "ipynb_snip")
                    ex_items = [(r2, json.dumps(s2.split("\n")[0])[1:-1] if esc else s2.split("\n")[0], compiled[r2][1])
                                for r2, s2 in extras]
                    pos_items.append((rule, fmt, lines, written, rx, None, ex_items))
                    snip_pos = (snip_pos + k + 1) % len(SNIPPET_FORMATS)
                    placed = True
                    break
            if placed:
                made += 1
        if made < VARIANTS_PER_RULE:
            skipped.append((rid, made))

    # ---- independent positives (documented formats, not the rule pack's examples)
    rng = random.Random(f"{SEED}:independent")
    indep_unmatched = []
    for i in range(INDEPENDENT):
        rid, name, value = independent(rng)
        rule, rx, _ = compiled[rid]
        placed = False
        for k in range(len(fmt_cycle)):
            fmt = fmt_cycle[(fmt_pos + k) % len(fmt_cycle)]
            if fmt in ("minjs", "longline"):
                continue
            lines = ASSIGN_FORMATS[fmt](name, value)
            written = json.dumps(value)[1:-1] if fmt in ("json", "mcp", "minjs", "ipynb") else value
            if written not in "\n".join(lines):
                continue
            if not any(m.group("secret") in written for m in rx.finditer("\n".join(lines))):
                continue
            pos_items.append((rule, fmt, lines, written, rx, None, []))
            fmt_pos = (fmt_pos + k + 1) % len(fmt_cycle)
            placed = True
            break
        if not placed:
            # The rule does not find this documented shape: keep it (a miss to report), unverified.
            indep_unmatched.append((rid, value))
            pos_items.append((rule, "env", ASSIGN_FORMATS["env"](name, value), value, None, None, []))
    if indep_unmatched:
        print("independent fakes their rule does not match: " + ", ".join(f"{r}={v}" for r, v in indep_unmatched),
              file=sys.stderr)
    blocks = [independent_blocks(rng, i) for i in range(INDEPENDENT_BLOCKS)]

    # ---- special formats: docker config.json and .npmrc
    special = []
    rng = random.Random(f"{SEED}:special")
    for i in range(30):
        user = rng.choice(["ci", "deploy", "robot$acme+ci", "_json_key_base64", "oauth2accesstoken", "AWS"])
        pw = rand(rng, rng.randint(20, 40), B62 + "-_")
        inner = None
        if i % 3 == 0:  # a registry password that is itself a provider token (GitHub PAT for ghcr.io)
            user, pw = rng.choice(["x-access-token", "ci-bot"]), crc_fix("ghp_" + rand(rng, 36))
            inner = ("github.pat.classic", pw)
        auth = base64.b64encode(f"{user}:{pw}".encode()).decode()
        special.append(("docker", auth, inner))
    for i in range(25):
        special.append(("npmrc_token", crc_fix("npm_" + rand(rng, 36)), None))
    for i in range(15):
        auth = base64.b64encode(f"ci-bot:{rand(rng, 24)}".encode()).decode()
        special.append(("npmrc_auth", auth, None))

    # ---- distribute into files
    builders: dict[str, FileBuilder] = {}
    per_file = 30
    counters: dict[str, int] = {}
    EXT = {"env": ("env", "{n}.env"), "env_q": ("env", ".env.{n}"), "sh": ("shell", "deploy_{n}.sh"),
           "py": ("python", "settings_{n}.py"), "py_dict": ("python", "config_{n}.py"),
           "js": ("javascript", "config_{n}.js"), "ts": ("typescript", "env_{n}.ts"), "go": ("go", "config_{n}.go"),
           "java": ("java", "Settings{n}.java"), "rs": ("rust", "settings_{n}.rs"), "rb": ("ruby", "settings_{n}.rb"),
           "cs": ("csharp", "Settings{n}.cs"), "json": ("json", "appsettings.{n}.json"), "yaml": ("yaml", "values-{n}.yaml"),
           "toml": ("toml", "config-{n}.toml"), "ini": ("ini", "credentials-{n}.ini"), "xml": ("xml", "app-{n}.config"),
           "props_crlf": ("crlf", "application-{n}.properties"), "env_crlf": ("crlf", "windows-{n}.env"),
           "tf": ("terraform", "main_{n}.tf"), "dockerfile": ("docker", "Dockerfile.{n}"), "gha": ("github-actions", "ci-{n}.yml"),
           "compose": ("docker", "docker-compose.{n}.yml"), "ipynb": ("notebooks", "analysis_{n}.ipynb"),
           "minjs": ("minified", "bundle.{n}.min.js"), "longline": ("long-lines", "requests-{n}.log"),
           "mcp": ("mcp", "{n}/claude_desktop_config.json"), "k8s_string": ("kubernetes", "secret-string-{n}.yaml"),
           "k8s_data": ("kubernetes", "secret-data-{n}.yaml"), "sh_snip": ("shell", "setup_{n}.sh"),
           "md_snip": ("markdown", "NOTES-{n}.md"), "yaml_block": ("yaml", "pipeline-{n}.yml"),
           "py_comment": ("python", "scratch_{n}.py"), "txt_crlf": ("crlf", "runbook-{n}.txt"),
           "longline_snip": ("long-lines", "trace-{n}.log"), "json_escaped": ("json", "snippets-{n}.json"),
           "ipynb_snip": ("notebooks", "setup_{n}.ipynb"), "raw_file": ("keys", "material-{n}.txt")}
    MCP_NAMES = ["claude_desktop_config.json", ".cursor/mcp.json", ".vscode/mcp.json", "mcp.json", ".mcp.json"]

    def builder_for(fmt, cap=per_file):
        n = counters.get(fmt, 0)
        key = f"{fmt}:{n}"
        fb = builders.get(key)
        if fb is not None and len([1 for _, m in fb.items if m[0] == "pos"]) >= cap:
            n += 1
            counters[fmt] = n
            key = f"{fmt}:{n}"
            fb = None
        if fb is None:
            d, pat = EXT[fmt]
            rel = f"{d}/" + pat.format(n=n)
            if fmt == "mcp":
                rel = f"mcp/project{n}/" + MCP_NAMES[n % len(MCP_NAMES)]
            if fmt == "raw_file":
                rel = f"keys/material-{n}.txt"
            fb = FileBuilder(rel, fmt)
            builders[key] = fb
        return fb

    for rule, fmt, lines, written, rx, decoded, ex_items in pos_items:
        cap = {"minjs": 40, "longline": 12, "longline_snip": 12, "raw_file": 1, "ipynb": 18, "ipynb_snip": 10,
               "mcp": 8, "k8s_data": 10, "k8s_string": 12}.get(fmt, per_file)
        fb = builder_for(fmt, cap)
        fb.add(lines, ("pos", rule["id"], written, rx, decoded, ex_items))

    # docker / npmrc
    docker_rx = compile_rule(rules_by_id["config.docker-auth"]) if "config.docker-auth" in rules_by_id else None
    npm_rx = compile_rule(rules_by_id["npm.access-token"]) if "npm.access-token" in rules_by_id else None
    npmauth_rx = compile_rule(rules_by_id["config.npmrc-auth"]) if "config.npmrc-auth" in rules_by_id else None
    dk = [s for s in special if s[0] == "docker"]
    for i in range(0, len(dk), 3):
        fb = FileBuilder(f"docker/home{i // 3}/.docker/config.json", "json_docker")
        builders[f"docker:{i}"] = fb
        regs = ["registry.acme.io", "ghcr.io", "https://index.docker.io/v1/", "quay.io", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "europe-docker.pkg.dev", "acme.azurecr.io"]
        rng.shuffle(regs)
        for (_, auth, inner), reg in zip(dk[i:i + 3], regs):
            line = [f'    {jstr(reg)}: {{"auth": {jstr(auth)}}}']
            if inner:  # one credential: the token inside `user:token`, reported as itself or as the auth blob
                fb.add(line, ("pos", inner[0], auth, None, inner[1], []))
            else:
                fb.add(line, ("pos", "config.docker-auth", auth, docker_rx, None, []))
    npm = [s for s in special if s[0] != "docker"]
    for i in range(0, len(npm), 5):
        fb = FileBuilder(f"npmrc/project{i // 5}/.npmrc", "npmrc")
        builders[f"npmrc:{i}"] = fb
        hosts = ["registry.npmjs.org/", "npm.pkg.github.com/", "acme.jfrog.io/artifactory/api/npm/npm-local/",
                 "gitlab.com/api/v4/projects/4242/packages/npm/", "npm.acme.internal/"]
        for j, (kind, v, _) in enumerate(npm[i:i + 5]):
            if kind == "npmrc_token":
                fb.add([f"//{hosts[j % len(hosts)]}:_authToken={v}"], ("pos", "npm.access-token", v, npm_rx, None, []))
            else:
                fb.add([f"_auth={v}"], ("pos", "config.npmrc-auth", v, npmauth_rx, None, []))

    # ---- negatives: spread over the same files plus negative-only files
    rng = random.Random(f"{SEED}:negatives")
    keys = sorted(builders)
    target_neg = 2300
    n_neg = 0
    # Assignment-style negatives into assignment-format files
    assign_keys = [k for k in keys if builders[k].fmt in ASSIGN_FORMATS]
    while n_neg < target_neg * 0.7:
        fb = builders[rng.choice(assign_keys)]
        what, name, value = neg_assignments(rng)
        code = neg_code_line(rng, fb.fmt) if rng.random() < 0.3 else None
        if code:
            fb.add([code], ("neg", "env-lookup", code.strip()))
        else:
            lines = ASSIGN_FORMATS[fb.fmt](name, value)
            needle = json.dumps(value)[1:-1] if fb.fmt in ("json", "mcp", "minjs") else value
            if fb.fmt == "xml":
                needle = value.replace("&", "&amp;").replace("<", "&lt;")
            if fb.fmt == "ipynb":
                needle = json.dumps(value)[1:-1]
            fb.add(lines, ("neg", what, needle))
        n_neg += 1
    # Negative-only files: lockfiles, certificates, notebooks with images, docs.
    for i in range(6):
        fb = FileBuilder(f"lockfiles/package-lock-{i}.json", "json")
        builders[f"lock:{i}"] = fb
        for j in range(60):
            pkg = rng.choice(FILLER_WORDS) + "-" + rng.choice(FILLER_WORDS)
            integ = "sha512-" + base64.b64encode(rng.randbytes(64)).decode()
            fb.add([f'    "node_modules/{pkg}{j}": {{"version": "{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}", '
                    f'"resolved": "https://registry.npmjs.org/{pkg}/-/{pkg}-1.0.0.tgz", "integrity": "{integ}"}}'],
                   ("neg", "lockfile-integrity", integ))
            n_neg += 1
    for i in range(4):
        fb = FileBuilder(f"lockfiles/Cargo-{i}.lock", "toml")
        builders[f"cargolock:{i}"] = fb
        for j in range(50):
            ck = hexs(rng, 64)
            fb.add(["[[package]]", f'name = "{rng.choice(FILLER_WORDS)}-{j}"', f'version = "0.{j}.{rng.randint(0, 9)}"',
                    'source = "registry+https://github.com/rust-lang/crates.io-index"', f'checksum = "{ck}"', ""],
                   ("neg", "cargo-lock-checksum", ck))
            n_neg += 1
    for i in range(3):
        fb = FileBuilder(f"lockfiles/go-{i}.sum", "raw_neg")
        builders[f"gosum:{i}"] = fb
        for j in range(60):
            h = base64.b64encode(rng.randbytes(32)).decode()
            fb.add([f"github.com/acme/{rng.choice(FILLER_WORDS)}{j} v1.{j}.0 h1:{h}"], ("neg", "go-sum-hash", h))
            n_neg += 1
    for i in range(8):
        fb = FileBuilder(f"certs/public-{i}.pem", "raw_neg")
        builders[f"certs:{i}"] = fb
        for j in range(6):
            what, lines = neg_block(rng)
            fb.add(lines + [""], ("neg", what, lines[0] if what != "pgp-public-key" else lines[2]))
            n_neg += 1
    for i in range(4):
        fb = FileBuilder(f"notebooks/plots_{i}.ipynb", "raw_neg")
        builders[f"nbimg:{i}"] = fb
        for j in range(15):
            img = "iVBORw0KGgoAAAANSUhEUgAA" + base64.b64encode(rng.randbytes(rng.randint(400, 1500))).decode()
            fb.add([f'      "image/png": "{img}",'], ("neg", "notebook-png-output", img[:60]))
            n_neg += 1
    for i in range(8):
        fb = FileBuilder(f"misc/snippets-{i}.txt", "raw_neg")
        builders[f"codeneg:{i}"] = fb
        for j in range(50):
            what, line = rng.choice(CODE_NEGATIVES) if j % 2 else neg_misc_line(rng)
            fb.add([line], ("neg", what, line))
            n_neg += 1
    for i in range(4):
        fb = FileBuilder(f"markdown/SECURITY-{i}.md", "raw_neg")
        builders[f"docs:{i}"] = fb
        for j in range(25):
            line = rng.choice([
                f"Set `OPENAI_API_KEY` in your shell before running; never commit the key.",
                f"The token is read from the `{rng.choice(ENV_VAR_NAMES)}` environment variable.",
                f"Use `aws configure` and paste your access key id (it looks like `{AWS_DOC_ID}`).",
                f"Rotate the password every 90 days; the minimum password length is 12.",
                f"Commit `{hexs(rng, 40)}` fixed the token refresh bug.",
                f"Request `{uuid4(rng)}` failed with 401: invalid api_key.",
                f"Download sha256: `{hexs(rng, 64)}`.",
                f"export GITHUB_TOKEN=<your token>  # create one at https://github.com/settings/tokens",
                f"curl -H \"Authorization: Bearer $TOKEN\" https://api.acme.io/v1/me",
                f"password: ******** (hidden)",
            ])
            fb.add([line, ""], ("neg", "prose", line))
            n_neg += 1

    truth, negs = [], []
    for key in sorted(builders):
        fb = builders[key]
        r = random.Random(f"{SEED}:file:{fb.rel}")
        if fb.fmt != "raw_file":
            r.shuffle(fb.items)
        if fb.fmt in ("json_docker", "npmrc", "raw_neg", "k8s_data"):
            write_special(fb, r, truth, negs)
        else:
            write_builder(fb, r, truth, negs, rules_by_id)

    for rel, text, items in blocks:
        path = os.path.join(OUT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as fh:
            fh.write(text)
        for rid, sec in items:
            idx = text.find(sec)
            truth.append({"file": rel, "line": text.count("\n", 0, idx) + 1, "type": rid, "secret": sec,
                          "label": "positive"})

    # ---- hand-shaped files for the classes of issue 12 (corpus/classes.py, its own seed)
    from classes import class_files
    class_written, class_truth, class_negs = class_files()
    for rel, text in class_written:
        path = os.path.join(OUT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as fh:
            fh.write(text)
    truth += class_truth
    negs += class_negs

    truth.sort(key=lambda t: (t["file"], t["line"], t["type"]))
    negs.sort(key=lambda t: (t["file"], t["line"]))
    with open(os.path.join(HERE, "truth.jsonl"), "w") as fh:
        for t in truth:
            fh.write(json.dumps(t, sort_keys=True) + "\n")
    with open(os.path.join(HERE, "negatives.jsonl"), "w") as fh:
        for t in negs:
            fh.write(json.dumps(t, sort_keys=True) + "\n")
    types = {t["type"] for t in truth}
    dirs = {t["file"].split("/")[0] for t in truth}
    exts = {os.path.splitext(t["file"])[1] or os.path.basename(t["file"]) for t in truth}
    print(f"positives {len(truth)}, types {len(types)}, dirs {len(dirs)}, extensions {len(exts)}, negatives {len(negs)}",
          file=sys.stderr)
    if skipped:
        print("rules with fewer variants: " + ", ".join(f"{r}={n}" for r, n in skipped), file=sys.stderr)


def write_special(fb, rng, truth, negs):
    f = fb.fmt
    if f == "json_docker":
        lines = ["{", '  "auths": {']
        entries = [ls[0] for ls, _ in fb.items]
        for i, e in enumerate(entries):
            lines.append(e + ("," if i < len(entries) - 1 else ""))
        lines += ["  },", '  "credsStore": ""', "}"]
    elif f == "npmrc":
        lines = [f"# {HEADER}", "registry=https://registry.npmjs.org/", "always-auth=true"]
        for ls, _ in fb.items:
            lines += ls
    elif f == "k8s_data":
        lines = [f"# {HEADER}", "apiVersion: v1", "kind: Secret", "metadata:",
                 f"  name: app-tokens-{rng.randint(1, 999)}", "type: Opaque", "data:"]
        for ls, _ in fb.items:
            lines += ls
    else:
        lines = []
        if fb.rel.endswith(".ipynb"):
            lines = ['{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 1,',
                     '   "metadata": {},', '   "outputs": [', '    {', '     "data": {']
            for ls, _ in fb.items:
                lines += ls
            lines += ['      "text/plain": "<Figure size 640x480 with 1 Axes>"', '     },',
                      '     "output_type": "display_data"', '    }', '   ],', f'   "source": [{jstr("# " + HEADER)}]',
                      '  }', ' ],', ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', '}']
        else:
            if not fb.rel.endswith(".sum"):
                lines.append(f"# {HEADER}")
            for ls, _ in fb.items:
                lines += ls
    text = "\n".join(lines) + "\n"
    path = os.path.join(OUT, fb.rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as fh:
        fh.write(text)
    for ls, meta in fb.items:
        if meta[0] == "pos":
            _, rid, written, rx, decoded, _ = meta
            idx = text.find(written)
            line = text.count("\n", 0, idx) + 1
            if decoded is not None:
                truth.append({"file": fb.rel, "line": line, "type": rid, "secret": decoded, "label": "positive",
                              "encoding": "base64", "encoded": written})
            else:
                truth.append({"file": fb.rel, "line": line, "type": rid, "secret": written, "label": "positive"})
        else:
            _, what, needle = meta
            idx = text.find(needle)
            if idx < 0:
                raise SystemExit(f"{fb.rel}: lost negative {what}")
            negs.append({"file": fb.rel, "line": text.count("\n", 0, idx) + 1, "what": what})


if __name__ == "__main__":
    main()
