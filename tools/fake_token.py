#!/usr/bin/env python3
"""Generates FAKE credentials with the right shape (prefix, length, checksum) for rule examples and tests.

Every value printed is random and authenticates nothing. Usage:
  tools/fake_token.py github ghp_        # prefix + 30 random base62 + 6-char CRC32/base62 checksum
  tools/fake_token.py npm                # npm_ + 30 + checksum
  tools/fake_token.py random 40 [ALPHABET]
"""
import random, sys, zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

def b62(n: int, width: int = 6) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")

def rand(n: int, alphabet: str = B62) -> str:
    return "".join(random.choice(alphabet) for _ in range(n))

def checksummed(prefix: str, body_len: int = 30) -> str:
    body = rand(body_len)
    return prefix + body + b62(zlib.crc32(body.encode()))

if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "github":
        print(checksummed(sys.argv[2] if len(sys.argv) > 2 else "ghp_"))
    elif kind == "npm":
        print(checksummed("npm_"))
    elif kind == "random":
        print(rand(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else B62))
    else:
        sys.exit(f"unknown kind {kind}")
