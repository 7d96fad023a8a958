#!/usr/bin/env python3
"""Writes a `git fast-import` stream for the inventory scale benchmark (benches/inventory-scale.sh).

Usage: benches/inventory-repo.py [FILES] [DIRS] | git fast-import --quiet

FILES files (default 1,000) each hold 10 distinct FAKE credentials of five kinds (GitHub
tokens with valid checksums, AWS key ids, Stripe-shaped keys, Slack webhooks, passwords), so the
repository has FILES x 10 credentials. Commit k (k < DIRS, default 10) copies every file into
`svc-k/config/`, so each credential is found at DIRS paths in DIRS commits: FILES x 10 x DIRS
locations (100,000 by default). The last commit deletes every fifth file everywhere (those
credentials are only in history). Commits are spread over four years, by five authors, with
a CODEOWNERS file and a .mailmap. Every value is random and authenticates nothing.
"""
import random
import sys
import zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def b62(n, width=6):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def rand(rng, n, alphabet=B62):
    return "".join(rng.choice(alphabet) for _ in range(n))


def github(rng):
    body = rand(rng, 30)
    return "ghp_" + body + b62(zlib.crc32(body.encode()))


def file_body(rng, i):
    lines = [f"# service config {i}"]
    for j in range(2):
        lines.append(f"GITHUB_TOKEN_{j}={github(rng)}")
        lines.append(f"AWS_ACCESS_KEY_ID_{j}=AKIA{rand(rng, 16, B32)}")
        lines.append(f"STRIPE_KEY_{j}=sk_live_{rand(rng, 32)}")
        lines.append(
            f"SLACK_WEBHOOK_{j}=https://hooks.slack.com/services/T{rand(rng, 10, UPPER)}"
            f"/B{rand(rng, 10, UPPER)}/{rand(rng, 24)}"
        )
        lines.append(f'db{j}_password = "{rand(rng, 16)}-{j}{rng.randint(10, 99)}"')
    return ("\n".join(lines) + "\n").encode()


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    dirs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rng = random.Random(20240101)
    out = sys.stdout.buffer
    mark = 0

    def blob(data):
        nonlocal mark
        mark += 1
        out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)))
        out.write(data + b"\n")
        return mark

    bodies = [blob(file_body(rng, i)) for i in range(files)]
    owners = "\n".join(f"/svc-{k}/ @acme/team-{k % 4}" for k in range(dirs))
    codeowners = blob(f"* @acme/security\n{owners}\n".encode())
    mailmap = blob(b"Dev One <dev1@example.com> <dev1@laptop.local>\n")
    authors = [("Dev One", "dev1@laptop.local")] + [
        (f"Dev {n}", f"dev{n}@example.com") for n in range(2, 6)
    ]
    start = 1_577_836_800  # 2020-01-01
    step = (4 * 365 * 86_400) // (dirs + 1)
    # Each commit on the branch continues from the one before (fast-import keeps the tip).
    for k in range(dirs + 1):
        name, email = authors[k % len(authors)]
        when = start + k * step
        msg = f"svc-{k}" if k < dirs else "remove every fifth config"
        out.write(b"commit refs/heads/main\n")
        out.write(f"author {name} <{email}> {when} +0000\n".encode())
        out.write(f"committer {name} <{email}> {when} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(msg), msg.encode()))
        if k == 0:
            out.write(b"M 100644 :%d .github/CODEOWNERS\n" % codeowners)
            out.write(b"M 100644 :%d .mailmap\n" % mailmap)
        if k < dirs:
            # A file of its own per directory, so no two directories share a tree (the walk
            # visits a tree once) while every config blob is shared.
            readme = f"service {k}\n".encode()
            out.write(
                b"M 100644 inline svc-%d/config/README\ndata %d\n%s\n" % (k, len(readme), readme)
            )
            for i, m in enumerate(bodies):
                out.write(b"M 100644 :%d svc-%d/config/f%04d.env\n" % (m, k, i))
        else:
            for d in range(dirs):
                for i in range(0, files, 5):
                    out.write(b"D svc-%d/config/f%04d.env\n" % (d, i))
        out.write(b"\n")


if __name__ == "__main__":
    main()
