#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/, from
real frames: the session scripts in fuzz/sessions/ (the connection target's
own seeds, read by it directly) and the frames quoted in docs/PROTOCOL.md.

Fails when a request type of hearth-protocol is in no session script, so the
seeds keep up with the protocol.
Usage: fuzz/seeds.py   (fuzz/run.sh calls it)
"""
import hashlib
import json
import pathlib
import re
import struct
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"


def request_types():
    """Every request `type`, read from the protocol crate's source."""
    src = (ROOT / "crates/protocol/src/requests.rs").read_text()
    types = set(re.findall(r'request!\(\w+ = "([a-z_]+)"', src))
    types |= set(re.findall(r'const TYPE: &\'static str = "([a-z_]+)"', src))
    if len(types) < 10:
        sys.exit(f"seeds.py: found only {len(types)} request types; has requests.rs changed shape?")
    return types


def sessions():
    return {p.stem: p.read_text() for p in sorted((FUZZ / "sessions").glob("*.txt"))}


def session_bodies(scripts):
    for script in scripts.values():
        for line in script.splitlines():
            m = re.match(r"\d>(.*)$", line)
            if m:
                yield m.group(1)


def doc_requests():
    doc = (ROOT / "docs/PROTOCOL.md").read_text()
    for block in re.findall(r"```json\n(.*?)```", doc, re.S):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        if isinstance(value, dict) and "type" in value and "status" not in value:
            yield json.dumps(value, ensure_ascii=False)


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def write(target, name, data: bytes):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)


def main():
    scripts = sessions()
    seen = {m for b in session_bodies(scripts) for m in re.findall(r'"type":"([a-z_]+)"', b)}
    missing = sorted(request_types() - seen)
    if missing:
        sys.exit(f"seeds.py: no session in fuzz/sessions/ sends {', '.join(missing)}")

    bodies = list(session_bodies(scripts)) + list(doc_requests())
    for body in bodies:
        write("request_parser", "body", body.encode())
    for name, script in scripts.items():
        stream = b"".join(frame(b.encode()) for b in session_bodies({name: script}))
        # Limit 64 KiB in one read; then cut every 3 bytes; then a tiny limit.
        write("frame_decoder", name, b"\xff\xff\x00" + stream)
        cuts = [3] * min(255, len(stream) // 3)
        write("frame_decoder", name, b"\xff\xff" + bytes([len(cuts)]) + b"".join(struct.pack(">H", c) for c in cuts) + stream)
        write("frame_decoder", name, b"\x00\x10\x01\x00\x02" + stream)
    for text in [
        "Q9W1-DFWF-077Y-MGA1",
        "q9w1 dfwf 077y mga1",
        "hearth://192.168.1.20:7070/Q9W1-DFWF-077Y-MGA1",
        "hearth://[fe80::1]:7878/Q9W1-DFWF-077Y-MGA1",
        "hearth://host.lan/Q9W1DFWF077YMGA1",
        "192.168.1.20",
        "[::1]:7878",
        "host.lan:7000",
        "SHA256:" + "ab" * 32,
    ]:
        write("join_parsers", "text", text.encode())


if __name__ == "__main__":
    main()
