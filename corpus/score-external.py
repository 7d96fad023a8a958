#!/usr/bin/env python3
"""Scores nhi-scan on an independently written labeled set (the layout of `corpus/independent/`).

Usage, from the project root:
    corpus/score-external.py [--bin target/release/nhi-scan] [--dir corpus/independent] [-v]

The set has `files/`, `truth.jsonl` (`file`, 1-based `line` where the secret's text starts,
`secret`, optional `raw` as written when it differs, `class`, `style`), `negatives.jsonl` and
`neutral.jsonl` (`file`, `line`, `text`). Standard library only.

A finding location matches a truth item when the file and line are equal and one of the
finding's secrets (as written, or decoded, or percent-decoded) equals or contains the truth's `secret` or `raw`, or
the other way round (multi-line secrets compare on their first line). Findings on a neutral item
are ignored. Recall = matched truth items / truth items; precision = matching finding locations /
all finding locations that are not neutral. Misses are grouped by class and style, false
positives by rule and by the negative they hit (when one is listed), so that classes, not
examples, are what one looks at.
"""
import argparse
import json
import subprocess
import sys
from urllib.parse import unquote
from collections import Counter, defaultdict
from pathlib import Path


def first_line(s):
    s = s.split("\n")[0].split("\\n")[0]
    return s.rstrip("\r")


def same(found, want):
    if not found or not want:
        return False
    if found == want or want in found or found in want:
        return True
    multi = lambda s: "\n" in s or "\\n" in s
    return (multi(found) or multi(want)) and first_line(found) == first_line(want)


def load(path):
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def scan(bin_, files):
    out = subprocess.run(
        [bin_, "scan", "--no-config", "--format", "json", "--no-redact", "-q", str(files)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"nhi-scan failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    report = json.loads(out.stdout)
    root = str(files).replace("\\", "/")
    found = []
    for f in report["findings"]:
        secrets = [f.get("secret") or ""]
        dec = (f.get("decoded") or {}).get("secret")
        if dec:
            secrets.append(dec)
        # A URI's password as written is percent-encoded; the labels hold it decoded.
        secrets += [unquote(x) for x in secrets if "%" in x]
        for loc in f.get("locations", []):
            path = (loc.get("origin") or {}).get("path", "").replace("\\", "/")
            rel = path[len(root):].lstrip("/") if path.startswith(root) else path
            found.append({"file": "files/" + rel, "line": loc.get("line", 0),
                          "rule": f.get("rule_id", ""), "secrets": secrets})
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/nhi-scan")
    ap.add_argument("--dir", default="corpus/independent")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss and false positive")
    ap.add_argument("--min", type=float, default=None, help="exit 1 below this recall or precision")
    a = ap.parse_args()
    d = Path(a.dir)
    truth = load(d / "truth.jsonl")
    neg = load(d / "negatives.jsonl")
    neutral = load(d / "neutral.jsonl")
    found = scan(a.bin, (d / "files").resolve())

    at = defaultdict(list)
    for i, t in enumerate(truth):
        at[(t["file"], t["line"])].append(i)
    neu = defaultdict(list)
    for n in neutral:
        neu[(n["file"], n["line"])].append(n["text"])
    negat = defaultdict(list)
    for n in neg:
        negat[(n["file"], n["line"])].append(n)

    matched, fps, true_locs, counted = set(), [], 0, 0
    for f in found:
        key = (f["file"], f["line"])
        hits = [i for i in at.get(key, [])
                if any(same(s, truth[i]["secret"]) or same(s, truth[i].get("raw", "")) for s in f["secrets"])]
        if hits:
            matched.update(hits)
            true_locs += 1
            counted += 1
            continue
        if any(same(s, n) for s in f["secrets"] for n in neu.get(key, [])):
            continue
        counted += 1
        fps.append(f)

    recall = len(matched) / len(truth) if truth else 1.0
    precision = true_locs / counted if counted else 1.0
    print(f"{d}: {len(truth)} credentials; {len(found)} finding locations")
    print(f"recall {recall:.4f} ({len(matched)}/{len(truth)})  precision {precision:.4f} ({true_locs}/{counted})")

    misses = [t for i, t in enumerate(truth) if i not in matched]
    by_class = Counter(t.get("class") for t in misses)
    tot_class = Counter(t.get("class") for t in truth)
    print("\nmisses by class (missed/total):")
    for c in sorted(tot_class, key=str):
        print(f"  class {c}: {by_class.get(c, 0)}/{tot_class[c]}")
    print("\nmisses by style:")
    for s, n in Counter(t.get("style", "?") for t in misses).most_common():
        print(f"  {n:4}  {s}")
    print(f"\nfalse positives by rule ({len(fps)}):")
    for r, n in Counter(f["rule"] for f in fps).most_common():
        print(f"  {n:4}  {r}")
    whys = Counter()
    for f in fps:
        for n in negat.get((f["file"], f["line"]), []):
            if any(same(s, n["text"]) for s in f["secrets"]):
                whys[n["why"]] += 1
    if whys:
        print("\nfalse positives on listed negatives, by reason:")
        for w, n in whys.most_common():
            print(f"  {n:4}  {w}")
    if a.verbose:
        print("\nmissed:")
        for t in misses:
            print(f"  {t['file']}:{t['line']} [{t.get('style')}] {first_line(t.get('raw') or t['secret'])[:100]}")
        print("\nfalse positives:")
        for f in fps:
            print(f"  {f['file']}:{f['line']} [{f['rule']}] {first_line(f['secrets'][-1])[:100]}")
    if a.min is not None and (recall < a.min or precision < a.min):
        sys.exit(1)


if __name__ == "__main__":
    main()
