#!/usr/bin/env python3
"""Writes a docker-archive tar (manifest.json, a config, layer tars) whose
layers are made by hand, to test what the unpacker does with them.

usage: mkarchive.py OUT NAME CASE [CANARY]
CASE is one of the hostile layers (absolute, dotdot, symlink-abs,
symlink-rel, hardlink-abs, hardlink-rel, replace-symlink, overlay-xattr),
or "whiteouts" (two layers: a deletion and an opaque directory),
"root-entry" (an entry "/" for the layer's root, as umoci insert writes) or
"metadata" (owners, modes, setuid, xattrs, a capability, devices, links,
times). CANARY is the directory outside that hostile entries aim at."""
import hashlib
import io
import json
import sys
import tarfile

UP = "../" * 24  # more than enough to climb from any layer directory to /


def entry(name, kind=tarfile.REGTYPE, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.size = len(data) if kind == tarfile.REGTYPE else 0
    t.mode = kw.pop("mode", 0o644 if kind != tarfile.DIRTYPE else 0o755)
    t.mtime = kw.pop("mtime", 1000000000)
    for k, v in kw.items():
        setattr(t, k, v)
    return t, data


def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, data in entries:
            tf.addfile(t, io.BytesIO(data) if t.type == tarfile.REGTYPE else None)
    return buf.getvalue()


def hostile(case, canary):
    c = canary.lstrip("/")
    return {
        "absolute": [entry(canary + "/pwned", data=b"x")],
        "dotdot": [entry(UP + c + "/pwned", data=b"x")],
        "symlink-abs": [entry("link", tarfile.SYMTYPE, linkname=canary),
                        entry("link/pwned", data=b"x")],
        "symlink-rel": [entry("rel", tarfile.SYMTYPE, linkname=UP + c),
                        entry("rel/pwned", data=b"x")],
        "hardlink-abs": [entry("hl", tarfile.LNKTYPE, linkname=canary + "/target")],
        "hardlink-rel": [entry("hl", tarfile.LNKTYPE, linkname=UP + c + "/target")],
        "replace-symlink": [entry("t", tarfile.SYMTYPE, linkname=canary + "/target"),
                            entry("t", data=b"mine")],
        "overlay-xattr": [entry("d", tarfile.DIRTYPE,
                                pax_headers={"SCHILY.xattr.trusted.overlay.redirect": "/etc"})],
    }[case]


CAP_NET_RAW = "\x01\x00\x00\x02\x00\x20\x00\x00" + "\x00" * 12  # vfs_cap_data v2, effective


def layers_for(case, canary):
    if case == "whiteouts":
        return [layer([entry("f", data=b"f"), entry("d", tarfile.DIRTYPE),
                       entry("d/x", data=b"x"), entry("d/y", data=b"y"),
                       entry("keep", data=b"k")]),
                layer([entry(".wh.f"), entry("d", tarfile.DIRTYPE), entry("d/.wh..wh..opq"),
                       entry("d/z", data=b"z")])]
    if case == "root-entry":  # as umoci insert SRC / writes it
        return [layer([entry("/", tarfile.DIRTYPE), entry("etc/", tarfile.DIRTYPE),
                       entry("etc/app.conf", data=b"app")])]
    if case == "metadata":
        return [layer([
            entry("d", tarfile.DIRTYPE, mode=0o750, uid=1000, gid=1000, mtime=1100000000),
            entry("d/suid", data=b"#!/bin/sh\n", mode=0o4755, uid=1000, gid=2000,
                  mtime=1200000000),
            entry("d/hard", tarfile.LNKTYPE, linkname="d/suid"),
            entry("d/sym", tarfile.SYMTYPE, linkname="suid"),
            entry("null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3),
            entry("fifo", tarfile.FIFOTYPE, mode=0o600),
            entry("xattr", data=b"x", pax_headers={"SCHILY.xattr.user.note": "kept"}),
            entry("cap", data=b"c", mode=0o755,
                  pax_headers={"SCHILY.xattr.security.capability": CAP_NET_RAW}),
        ])]
    return [layer(hostile(case, canary))]


def main():
    out, name, case = sys.argv[1:4]
    canary = sys.argv[4] if len(sys.argv) > 4 else "/nonexistent"
    layers = layers_for(case, canary)
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers",
                   "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]},
    }).encode()
    files = {"config.json": config}
    for i, l in enumerate(layers):
        files["%d/layer.tar" % i] = l
    files["manifest.json"] = json.dumps([{
        "Config": "config.json", "RepoTags": [name],
        "Layers": ["%d/layer.tar" % i for i in range(len(layers))],
    }]).encode()
    with tarfile.open(out, "w") as tf:
        for n, data in files.items():
            t = tarfile.TarInfo(n)
            t.size = len(data)
            tf.addfile(t, io.BytesIO(data))


if __name__ == "__main__":
    main()
