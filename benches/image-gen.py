#!/usr/bin/env python3
"""Generates the inputs of benches/image-compare.sh (deterministic, standard library only):

  OUT/image.tar   a `docker save` tarball (the OCI form Docker 25+ writes, uncompressed layers) of LAYERS layers and about MB megabytes: source-like text, config files,
                  ELF-like binaries, jars, files repeated across layers, whiteouts, and a few
                  generated FAKE credentials (some in files a later layer deletes).
  OUT/jars/       a directory of JARS jar files (class files, properties, YAML, nested jars), with
                  generated FAKE credentials in some.

Usage: benches/image-gen.py OUT [--mb 230] [--layers 24] [--jars 300] [--big-file-mb N]
(`--mb 2048 --layers 1 --jars 0 --big-file-mb 512`: the 2 GB layer of the memory figure.)
Every credential here is a generated fake with a valid shape (GitHub CRC32 checksum).
"""

import argparse
import hashlib
import io
import json
import os
import random
import tarfile
import zipfile
import zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def fake_github(rng):
    body = "".join(rng.choice(B62) for _ in range(30))
    n = zlib.crc32(body.encode())
    check = ""
    for _ in range(6):
        check = B62[n % 62] + check
        n //= 62
    return "ghp_" + body + check


WORDS = ("let fn return value config client request response handler error result "
         "string buffer index count total offset length parse write read open close "
         "token_count user_id session cache queue worker thread async await match "
         "struct impl trait enum pub use mod const static mut self super crate").split()


_CORPUS = []


def text_block(rng, size):
    """`size` bytes of source-like text: a random slice of an 8 MB generated corpus (fast)."""
    if not _CORPUS:
        _CORPUS.append(_generate(random.Random(7), 8 << 20))
    corpus = _CORPUS[0]
    size = min(size, len(corpus))
    start = rng.randrange(0, len(corpus) - size + 1)
    return corpus[start:start + size]


def _generate(rng, size):
    lines = []
    n = 0
    while n < size:
        k = rng.randint(3, 12)
        line = "    " * rng.randint(0, 3) + " ".join(rng.choice(WORDS) for _ in range(k))
        line += rng.choice([";", " {", " }", ",", ""])
        lines.append(line)
        n += len(line) + 1
    return ("\n".join(lines) + "\n").encode()[:size]


def binary_block(rng, size):
    return b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(max(0, size - 8))


def jar(rng, secret=None, nested=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: app.Main\n")
        for i in range(rng.randint(20, 60)):
            z.writestr(f"com/example/app/C{i}.class", b"\xca\xfe\xba\xbe" + rng.randbytes(rng.randint(500, 6000)))
        for i in range(rng.randint(2, 6)):
            z.writestr(f"com/example/app/res{i}.txt", text_block(rng, rng.randint(2000, 20000)))
        cfg = "server:\n  port: 8080\nspring:\n  datasource:\n    url: jdbc:postgresql://db/app\n"
        if secret:
            cfg += f"github:\n  token: {secret}\n"
        z.writestr("BOOT-INF/classes/application.yml", cfg)
        if nested:
            z.writestr("BOOT-INF/lib/inner.jar", nested)
    return buf.getvalue()


def add(tar, name, data, mtime=1_700_000_000):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def add_dirs(tar, name, seen):
    """Directory entries for every parent of `name`, as real tarballs have."""
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d)
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = 1_700_000_000
            tar.addfile(info)


def layer_tar(files):
    buf = io.BytesIO()
    seen = set()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in files:
            add_dirs(t, name, seen)
            add(t, name, data)
    return buf.getvalue()


def make_image(out, mb, layers, rng, secrets, big_file_mb=0):
    per_layer = mb * 1024 * 1024 // layers
    blobs = []
    history = []
    previous = []
    for n in range(layers):
        files = []
        size = 0
        if n == 0 and big_file_mb:
            # One large log file: streamed in chunks, never held whole.
            chunk = text_block(rng, 8 << 20)
            big = chunk * (big_file_mb // 8)
            files.append(("var/log/big.log", big))
            size += len(big)
        # A third of the previous layer's files again (package reinstalls, copied trees).
        for name, data in previous[: len(previous) // 3]:
            files.append((name, data))
            size += len(data)
        while size < per_layer:
            kind = rng.random()
            if kind < 0.35:
                data = text_block(rng, rng.randint(2_000, 60_000))
                name = f"usr/src/app{n}/mod{len(files)}.rs"
            elif kind < 0.45:
                data = text_block(rng, rng.randint(200, 4_000))
                name = f"etc/app{n}/conf{len(files)}.yaml"
            elif kind < 0.5:
                data = jar(rng)
                name = f"opt/lib{n}/lib{len(files)}.jar"
            else:
                data = binary_block(rng, rng.randint(20_000, 800_000))
                name = f"usr/lib/x86_64-linux-gnu/lib{n}_{len(files)}.so"
            files.append((name, data))
            size += len(data)
        if n % 4 == 0:
            s = fake_github(rng)
            secrets.append(s)
            files.append((f"root/.config/app{n}.env", f"GITHUB_TOKEN={s}\n".encode()))
        if n % 6 == 1:
            s = fake_github(rng)
            secrets.append(s)
            files.append((f"opt/app{n}.jar", jar(rng, secret=s)))
        if n > 0 and n % 4 == 1:
            # Delete the previous secret file: still in the lower layer.
            files.append((f"root/.config/.wh.app{n - 1}.env", b""))
        previous = files
        blobs.append(layer_tar(files))
        history.append({"created": f"2024-01-01T00:{n:02d}:00Z", "created_by": f"/bin/sh -c build step {n}"})
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin", "APP_MODE=prod"], "Cmd": ["/opt/run"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }).encode()
    config_hex = hashlib.sha256(config).hexdigest()
    # The form Docker 25+ `docker save` writes: OCI blobs, index.json, manifest.json, oci-layout.
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + config_hex, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": len(b)}
                   for d, b in zip(diff_ids, blobs)],
    }).encode()
    manifest_hex = hashlib.sha256(manifest).hexdigest()
    with tarfile.open(os.path.join(out, "image.tar"), "w", format=tarfile.GNU_FORMAT) as t:
        add_dirs(t, "blobs/sha256/x", set())
        paths = []
        for d, b in zip(diff_ids, blobs):
            p = "blobs/sha256/" + d[7:]
            add(t, p, b)
            paths.append(p)
        add(t, "blobs/sha256/" + config_hex, config)
        add(t, "blobs/sha256/" + manifest_hex, manifest)
        add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + manifest_hex,
            "size": len(manifest), "annotations": {"io.containerd.image.name": "bench:1"}}]}).encode())
        add(t, "manifest.json", json.dumps([{"Config": "blobs/sha256/" + config_hex, "RepoTags": ["bench:1"],
                                             "Layers": paths}]).encode())
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')


def make_jars(out, count, rng, secrets):
    d = os.path.join(out, "jars")
    os.makedirs(d, exist_ok=True)
    for i in range(count):
        secret = None
        nested = None
        if i % 10 == 0:
            secret = fake_github(rng)
            secrets.append(secret)
        if i % 25 == 0:
            s = fake_github(rng)
            secrets.append(s)
            nested = jar(rng, secret=s)
        with open(os.path.join(d, f"service-{i}.jar"), "wb") as f:
            f.write(jar(rng, secret=secret, nested=nested))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=230)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--jars", type=int, default=300)
    ap.add_argument("--big-file-mb", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(20240101)
    image_secrets, jar_secrets = [], []
    make_image(a.out, a.mb, a.layers, rng, image_secrets, a.big_file_mb)
    make_jars(a.out, a.jars, rng, jar_secrets)
    with open(os.path.join(a.out, "secrets.json"), "w") as f:
        json.dump({"image": image_secrets, "jars": jar_secrets}, f)
    print(f"{a.out}/image.tar: {os.path.getsize(os.path.join(a.out, 'image.tar')) >> 20} MB, "
          f"{a.layers} layers, {len(image_secrets)} fake secrets; {a.jars} jars, {len(jar_secrets)} fake secrets")


if __name__ == "__main__":
    main()
